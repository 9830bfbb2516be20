package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// runTimes runs query n times, each in its own transaction on the single
// writer connection, the way Write does.
func runTimes(t *testing.T, db *sql.DB, stmts *statements, query string, n int) {
	t.Helper()
	ctx := context.Background()
	for range n {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (preparedTx{tx: tx, stmts: stmts}).ExecContext(ctx, query); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		stmts.prepareNoted(ctx)
	}
}

func TestStatementsArePreparedAfterTheirFirstRun(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // as the writer: preparing inside a transaction would wait forever
	stmts := newStatements(db)
	defer stmts.close()
	runTimes(t, db, stmts, `CREATE TABLE IF NOT EXISTS t (n INTEGER)`, 1)

	insert := `INSERT INTO t (n) VALUES (1)`
	runTimes(t, db, stmts, insert, 1)
	if stmts.lookup(insert) == nil {
		t.Fatal("a query run once is not prepared afterwards")
	}
	runTimes(t, db, stmts, insert, 3)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("rows %d, %v: the prepared statement did not run each time", n, err)
	}

	// A script of two statements runs both, prepared or not.
	script := `INSERT INTO t (n) VALUES (2); INSERT INTO t (n) VALUES (3)`
	runTimes(t, db, stmts, script, 2)
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE n > 1`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("script rows %d, %v", n, err)
	}

	// A query that cannot be prepared keeps failing where it runs, and is
	// not noted again.
	bad := `INSERT INTO missing (n) VALUES (1)`
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (preparedTx{tx: tx, stmts: stmts}).ExecContext(context.Background(), bad); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	tx.Rollback()
	stmts.prepareNoted(context.Background())
	if stmts.lookup(bad) != nil || len(stmts.noted) != 0 {
		t.Fatalf("a query that does not prepare was kept or noted again: %v", stmts.noted)
	}
}
