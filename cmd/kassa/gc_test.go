package main

import (
	"runtime/debug"
	"testing"
)

func currentGCPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// GOGC from the environment wins over serve's default.
func TestServeGCPercent(t *testing.T) {
	defer debug.SetGCPercent(currentGCPercent())
	tests := []struct {
		env  string
		want int
	}{
		{"", serveGCPercent},
		{"150", 150}, // the runtime read it at start; serve leaves it alone
	}
	for _, tt := range tests {
		t.Setenv("GOGC", tt.env)
		debug.SetGCPercent(100)
		if tt.env != "" {
			debug.SetGCPercent(tt.want)
		}
		setServeGCPercent()
		if got := currentGCPercent(); got != tt.want {
			t.Errorf("GOGC=%q: GC percent %d, want %d", tt.env, got, tt.want)
		}
	}
}
