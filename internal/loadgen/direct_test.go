package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an httptest server that counts the connections it accepted.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func send(t *testing.T, rt http.RoundTripper, ctx context.Context, method, url, body string, header http.Header) (int, string, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}

func TestDirectTransportKeepsOneConnectionForSequentialRequests(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Query().Get("chunked") != "" {
			w.Write([]byte("chunk-1 "))
			w.(http.Flusher).Flush() // no length known: sent chunked
			w.Write([]byte("chunk-2"))
			return
		}
		if r.Method == "DELETE" {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(201)
			return
		}
		w.WriteHeader(201)
		fmt.Fprintf(w, "%s %s %s %s", r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"), body)
	})
	rt := newDirectTransport(4, 5*time.Second)
	ctx := context.Background()
	for i := range 3 {
		status, got, err := send(t, rt, ctx, "POST", srv.URL+"/v1/x", fmt.Sprintf("a=%d", i), http.Header{"Idempotency-Key": {"k"}})
		if want := fmt.Sprintf("POST /v1/x k a=%d", i); err != nil || status != 201 || got != want {
			t.Fatalf("request %d: %d %q %v, want 201 %q", i, status, got, err, want)
		}
	}
	status, got, err := send(t, rt, ctx, "GET", srv.URL+"/?chunked=1", "", nil)
	if err != nil || status != 200 || got != "chunk-1 chunk-2" {
		t.Fatalf("chunked answer: %d %q %v", status, got, err)
	}
	for _, method := range []string{"DELETE", "HEAD"} { // 201 without a body; HEAD's answer has none
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+"/v1/x", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close() // closed unread, as a caller that expects nothing does
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for six sequential requests, want 1", n)
	}
}

func TestDirectTransportDropsConnectionsItCannotReuse(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		w.Write([]byte(strings.Repeat("x", 64<<10)))
	})
	rt := newDirectTransport(4, 5*time.Second)
	ctx := context.Background()
	if _, _, err := send(t, rt, ctx, "GET", srv.URL+"/close", "", nil); err != nil {
		t.Fatal(err)
	}
	// A body closed before its end leaves bytes on the connection.
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 10))
	resp.Body.Close()
	if _, got, err := send(t, rt, ctx, "GET", srv.URL+"/", "", nil); err != nil || len(got) != 64<<10 {
		t.Fatalf("after an unread body: %d bytes, %v", len(got), err)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3 (after Connection: close, after an unread body)", n)
	}
}

func TestDirectTransportSendsAgainOnlyWhatIsSafeToRepeat(t *testing.T) {
	var mu sync.Mutex
	var served []string
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.Method+" "+r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		w.Write([]byte("ok"))
	})
	ctx := context.Background()
	for _, tc := range []struct {
		method string
		body   string
		key    string
		retry  bool
	}{
		{"GET", "", "", true},
		{"POST", "a=1", "k1", true},
		{"POST", "a=1", "", false},
	} {
		rt := newDirectTransport(4, 5*time.Second)
		if _, _, err := send(t, rt, ctx, "GET", srv.URL, "", nil); err != nil {
			t.Fatal(err)
		}
		// The server (as after its idle timeout) closes the kept connection.
		srv.CloseClientConnections()
		mu.Lock()
		served = nil
		mu.Unlock()
		status, _, err := send(t, rt, ctx, tc.method, srv.URL, tc.body, http.Header{"Idempotency-Key": {tc.key}})
		mu.Lock()
		got := served
		mu.Unlock()
		if tc.retry && (err != nil || status != 200 || len(got) != 1) {
			t.Errorf("%s with key %q on a closed connection: %d %v, served %q; want it sent again on a new one", tc.method, tc.key, status, err, got)
		}
		if !tc.retry && (err == nil || len(got) != 0) {
			t.Errorf("POST without a key on a closed connection: %d %v, served %q; want an error and nothing sent again", status, err, got)
		}
	}
}

func TestDirectTransportAnswersCancellationAtOnce(t *testing.T) {
	release := make(chan struct{})
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		w.Write([]byte("ok"))
	})
	defer close(release)
	rt := newDirectTransport(4, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := send(t, rt, ctx, "GET", srv.URL+"/slow", "", nil)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("canceled request: %v after %v", err, time.Since(start))
	}
	if _, got, err := send(t, rt, context.Background(), "GET", srv.URL+"/", "", nil); err != nil || got != "ok" {
		t.Fatalf("next request: %q %v", got, err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2: a canceled request's connection is not reused", n)
	}
}

func TestDirectTransportTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	rt := newDirectTransport(4, 100*time.Millisecond)
	_, _, err := send(t, rt, context.Background(), "GET", srv.URL, "", nil)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

func TestNewTransportPicksByScheme(t *testing.T) {
	if _, ok := NewTransport("http://127.0.0.1:8080", 8).(*directTransport); !ok {
		t.Error("http:// target not sent directly")
	}
	if _, ok := NewTransport("https://kassa.example", 8).(*http.Transport); !ok {
		t.Error("https:// target not sent with net/http")
	}
	if _, err := newDirectTransport(1, time.Second).RoundTrip(httptest.NewRequest("GET", "https://kassa.example/", nil)); err == nil {
		t.Error("direct transport accepted an https:// request")
	}
}
