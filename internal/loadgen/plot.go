package loadgen

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The plot's colours: one per line, the same meaning in every panel.
var (
	colourP50 = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colourP99 = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	colourLag = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	colourMem = color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}
)

// WritePlot draws res as a PNG: latency per second over the run, the
// latency distribution as a percentile curve (with webhook lag when it was
// measured), and the server's resident memory when it was sampled.
func WritePlot(w io.Writer, res *Result) error {
	if len(res.All.lat) == 0 {
		return fmt.Errorf("loadgen: no latencies to plot")
	}
	panels := []*plot.Plot{timelinePanel(res), distributionPanel(res)}
	if res.Memory != nil && len(res.Memory.Samples) > 0 {
		panels = append(panels, memoryPanel(res.Memory))
	}
	const width, rowHeight = 9 * vg.Inch, 3.2 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, rowHeight*vg.Length(len(panels))), vgimg.UseDPI(110))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadRight: vg.Points(12), PadY: vg.Points(14)}
	grid := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		grid[i] = []*plot.Plot{p}
	}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

func timelinePanel(res *Result) *plot.Plot {
	p := newPanel(fmt.Sprintf("Latency per second of the run, %s at %.0f/s offered", res.Target, res.Rate),
		"seconds into the run", "latency (ms)")
	logY(p)
	p50, p99 := perSecond(res.Timeline)
	addLine(p, "request p99", p99, colourP99)
	addLine(p, "request p50", p50, colourP50)
	if res.Webhooks != nil {
		lag50, lag99 := perSecond(res.Webhooks.Timeline)
		addLine(p, "webhook lag p99", lag99, colourLag)
		addLine(p, "webhook lag p50", lag50, colourLag, vg.Points(4), vg.Points(3))
	}
	headroom(p)
	return p
}

// perSecond returns a timeline's p50 and p99 lines, skipping empty
// seconds and zeros, which a log axis cannot show.
func perSecond(tl []Second) (p50, p99 plotter.XYs) {
	for _, s := range tl {
		x := float64(s.At) + 0.5
		if s.P50 > 0 {
			p50 = append(p50, plotter.XY{X: x, Y: s.P50})
		}
		if s.P99 > 0 {
			p99 = append(p99, plotter.XY{X: x, Y: s.P99})
		}
	}
	return p50, p99
}

func distributionPanel(res *Result) *plot.Plot {
	p := newPanel("Latency by percentile", "percentile", "latency (ms)")
	logY(p)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = percentileTicks{}
	addLine(p, fmt.Sprintf("requests (%d)", len(res.All.lat)), percentileCurve(res.All.lat), colourP99)
	if res.Webhooks != nil && len(res.Webhooks.lags) > 0 {
		addLine(p, fmt.Sprintf("webhook lag after the 2xx (%d)", len(res.Webhooks.lags)), percentileCurve(res.Webhooks.lags), colourLag)
	}
	headroom(p)
	return p
}

func memoryPanel(m *MemoryResult) *plot.Plot {
	p := newPanel(fmt.Sprintf("Server resident memory (VmRSS of pid %d)", m.PID), "seconds since sampling started", "MiB")
	p.Y.Min = 0
	var rss, anon, file plotter.XYs
	for _, s := range m.Samples {
		rss = append(rss, plotter.XY{X: s.At, Y: float64(s.RSSKB) / 1024})
		anon = append(anon, plotter.XY{X: s.At, Y: float64(s.AnonKB) / 1024})
		file = append(file, plotter.XY{X: s.At, Y: float64(s.FileKB) / 1024})
	}
	addLine(p, "VmRSS", rss, colourMem)
	addLine(p, "anonymous (heap, stacks)", anon, colourMem, vg.Points(4), vg.Points(3))
	addLine(p, "file-backed (binary, mapped files)", file, colourMem, vg.Points(1), vg.Points(2))
	p.Y.Max = math.Max(p.Y.Max*1.4, 1) // room for the legend
	return p
}

// percentileCurve maps sorted latencies to an HDR-style curve: x is
// 1/(1−q), so 90%, 99%, 99.9% are evenly spaced on a log axis.
func percentileCurve(sorted []time.Duration) plotter.XYs {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	var xys plotter.XYs
	top := float64(n) // 1/(1−q) at the last rank
	const steps = 400
	for i := 0; i <= steps; i++ {
		x := math.Pow(top, float64(i)/steps)
		// A log axis cannot show 0 (a webhook that came before its response).
		if y := ms(quantile(sorted, 1-1/x)); y > 0 {
			xys = append(xys, plotter.XY{X: x, Y: y})
		}
	}
	return xys
}

// percentileTicks label the 1/(1−q) axis as percentiles.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
	ticks := []plot.Tick{{Value: 2, Label: "50%"}}
	for i, x := 0, 1.0; i < len(labels) && x <= hi*1.0001; i, x = i+1, x*10 {
		ticks = append(ticks, plot.Tick{Value: x, Label: labels[i]})
	}
	return ticks
}

// headroom lifts a log axis's top by a decade so the legend clears the lines.
func headroom(p *plot.Plot) {
	if p.Y.Max > 0 {
		p.Y.Max *= 10
	}
}

func logY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

func addLine(p *plot.Plot, name string, xys plotter.XYs, c color.Color, dashes ...vg.Length) {
	if len(xys) == 0 {
		return
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return // NaN or Inf: nothing drawable
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	l.Dashes = dashes
	p.Add(l)
	p.Legend.Add(name, l)
}

func newPanel(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}
