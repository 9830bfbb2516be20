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
	// The whole machine: how many of its CPUs were busy on average, with
	// anything (the server, the generator, the kernel's work for the
	// network, other processes, time the hypervisor took). Near MachineCPUs,
	// requests wait for a CPU and every latency grows.
	MachineCPUs      int     `json:"machine_cpus,omitempty"`
	MachineBusyCores float64 `json:"machine_busy_cores,omitempty"`
	Error            string  `json:"error,omitempty"`
}

// MeasureCPU starts measuring the CPU used by process pid and by this
// process; stop ends it and divides by the requests the run completed.
func MeasureCPU(pid int) (stop func(requests int) *CPUResult) {
	started := time.Now()
	server, serverErr := ProcessCPU(pid)
	own := OwnCPU()
	machine, machineErr := machineCPU()
	return func(requests int) *CPUResult {
		res := &CPUResult{PID: pid, WallSeconds: time.Since(started).Seconds()}
		if machineEnd, err := machineCPU(); machineErr == nil && err == nil {
			res.MachineCPUs, res.MachineBusyCores = machineEnd.CPUs, machineEnd.busyCoresSince(machine)
		}
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

// machineTimes is the whole machine's CPU time so far, from the first
// line of /proc/stat, in ticks: Busy counts user, nice, system, irq,
// softirq and steal time; Total adds idle and iowait.
type machineTimes struct {
	Busy, Total int64
	CPUs        int
}

// machineCPU reads the machine's CPU times.
func machineCPU() (machineTimes, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTimes{}, err
	}
	return parseProcStat(stat)
}

// busyCoresSince is how many CPUs were busy on average since earlier.
func (m machineTimes) busyCoresSince(earlier machineTimes) float64 {
	total := m.Total - earlier.Total
	if total <= 0 {
		return 0
	}
	return float64(m.Busy-earlier.Busy) / float64(total) * float64(m.CPUs)
}

// parseProcStat reads /proc/stat: the "cpu" line's times (user nice
// system idle iowait irq softirq steal; guest time is inside user) and
// one "cpuN" line per CPU.
func parseProcStat(stat []byte) (machineTimes, error) {
	var m machineTimes
	found := false
	for line := range strings.Lines(string(stat)) {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || !strings.HasPrefix(fields[0], "cpu"):
			continue
		case fields[0] != "cpu":
			m.CPUs++
			continue
		case len(fields) < 9:
			return machineTimes{}, fmt.Errorf("loadgen: short cpu line in /proc/stat %q", line)
		}
		for i, f := range fields[1:9] {
			ticks, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return machineTimes{}, fmt.Errorf("loadgen: /proc/stat cpu times: %w", err)
			}
			m.Total += ticks
			if i != 3 && i != 4 { // idle, iowait
				m.Busy += ticks
			}
		}
		found = true
	}
	if !found || m.CPUs == 0 {
		return machineTimes{}, fmt.Errorf("loadgen: no cpu lines in /proc/stat")
	}
	return m, nil
}

// OwnCPU is the CPU time this process has used, user and system.
func OwnCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
