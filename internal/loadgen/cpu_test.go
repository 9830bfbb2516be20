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

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want machineTimes
		bad  bool
	}{
		{name: "two CPUs", stat: "cpu  100 5 50 800 40 3 2 1 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\ncpu1 50 3 25 400 20 2 1 1 0 0\nintr 12345\nctxt 99\n",
			want: machineTimes{Busy: 161, Total: 1001, CPUs: 2}},
		{name: "older kernel without guest columns", stat: "cpu 1 2 3 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\n",
			want: machineTimes{Busy: 27, Total: 36, CPUs: 1}},
		{name: "short cpu line", stat: "cpu 1 2 3 4\ncpu0 1 2 3 4\n", bad: true},
		{name: "not a number", stat: "cpu 1 2 x 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\n", bad: true},
		{name: "no per-CPU lines", stat: "cpu 1 2 3 4 5 6 7 8\n", bad: true},
		{name: "nothing", stat: "intr 1\n", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.stat))
			if tt.bad {
				if err == nil {
					t.Fatalf("parsed %+v from a malformed /proc/stat", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestBusyCoresSince(t *testing.T) {
	before := machineTimes{Busy: 1000, Total: 4000, CPUs: 2}
	tests := []struct {
		after machineTimes
		want  float64
	}{
		{machineTimes{Busy: 1150, Total: 4200, CPUs: 2}, 1.5}, // 150 of 200 ticks busy, on 2 CPUs
		{machineTimes{Busy: 1000, Total: 4200, CPUs: 2}, 0},
		{machineTimes{Busy: 1000, Total: 4000, CPUs: 2}, 0}, // no tick passed
	}
	for _, tt := range tests {
		if got := tt.after.busyCoresSince(before); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%+v since %+v: %f busy cores, want %f", tt.after, before, got, tt.want)
		}
	}
}

// What this process burns shows in the machine's busy time too.
func TestMachineCPUSeesThisProcess(t *testing.T) {
	stop := MeasureCPU(os.Getpid())
	for start := OwnCPU(); OwnCPU()-start < 300*time.Millisecond; {
	}
	res := stop(1)
	if res.MachineCPUs < 1 {
		t.Fatalf("machine not measured: %+v", res)
	}
	if busy := res.MachineBusyCores * res.WallSeconds; busy < 0.25 {
		t.Fatalf("this process burnt %.2f s of CPU, the machine counts %.2f s busy", res.GeneratorSeconds, busy)
	}
	if res.MachineBusyCores > float64(res.MachineCPUs)+1e-9 {
		t.Fatalf("%.2f of %d CPUs busy", res.MachineBusyCores, res.MachineCPUs)
	}
}
