package loadgen

import (
	"math"
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want time.Duration
		bad  bool
	}{
		{name: "plain", stat: "1234 (kassa) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 8 0 100 0 0",
			want: 3250 * time.Millisecond},
		{name: "command with spaces and parentheses", stat: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0",
			want: 70 * time.Millisecond},
		{name: "no command", stat: "1234 kassa S 1", bad: true},
		{name: "short", stat: "1 (x) S 1 2 3", bad: true},
		{name: "not a number", stat: "1 (x) S 1 1 1 0 -1 0 0 0 0 0 ten 4 0 0", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.stat))
			if tt.bad {
				if err == nil {
					t.Fatalf("parsed %v from a malformed line", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// The process's own CPU read from /proc agrees with getrusage, to the
// tick, after this test burns some.
func TestProcessCPUOfItself(t *testing.T) {
	stop := MeasureCPU(os.Getpid())
	for start := OwnCPU(); OwnCPU()-start < 200*time.Millisecond; {
	}
	res := stop(100)
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	if res.ServerSeconds < 0.17 || res.ServerSeconds > res.WallSeconds*2+0.05 {
		t.Fatalf("busy for 0.2 s of CPU in %f s, /proc says %f s", res.WallSeconds, res.ServerSeconds)
	}
	if diff := res.ServerSeconds - res.GeneratorSeconds; diff > 0.03 || diff < -0.03 {
		t.Fatalf("/proc says %f s, getrusage %f s", res.ServerSeconds, res.GeneratorSeconds)
	}
	if want := res.ServerSeconds * 1e4; math.Abs(res.ServerPerRequestUS-want) > 1e-6*want {
		t.Fatalf("per request %f µs for %f s over 100 requests", res.ServerPerRequestUS, res.ServerSeconds)
	}
	if _, err := ProcessCPU(-1); err == nil {
		t.Fatal("read the CPU of pid -1")
	}
}
