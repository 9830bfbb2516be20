package loadgen

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseRSS(t *testing.T) {
	for _, c := range []struct {
		status string
		want   MemorySample
		err    bool
	}{
		{"Name:\tkassa\nVmPeak:\t  900 kB\nVmRSS:\t   41236 kB\nRssAnon:\t   30000 kB\nRssFile:\t  11236 kB\nRssShmem:\t 0 kB\n",
			MemorySample{RSSKB: 41236, AnonKB: 30000, FileKB: 11236}, false},
		{"Name:\tkassa\nVmRSS:\t   512 kB\n", MemorySample{RSSKB: 512}, false},
		{"Name:\tkassa\nVmRSS:\t41236 MB\n", MemorySample{}, true},
		{"Name:\tzombie\nRssAnon:\t 7 kB\nState:\tZ (zombie)\n", MemorySample{}, true},
	} {
		got, err := parseRSS(strings.NewReader(c.status))
		if got != c.want || (err != nil) != c.err {
			t.Errorf("%q: %+v, %v", c.status, got, err)
		}
	}
}

func TestSampleMemoryReadsThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	stop := SampleMemory(os.Getpid(), time.Hour)
	m := stop()
	// One sample when started, one when stopped.
	s := m.Samples[len(m.Samples)-1]
	if len(m.Samples) != 2 || m.StartKB <= 0 || m.MaxKB < m.StartKB || m.MaxKB < m.EndKB || m.Error != "" ||
		s.AnonKB <= 0 || s.AnonKB+s.FileKB > s.RSSKB {
		t.Fatalf("%+v", m)
	}
	gone := SampleMemory(1<<30, time.Hour)()
	if len(gone.Samples) != 0 || gone.Error == "" {
		t.Fatalf("a missing process sampled: %+v", gone)
	}
}

func TestMemoryResultKeepsStartEndAndMax(t *testing.T) {
	var m MemoryResult
	for i, kb := range []int64{300, 900, 500} {
		m.add(MemorySample{At: float64(i), RSSKB: kb})
	}
	if m.StartKB != 300 || m.EndKB != 500 || m.MaxKB != 900 || len(m.Samples) != 3 {
		t.Fatalf("%+v", m)
	}
}
