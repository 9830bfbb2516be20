package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipe is a transaction on one pooled connection that saves round trips.
// BEGIN is not sent on its own: it waits, with the writes queued after it
// (statements whose only answer is success or failure: the inserts, the
// updates of intents, charges and refunds, the idempotency key's
// completion), for the next statement whose answer the caller needs, and
// all go to the server in one batch; so do the last writes and COMMIT. A create and confirm then costs
// three round trips instead of nine (begin, the idempotency claim, four
// inserts, the endpoints read, the claim's completion, commit), and a
// transaction that reads nothing costs none.
//
// A queued write that fails fails the transaction, as it would have
// failed in place: every later statement answers errEarlierFailed (the
// server has aborted the transaction and skipped the rest of the batch,
// COMMIT included), and the transaction's outcome is the queued write's
// own error (see failure). Only a statement the server fails stops the
// batch, so a queued write whose outcome needs judging (that it changed a
// row, say) has the server raise the error itself.
type pipe struct {
	conn   *pgxpool.Conn
	begin  string              // the BEGIN statement, until it is sent
	queued *pgx.Batch          // nil: nothing queued
	errors []func(error) error // per queued write: its error as callers know it (nil: as is)
	failed error               // the first queued write's failure
}

// errEarlierFailed is what statements answer after a queued write failed.
// It wraps nothing: a caller that maps, say, store.ErrNotFound to "no such
// object" must not take a queued write's failure for a missing row it asked about.
var errEarlierFailed = errors.New("postgres: an earlier statement of this transaction failed")

func newPipe(conn *pgxpool.Conn, begin string) *pipe {
	return &pipe{conn: conn, begin: begin}
}

// queue adds a write whose answer is only success or failure; translate,
// if set, turns its error into the one callers know.
func (p *pipe) queue(translate func(error) error, sql string, args ...any) error {
	if p.failed != nil {
		return errEarlierFailed
	}
	p.startBatch()
	p.batch().Queue(sql, args...)
	p.errors = append(p.errors, translate)
	return nil
}

// startBatch puts BEGIN first in the batch if it has not been sent.
func (p *pipe) startBatch() {
	if p.begin != "" && p.queued == nil {
		p.batch().Queue(p.begin)
		p.errors = append(p.errors, nil)
	}
}

func (p *pipe) batch() *pgx.Batch {
	if p.queued == nil {
		p.queued = &pgx.Batch{}
	}
	return p.queued
}

// send sends the queued statements, then sql, in one batch, and reads the
// queued ones' answers; the caller reads sql's answer from the results and
// closes them. With nothing queued it returns nil: sql can go on its own.
func (p *pipe) send(ctx context.Context, sql string, args ...any) (pgx.BatchResults, error) {
	if p.failed != nil {
		return nil, errEarlierFailed
	}
	p.startBatch()
	if p.queued == nil {
		return nil, nil
	}
	// The results read the batch as they go: it is not reused.
	batch, translations := p.queued, p.errors
	batch.Queue(sql, args...)
	p.queued, p.errors, p.begin = nil, nil, ""
	results := p.conn.SendBatch(ctx, batch)
	for _, translate := range translations {
		if _, err := results.Exec(); err != nil {
			if translate != nil {
				err = translate(err)
			}
			results.Close()
			p.failed = err
			return nil, errEarlierFailed
		}
	}
	return results, nil
}

func (p *pipe) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	results, err := p.send(ctx, sql, args...)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if results == nil {
		return p.conn.Exec(ctx, sql, args...)
	}
	tag, err := results.Exec()
	return tag, closeBoth(err, results)
}

func (p *pipe) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	results, err := p.send(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	if results == nil {
		return p.conn.Query(ctx, sql, args...)
	}
	rows, err := results.Query()
	if err != nil {
		results.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, results: results}, nil
}

func (p *pipe) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	results, err := p.send(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	if results == nil {
		return p.conn.QueryRow(ctx, sql, args...)
	}
	return batchRow{row: results.QueryRow(), results: results}
}

// CopyFrom sends what is queued first: COPY cannot join a batch.
func (p *pipe) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error) {
	if err := p.flush(ctx); err != nil {
		return 0, err
	}
	return p.conn.CopyFrom(ctx, table, columns, rows)
}

// flush sends what is queued, BEGIN included, with a statement that does
// nothing.
func (p *pipe) flush(ctx context.Context) error {
	if p.failed != nil {
		return errEarlierFailed
	}
	p.startBatch()
	if p.queued == nil {
		return nil
	}
	_, err := p.Exec(ctx, "SELECT 1")
	return err
}

// commit sends what is queued with COMMIT. Nothing was sent at all (the
// transaction only read from caches or returned early): nothing to end.
func (p *pipe) commit(ctx context.Context) error {
	if p.begin != "" && p.queued == nil {
		return nil
	}
	tag, err := p.Exec(ctx, "COMMIT")
	if err == nil && tag.String() == "ROLLBACK" {
		// The server had aborted the transaction (a failed statement whose
		// error the caller did not return): COMMIT rolled it back.
		return pgx.ErrTxCommitRollback
	}
	return err
}

// failure is the transaction's outcome when fn or commit returned err: the
// queued write that failed, if one did, else err.
func (p *pipe) failure(err error) error {
	if p.failed != nil {
		return p.failed
	}
	return err
}

// release rolls back whatever is still open and returns the connection to
// the pool; one whose state is unknown is closed instead of reused.
func (p *pipe) release(open bool) {
	defer p.conn.Release()
	if !open || p.begin != "" {
		return // committed, or BEGIN never went out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.conn.Exec(ctx, "ROLLBACK"); err != nil {
		p.conn.Conn().Close(ctx)
	}
}

// closeBoth closes a batch's results after its last answer was read.
func closeBoth(err error, results pgx.BatchResults) error {
	if cerr := results.Close(); err == nil && cerr != nil {
		return fmt.Errorf("postgres: closing a batch: %w", cerr)
	}
	return err
}

// batchRows closes its batch with the rows.
type batchRows struct {
	pgx.Rows
	results pgx.BatchResults
}

func (r *batchRows) Close() {
	r.Rows.Close()
	r.results.Close()
}

type batchRow struct {
	row     pgx.Row
	results pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	return closeBoth(r.row.Scan(dest...), r.results)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
