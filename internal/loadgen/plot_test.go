package loadgen

import (
	"bytes"
	"image/png"
	"testing"
	"time"
)

func sortedMillis(n int) []time.Duration {
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = time.Duration(i) * time.Millisecond // the first is 0
	}
	return d
}

func TestPercentileCurveRisesToTheMaximumAndSkipsZero(t *testing.T) {
	xys := percentileCurve(sortedMillis(1000))
	if len(xys) == 0 || xys[0].Y <= 0 {
		t.Fatalf("starts at %v", xys[:1])
	}
	for i := 1; i < len(xys); i++ {
		if xys[i].X < xys[i-1].X || xys[i].Y < xys[i-1].Y {
			t.Fatalf("not monotonic at %d: %v then %v", i, xys[i-1], xys[i])
		}
	}
	// x = 1/(1−q): at x=10 (the 90th percentile) the latency is 900 ms.
	last := xys[len(xys)-1]
	if last.X != 1000 || last.Y != 999 {
		t.Fatalf("ends at %v", last)
	}
	if percentileCurve(nil) != nil {
		t.Fatal("a curve from nothing")
	}
}

func TestWritePlotDrawsOnePanelPerMeasurement(t *testing.T) {
	res := &Result{Target: "http://x", Rate: 10, All: &OpResult{lat: sortedMillis(50)[1:]},
		Timeline: []Second{{At: 0, Count: 10, P50: 3, P99: 9}, {At: 1}, {At: 2, Count: 10, P50: 4, P99: 20}}}
	height := func() int {
		var buf bytes.Buffer
		if err := WritePlot(&buf, res); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return img.Bounds().Dy()
	}
	two := height()
	res.Webhooks = &WebhookResult{lags: sortedMillis(20), Timeline: []Second{{At: 0, Count: 2, P50: 1, P99: 2}, {At: 2}}}
	res.Memory = &MemoryResult{PID: 1, Samples: []MemorySample{{At: 0, RSSKB: 1000, AnonKB: 600, FileKB: 400}, {At: 5, RSSKB: 2000, AnonKB: 1500, FileKB: 500}}}
	if three := height(); three*2 != two*3 {
		t.Fatalf("heights %d with two panels, %d with three", two, three)
	}
	if err := WritePlot(&bytes.Buffer{}, &Result{All: &OpResult{}}); err == nil {
		t.Fatal("plotted nothing without complaint")
	}
}
