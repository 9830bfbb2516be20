package e2e

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v82"
	_ "modernc.org/sqlite"

	"kassa/internal/store/stores"
	"kassa/internal/store/testdb"
)

func TestReadyzChecksTheDatabase(t *testing.T) {
	k := start(t)
	get := func(path string) (int, string) {
		resp, err := http.Get(k.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}
	if status, body := get("/readyz"); status != 200 || body != "ok" {
		t.Fatalf("readyz with the database up: %d %q", status, body)
	}
	k.App.Store.Close()
	if status, body := get("/readyz"); status != 503 || body != "database unavailable" {
		t.Fatalf("readyz with the database gone: %d %q", status, body)
	}
	if status, _ := get("/healthz"); status != 200 {
		t.Fatalf("healthz (liveness) with the database gone: %d", status)
	}
}

// holdWriteLock keeps a write transaction open on db from outside Kassa,
// so Kassa's next write to intentID waits: a row lock on PostgreSQL,
// SQLite's one write lock on a file. release ends it.
func holdWriteLock(t *testing.T, db, intentID string) (release func()) {
	t.Helper()
	if stores.IsPostgres(db) {
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM payment_intents WHERE id = $1 FOR UPDATE`, intentID); err != nil {
			t.Fatal(err)
		}
		return func() { tx.Rollback(ctx); conn.Close(ctx) }
	}
	sqldb, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sqldb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	return func() { conn.ExecContext(ctx, `ROLLBACK`); conn.Close(); sqldb.Close() }
}

// waitUntilWaiting returns once Kassa's request has reached the lock: on
// PostgreSQL a Kassa session waits for a lock; SQLite cannot tell, so
// there the request has been sent and given a moment to arrive.
func waitUntilWaiting(t *testing.T, db string, sent <-chan struct{}) {
	t.Helper()
	<-sent
	if !stores.IsPostgres(db) {
		time.Sleep(200 * time.Millisecond)
		return
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	eventually(t, "a Kassa session waits for the held lock", func() bool {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'kassa' AND wait_event_type = 'Lock'`).Scan(&n)
		return err == nil && n > 0
	})
}

// TestBinaryShutdownFinishesRequestsInFlight: on SIGTERM Kassa stops taking
// connections but finishes the request it is serving (here one waiting for
// a lock), exits 0, and what it acknowledged is kept.
func TestBinaryShutdownFinishesRequestsInFlight(t *testing.T) {
	db := testdb.DSN(t)
	p := runKassa(t, db)
	sk := p.key("sk")
	sc := stripeClient(p.URL, sk)
	pi, err := sc.V1PaymentIntents.Create(ctx, vippsParams(false))
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriteLock(t, db, pi.ID)
	defer release()

	sent := make(chan struct{})
	type result struct {
		pi  *stripe.PaymentIntent
		err error
	}
	done := make(chan result, 1)
	go func() {
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(sent) }}
		params := &stripe.PaymentIntentConfirmParams{ReturnURL: stripe.String("https://shop.example/r")}
		params.Context = httptrace.WithClientTrace(context.Background(), trace)
		confirmed, err := sc.V1PaymentIntents.Confirm(params.Context, pi.ID, params)
		done <- result{confirmed, err}
	}()
	waitUntilWaiting(t, db, sent)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(p.URL)
	eventually(t, "Kassa stops accepting connections", func() bool {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err == nil {
			c.Close()
		}
		return errors.Is(err, syscall.ECONNREFUSED)
	})
	select {
	case r := <-done:
		t.Fatalf("the request ended while its lock was still held: %v", r.err)
	default:
	}
	release()

	r := <-done
	if r.err != nil {
		t.Fatalf("the request in flight at shutdown: %v", r.err)
	}
	if r.pi.Status != stripe.PaymentIntentStatusRequiresAction {
		t.Fatalf("the request in flight at shutdown: %s", r.pi.Status)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("kassa exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("kassa did not exit after SIGTERM")
	}

	p = runKassa(t, db)
	got, err := stripeClient(p.URL, sk).V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	if err != nil || got.Status != stripe.PaymentIntentStatusRequiresAction {
		t.Fatalf("after restart: %v %+v", err, got)
	}
}
