package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxPrepared bounds the statements kept per pool. Kassa's queries are a
// fixed set of texts; the bound only matters if one were ever built with
// values in its text.
const maxPrepared = 512

// statements keeps one prepared statement per query text for a pool, so
// SQLite parses and plans each query once per connection instead of on
// every call, which is about as costly as running one of Kassa's small
// queries.
//
// A statement can only be prepared on a free connection, and the writer
// pool has exactly one, held by the transaction that first runs a query.
// So a query's first run goes unprepared and is noted; the pool prepares
// the noted queries after that transaction ends. Inside a transaction,
// database/sql binds a pool's statement to the transaction's connection,
// preparing it there once if it is new to that connection.
type statements struct {
	db       *sql.DB
	prepared sync.Map // query text → *sql.Stmt

	mu      sync.Mutex
	noted   map[string]bool // run unprepared, to prepare after the transaction
	refused map[string]bool // failed to prepare: always run as text
	count   int
}

func newStatements(db *sql.DB) *statements {
	return &statements{db: db, noted: map[string]bool{}, refused: map[string]bool{}}
}

// lookup returns the prepared statement for query, or nil after noting it.
func (s *statements) lookup(query string) *sql.Stmt {
	if st, ok := s.prepared.Load(query); ok {
		return st.(*sql.Stmt)
	}
	s.mu.Lock()
	if !s.refused[query] && s.count+len(s.noted) < maxPrepared {
		s.noted[query] = true
	}
	s.mu.Unlock()
	return nil
}

// prepareNoted prepares the queries noted since the last call. It must not
// run inside a transaction of the same pool. A query that fails to prepare
// keeps running as text; its failure, if real, shows where it runs. It
// outlives the request's context: the statements serve later requests.
func (s *statements) prepareNoted(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	s.mu.Lock()
	if len(s.noted) == 0 {
		s.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(s.noted))
	for q := range s.noted {
		queries = append(queries, q)
	}
	clear(s.noted)
	s.mu.Unlock()
	for _, q := range queries {
		if _, ok := s.prepared.Load(q); ok {
			continue
		}
		st, err := s.db.PrepareContext(ctx, q)
		s.mu.Lock()
		if err != nil {
			s.refused[q] = true
		} else {
			s.prepared.Store(q, st)
			s.count++
		}
		s.mu.Unlock()
	}
}

// close closes every prepared statement (before the pool is closed).
func (s *statements) close() {
	s.prepared.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}

// preparedTx runs a transaction's queries through the pool's statements.
type preparedTx struct {
	tx    *sql.Tx
	stmts *statements
	// bound holds the pool's statements bound to tx, made once per query
	// and transaction instead of on every call. Nil: bind every call.
	bound map[*sql.Stmt]*sql.Stmt
	// detached, on the writer, runs every statement without the caller's
	// context: a statement of a group commit that SQLite interrupted
	// would roll back the whole batch, other callers' writes with it.
	// The committer has taken the write by then; only the wait for the
	// writer follows the caller's context (Store.Write).
	detached bool
}

// writerTx is the writer's preparedTx for tx (commit.go).
func writerTx(tx *sql.Tx, stmts *statements) preparedTx {
	return preparedTx{tx: tx, stmts: stmts, bound: map[*sql.Stmt]*sql.Stmt{}, detached: true}
}

// context is what a statement runs under: ctx, or none when detached.
// A context without a Done channel also spares the driver its watcher
// goroutine per statement.
func (p preparedTx) context(ctx context.Context) context.Context {
	if p.detached {
		return context.Background()
	}
	return ctx
}

// stmt returns query's prepared statement bound to the transaction, or
// nil when the query is not prepared yet.
func (p preparedTx) stmt(ctx context.Context, query string) *sql.Stmt {
	st := p.stmts.lookup(query)
	if st == nil {
		return nil
	}
	if p.bound == nil {
		return p.tx.StmtContext(ctx, st)
	}
	txst, ok := p.bound[st]
	if !ok {
		txst = p.tx.StmtContext(ctx, st)
		p.bound[st] = txst
	}
	return txst
}

func (p preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = p.context(ctx)
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.tx.ExecContext(ctx, query, args...)
}

func (p preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = p.context(ctx)
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.tx.QueryContext(ctx, query, args...)
}

func (p preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = p.context(ctx)
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.tx.QueryRowContext(ctx, query, args...)
}
