package main

import (
	"os"
	"runtime/debug"
)

// serveGCPercent is kassa serve's garbage collection target (Go's GOGC)
// when the environment sets none. Kassa's live heap is a few megabytes,
// so at Go's default of 100 the collector runs dozens of times a second
// under load; at 400 it runs a quarter as often, for about 6% less CPU
// and a shorter p99, at the price of 15–20 MiB more resident memory
// (docs/benchmarks-history.md). The heap still stays proportional to what is live.
const serveGCPercent = 400

// setServeGCPercent applies serveGCPercent unless GOGC is set.
func setServeGCPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
