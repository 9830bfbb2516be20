package postgres_test

import (
	"context"
	"testing"
	"time"

	"kassa/internal/store/postgres"
	"kassa/internal/store/testdb"
)

// The timeouts reach every connection: defaults, what the URL says, and
// options (flags) over the URL.
func TestConnectionSettings(t *testing.T) {
	base := testdb.PostgresURL(t)
	for _, c := range []struct {
		name      string
		query     string
		opts      postgres.Options
		lock      string
		statement string
		maxConns  int32
	}{
		{"defaults", "", postgres.Options{}, "5s", "30s", 10},
		{"from the URL", "?lock_timeout=1234&statement_timeout=4321&pool_max_conns=3", postgres.Options{}, "1234ms", "4321ms", 3},
		{"options over the URL", "?lock_timeout=1234&pool_max_conns=3", postgres.Options{LockTimeout: 2 * time.Second, StatementTimeout: time.Minute, MaxConns: 5}, "2s", "1min", 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := postgres.Open(ctx, base+c.query, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var lock, statement, idle, app string
			err = s.Pool().QueryRow(ctx, `SELECT current_setting('lock_timeout'), current_setting('statement_timeout'),
				current_setting('idle_in_transaction_session_timeout'), current_setting('application_name')`).Scan(&lock, &statement, &idle, &app)
			if err != nil {
				t.Fatal(err)
			}
			if lock != c.lock || statement != c.statement || idle != "1min" || app != "kassa" {
				t.Fatalf("lock_timeout %s statement_timeout %s idle %s application %s", lock, statement, idle, app)
			}
			if got := s.Pool().Config().MaxConns; got != c.maxConns {
				t.Fatalf("max conns %d, want %d", got, c.maxConns)
			}
		})
	}
}
