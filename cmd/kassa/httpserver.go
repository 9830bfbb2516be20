package main

import (
	"net"
	"net/http"
	"time"
)

// idleTimeout closes a keep-alive connection that has carried no request
// for this long. Without it an idle connection lives as long as its
// client keeps it: its goroutine and 8 KB of buffers stay, so a burst
// that opened many connections raised Kassa's memory for good
// (docs/benchmarks-history.md, thirty minutes at 1,500/s).
const idleTimeout = 2 * time.Minute

// newHTTPServer is every server kassa runs (the API, the profiler, the
// bench's webhook receiver): headers must arrive within 10 s, and idle
// connections are closed after idle.
func newHTTPServer(h http.Handler, idle time.Duration) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: idle}
}

// isLoopback reports whether a listener's address is reachable from this
// machine only (127.0.0.0/8 or ::1); a wildcard address is not.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
