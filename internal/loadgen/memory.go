package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemorySample is one reading of the server's resident set.
type MemorySample struct {
	At    float64 `json:"at_s"` // seconds since sampling started
	RSSKB int64   `json:"rss_kb"`
}

// MemoryResult is the server's resident memory over the run (VmRSS).
type MemoryResult struct {
	PID     int            `json:"pid"`
	StartKB int64          `json:"start_kb"`
	EndKB   int64          `json:"end_kb"`
	MaxKB   int64          `json:"max_kb"`
	Samples []MemorySample `json:"samples"`
	Error   string         `json:"error,omitempty"` // why sampling stopped early
}

// SampleMemory reads /proc/<pid>/status every interval, starting now,
// until stop is called; stop takes a last sample and returns them all.
func SampleMemory(pid int, every time.Duration) (stop func() *MemoryResult) {
	res := &MemoryResult{PID: pid}
	started := time.Now()
	var mu sync.Mutex
	sample := func() bool {
		kb, err := readRSS(fmt.Sprintf("/proc/%d/status", pid))
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Error = err.Error()
			return false
		}
		res.add(MemorySample{At: time.Since(started).Seconds(), RSSKB: kb})
		return true
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for ok := sample(); ok; ok = sample() {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() *MemoryResult {
		cancel()
		<-done
		sample()
		mu.Lock()
		defer mu.Unlock()
		return res
	}
}

func (m *MemoryResult) add(s MemorySample) {
	if len(m.Samples) == 0 {
		m.StartKB = s.RSSKB
	}
	m.Samples = append(m.Samples, s)
	m.EndKB = s.RSSKB
	m.MaxKB = max(m.MaxKB, s.RSSKB)
}

func readRSS(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseRSS(f)
}

// parseRSS finds "VmRSS:   123456 kB" in a /proc/<pid>/status.
func parseRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("loadgen: unexpected VmRSS line %q", sc.Text())
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("loadgen: no VmRSS (has the process exited?)")
}
