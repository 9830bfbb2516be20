package loadgen

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUResult is the CPU time, user and system, that the server process and
// this generator used during the measured run. The two share the machine,
// so a server's capacity there is about the cores over its CPU per
// request, less what its clients take.
type CPUResult struct {
	PID                   int     `json:"pid"`
	WallSeconds           float64 `json:"wall_seconds"`
	ServerSeconds         float64 `json:"server_seconds"`
	ServerCores           float64 `json:"server_cores"` // cores busy on average
	ServerPerRequestUS    float64 `json:"server_per_request_us"`
	GeneratorSeconds      float64 `json:"generator_seconds"` // this process, webhook receiver included
	GeneratorPerRequestUS float64 `json:"generator_per_request_us"`
	Error                 string  `json:"error,omitempty"`
}

// MeasureCPU starts measuring the CPU used by process pid and by this
// process; stop ends it and divides by the requests the run completed.
func MeasureCPU(pid int) (stop func(requests int) *CPUResult) {
	started := time.Now()
	server, serverErr := ProcessCPU(pid)
	own := OwnCPU()
	return func(requests int) *CPUResult {
		res := &CPUResult{PID: pid, WallSeconds: time.Since(started).Seconds()}
		serverEnd, err := ProcessCPU(pid)
		if err := cmp.Or(serverErr, err); err != nil {
			res.Error = err.Error()
			return res
		}
		res.ServerSeconds = (serverEnd - server).Seconds()
		res.GeneratorSeconds = (OwnCPU() - own).Seconds()
		res.ServerCores = res.ServerSeconds / res.WallSeconds
		if requests > 0 {
			res.ServerPerRequestUS = res.ServerSeconds * 1e6 / float64(requests)
			res.GeneratorPerRequestUS = res.GeneratorSeconds * 1e6 / float64(requests)
		}
		return res
	}
}

// ProcessCPU is the CPU time process pid has used, from /proc/<pid>/stat.
func ProcessCPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(stat)
}

// clockTick is the unit of /proc's times: USER_HZ, 100 on Linux whatever
// the kernel's own tick rate.
const clockTick = 10 * time.Millisecond

// parseStatCPU reads utime and stime from a /proc/<pid>/stat line: the
// 12th and 13th fields after the command name, which is in parentheses
// and may hold spaces and parentheses itself.
func parseStatCPU(stat []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("loadgen: no command name in /proc stat %q", stat)
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("loadgen: short /proc stat %q", stat)
	}
	var total time.Duration
	for _, f := range fields[11:13] {
		ticks, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("loadgen: /proc stat times: %w", err)
		}
		total += time.Duration(ticks) * clockTick
	}
	return total, nil
}

// OwnCPU is the CPU time this process has used, user and system.
func OwnCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
