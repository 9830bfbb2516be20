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

// MemorySample is one reading of the server's resident set: all of it,
// and its anonymous (heap, stacks) and file-backed (the binary's pages,
// mapped files) parts.
type MemorySample struct {
	At     float64 `json:"at_s"` // seconds since sampling started
	RSSKB  int64   `json:"rss_kb"`
	AnonKB int64   `json:"rss_anon_kb"`
	FileKB int64   `json:"rss_file_kb"`
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
		s, err := readRSS(fmt.Sprintf("/proc/%d/status", pid))
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Error = err.Error()
			return false
		}
		s.At = time.Since(started).Seconds()
		res.add(s)
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

func readRSS(path string) (MemorySample, error) {
	f, err := os.Open(path)
	if err != nil {
		return MemorySample{}, err
	}
	defer f.Close()
	return parseRSS(f)
}

// parseRSS reads "VmRSS:   123456 kB" and its RssAnon and RssFile parts
// from a /proc/<pid>/status; VmRSS must be there, the parts (Linux 4.5+)
// may not.
func parseRSS(r io.Reader) (MemorySample, error) {
	var s MemorySample
	fields := map[string]*int64{"VmRSS": &s.RSSKB, "RssAnon": &s.AnonKB, "RssFile": &s.FileKB}
	found := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		dst := fields[name]
		if dst == nil {
			continue
		}
		value, unit, _ := strings.Cut(strings.TrimSpace(rest), " ")
		kb, err := strconv.ParseInt(value, 10, 64)
		if err != nil || strings.TrimSpace(unit) != "kB" {
			return MemorySample{}, fmt.Errorf("loadgen: unexpected %s line %q", name, sc.Text())
		}
		*dst = kb
		found = found || name == "VmRSS"
	}
	if err := sc.Err(); err != nil {
		return MemorySample{}, err
	}
	if !found {
		return MemorySample{}, fmt.Errorf("loadgen: no VmRSS (has the process exited?)")
	}
	return s, nil
}
