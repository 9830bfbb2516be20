package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// directTransport sends a request and reads its answer on the calling
// goroutine, over plain HTTP/1.1 connections kept open between requests.
// http.Transport hands each request to its connection's writing goroutine
// and the answer back from its reading one: on a machine the generator
// shares with the server it measures, those hand-offs (scheduler and futex
// wake-ups on both sides) are a third of the generator's CPU, which the
// server then lacks. Wire formats are net/http's own (Request.Write,
// ReadResponse), so any HTTP/1.1 server can be the target.
type directTransport struct {
	timeout time.Duration // longest a request may take, answer included
	maxIdle int
	dialer  net.Dialer

	mu   sync.Mutex
	idle map[string][]*directConn // by host:port
}

type directConn struct {
	net.Conn
	host   string
	r      *bufio.Reader
	w      *bufio.Writer
	reused bool
}

func newDirectTransport(maxIdle int, timeout time.Duration) *directTransport {
	return &directTransport{timeout: timeout, maxIdle: maxIdle, idle: map[string][]*directConn{}}
}

// RoundTrip implements http.RoundTripper for http:// URLs.
func (t *directTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		closeBody(req)
		return nil, fmt.Errorf("loadgen: direct transport sends only http://, not %s://", req.URL.Scheme)
	}
	c, err := t.conn(req.Context(), canonicalHost(req))
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.exchange(c, req)
	if err != nil && c.reused && replayable(req) && beforeAnswer(err) {
		// The server closed a connection that sat idle: once more on a
		// new one, as http.Transport does for requests safe to repeat.
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		if c, err = t.dial(req.Context(), canonicalHost(req)); err != nil {
			return nil, err
		}
		resp, err = t.exchange(c, req)
	}
	return resp, err
}

// exchange writes req on c and reads the answer's head; the answer's body
// gives c back when read to its end and closed.
func (t *directTransport) exchange(c *directConn, req *http.Request) (*http.Response, error) {
	c.SetDeadline(time.Now().Add(t.timeout))
	cancel := context.AfterFunc(req.Context(), func() { c.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		cancel()
		c.Close()
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	if err := req.Write(c.w); err != nil {
		return fail(err)
	}
	if err := c.w.Flush(); err != nil {
		return fail(err)
	}
	// Waiting for the answer's first byte tells a connection the server
	// had closed (nothing came: safe to send again) from a broken answer.
	if _, err := c.r.Peek(1); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		return fail(err)
	}
	empty := resp.Body == http.NoBody || resp.ContentLength == 0 // nothing to read to its end
	resp.Body = &directBody{body: resp.Body, t: t, c: c, cancel: cancel, keep: !resp.Close, ended: empty}
	return resp, nil
}

// directBody gives its connection back once read to its end and closed.
type directBody struct {
	body   io.ReadCloser
	t      *directTransport
	c      *directConn
	cancel func() bool
	keep   bool // the server keeps the connection open
	ended  bool
	closed bool
}

func (b *directBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.ended = true
	}
	return n, err
}

func (b *directBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.body.Close()
	// A canceled context has moved the deadline: the connection is spent.
	if !b.cancel() || !b.ended || !b.keep || err != nil {
		b.c.Close()
		return err
	}
	b.t.put(b.c)
	return nil
}

// conn takes an idle connection to host, or dials one.
func (t *directTransport) conn(ctx context.Context, host string) (*directConn, error) {
	t.mu.Lock()
	if idle := t.idle[host]; len(idle) > 0 {
		c := idle[len(idle)-1]
		t.idle[host] = idle[:len(idle)-1]
		t.mu.Unlock()
		c.reused = true
		return c, nil
	}
	t.mu.Unlock()
	return t.dial(ctx, host)
}

func (t *directTransport) dial(ctx context.Context, host string) (*directConn, error) {
	nc, err := t.dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	return &directConn{Conn: nc, host: host, r: bufio.NewReaderSize(nc, 16<<10), w: bufio.NewWriterSize(nc, 4<<10)}, nil
}

func (t *directTransport) put(c *directConn) {
	t.mu.Lock()
	if len(t.idle[c.host]) < t.maxIdle {
		t.idle[c.host] = append(t.idle[c.host], c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// canonicalHost is the host:port req goes to.
func canonicalHost(req *http.Request) string {
	if req.URL.Port() != "" {
		return req.URL.Host
	}
	return net.JoinHostPort(req.URL.Hostname(), "80")
}

// replayable: a request that changes nothing, or that carries an
// Idempotency-Key, may be sent again.
func replayable(req *http.Request) bool {
	if req.Body != nil && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

// beforeAnswer: err says the connection was gone before any answer came.
func beforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
