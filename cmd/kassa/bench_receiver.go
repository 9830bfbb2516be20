package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"kassa/internal/loadgen"
)

// webhookReceiver is bench's local webhook endpoint, registered on the
// target for the run and removed after it.
type webhookReceiver struct {
	*loadgen.Receiver
	srv             *http.Server
	target, key, id string
}

func startReceiver(ctx context.Context, target, key, addr, publicURL string) (*webhookReceiver, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bench: webhook receiver: %w", err)
	}
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String() + "/"
	}
	e, err := loadgen.RegisterEndpoint(ctx, http.DefaultTransport, target, key, publicURL)
	if err != nil {
		ln.Close()
		return nil, err
	}
	w := &webhookReceiver{Receiver: loadgen.NewReceiver(e.Secret), target: target, key: key, id: e.ID}
	w.srv = newHTTPServer(w.Receiver, idleTimeout)
	go w.srv.Serve(ln)
	return w, nil
}

// close deletes the endpoint first, so the target stops sending, then stops listening.
func (w *webhookReceiver) close(stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := loadgen.DeleteEndpoint(ctx, http.DefaultTransport, w.target, w.key, w.id); err != nil {
		fmt.Fprintf(stderr, "bench: could not delete webhook endpoint %s: %v\n", w.id, err)
	}
	w.srv.Shutdown(ctx)
}
