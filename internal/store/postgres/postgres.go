// Package postgres is Kassa's scale-out store: several Kassa instances share
// one PostgreSQL database through a pgx connection pool.
//
// What it relies on from PostgreSQL: write transactions run at READ
// COMMITTED, and every read in a write transaction of a row that may be
// updated locks it (SELECT … FOR UPDATE: intents, charges, Checkout
// Sessions, products, prices, idempotency keys, a webhook endpoint loaded
// to be changed), so each load-check-save is atomic across processes; a
// locked row read again after the wait is its newest committed version.
// Rows that are never updated (accounts, API keys, payment methods,
// events) are read without locks, and so are the endpoints an event fans
// out to. Idempotency keys rely on the primary key and
// INSERT … ON CONFLICT. Webhook senders lock the endpoints they claim
// deliveries for with FOR UPDATE SKIP LOCKED. Reads run in REPEATABLE READ
// READ ONLY transactions: one snapshot, never a serialization failure.
// Every connection carries lock_timeout and statement_timeout; waiting too
// long, a deadlock or a serialization failure becomes store.ErrLockTimeout
// (HTTP 429 lock_timeout, which Stripe clients retry).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"kassa/internal/store"
)

// Options tune the pool. Zero values keep what the URL says, or the defaults.
type Options struct {
	// MaxConns bounds the pool (URL: pool_max_conns; default 10).
	MaxConns int32
	// LockTimeout bounds how long a statement waits for a row lock, and a
	// request for a free connection (URL: lock_timeout; default 5s).
	LockTimeout time.Duration
	// StatementTimeout bounds any one statement (URL: statement_timeout;
	// default 30s).
	StatementTimeout time.Duration
}

const (
	defaultMaxConns         = 10
	defaultLockTimeout      = 5 * time.Second
	defaultStatementTimeout = 30 * time.Second
	// A session idle inside a transaction this long (a stuck process) is
	// ended by the server, releasing its locks.
	idleInTransactionTimeout = time.Minute
)

// Store implements store.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// acquireWait bounds how long a transaction waits for a connection
	// before the client is told to retry.
	acquireWait time.Duration
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user:password@host:port/db?…)
// and migrates it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, lockTimeout, err := poolConfig(url, opts)
	if err != nil {
		return nil, err
	}
	return openPool(ctx, cfg, lockTimeout)
}

// poolConfig reads url and opts into the pool's configuration; it returns
// the lock timeout the connections get.
func poolConfig(url string, opts Options) (*pgxpool.Config, time.Duration, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %w", err)
	}
	params := cfg.ConnConfig.RuntimeParams
	lockTimeout := setting(params, "lock_timeout", opts.LockTimeout, defaultLockTimeout)
	setting(params, "statement_timeout", opts.StatementTimeout, defaultStatementTimeout)
	setting(params, "idle_in_transaction_session_timeout", 0, idleInTransactionTimeout)
	if params["application_name"] == "" {
		params["application_name"] = "kassa"
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !hasParam(url, "pool_max_conns"):
		cfg.MaxConns = defaultMaxConns
	}
	return cfg, lockTimeout, nil
}

func openPool(ctx context.Context, cfg *pgxpool.Config, lockTimeout time.Duration) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, acquireWait: lockTimeout}, nil
}

// setting fills a server setting (a duration, sent in milliseconds) unless
// the URL already set it and the option is zero; it returns the value used.
func setting(params map[string]string, name string, opt, fallback time.Duration) time.Duration {
	if opt == 0 {
		if v, ok := params[name]; ok {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				return time.Duration(ms) * time.Millisecond
			}
			if d, err := time.ParseDuration(v); err == nil {
				return d
			}
			return fallback
		}
		opt = fallback
	}
	params[name] = strconv.FormatInt(opt.Milliseconds(), 10)
	return opt
}

// Write runs fn in a READ COMMITTED transaction; the transaction's reads
// lock the rows a write may change (see the package comment). Its writes
// travel in batches (see pipe).
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	p, err := s.acquire(ctx, "BEGIN ISOLATION LEVEL READ COMMITTED")
	if err != nil {
		return err
	}
	open := true
	defer func() { p.release(open) }()
	t := &txn{reader: reader{q: p, lock: true}, tx: p}
	err = fn(t)
	if err == nil {
		err = p.commit(ctx)
	}
	if err != nil {
		t.finally.Run(false)
		return translate(p.failure(err), ctx)
	}
	open = false
	t.finally.Run(true)
	return nil
}

// Read runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot.
func (s *Store) Read(ctx context.Context, fn func(store.Reader) error) error {
	p, err := s.acquire(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	if err != nil {
		return err
	}
	defer p.release(true)
	return translate(fn(&reader{q: p}), ctx)
}

// acquire takes a connection for a transaction that begins with begin,
// waiting at most acquireWait for one.
func (s *Store) acquire(ctx context.Context, begin string) (*pipe, error) {
	acquireCtx, cancel := context.WithTimeout(ctx, s.acquireWait)
	defer cancel()
	conn, err := s.pool.Acquire(acquireCtx)
	if err != nil {
		return nil, translate(err, acquireCtx)
	}
	return newPipe(conn, begin), nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close waits for connections in use to be released, then closes them.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// PostgreSQL error codes that mean "busy, try again".
var retryable = map[string]bool{
	"55P03": true, // lock_not_available: lock_timeout passed
	"40001": true, // serialization_failure
	"40P01": true, // deadlock_detected
	"57014": true, // query_canceled: statement_timeout passed
}

// translate maps waiting too long, deadlocks and serialization failures to
// ErrLockTimeout, which clients retry.
func translate(err error, ctx context.Context) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && retryable[pe.Code] {
		return fmt.Errorf("%w: %v", store.ErrLockTimeout, err)
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("%w: %v", store.ErrLockTimeout, err)
	}
	return err
}

// hasParam says whether a connection string sets name.
func hasParam(url, name string) bool { return strings.Contains(url, name+"=") }
