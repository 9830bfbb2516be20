package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// A keep-alive connection that stays idle is closed by the server; one in
// use is not.
func TestIdleConnectionsAreClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), 200*time.Millisecond)
	go srv.Serve(ln)
	defer srv.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	get := func() error {
		if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: kassa\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	// Requests closer together than the timeout keep the connection.
	for range 4 {
		if err := get(); err != nil {
			t.Fatalf("a connection in use was closed: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Idle past the timeout, the server hangs up.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: read gave %v, want EOF (closed by the server)", err)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.8.0.1:8080", true},
		{"[::1]:8080", true},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
	}
	for _, tc := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := isLoopback(addr); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.addr, got, tc.want)
		}
	}
	if isLoopback(&net.UnixAddr{Name: "/tmp/kassa.sock"}) {
		t.Error("a Unix socket counted as a loopback TCP address")
	}
}
