// Package stores opens the store a KASSA_DB setting names: a PostgreSQL
// URL (postgres:// or postgresql://) or else a SQLite file path.
package stores

import (
	"context"
	"net/url"
	"strings"

	"kassa/internal/store"
	"kassa/internal/store/postgres"
	"kassa/internal/store/sqlite"
)

// Options tune the store: each kind reads its own.
type Options struct {
	Postgres postgres.Options
	SQLite   sqlite.Options
}

// IsPostgres says whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens and migrates the database dsn names.
func Open(ctx context.Context, dsn string, opts Options) (store.Store, error) {
	if IsPostgres(dsn) {
		return postgres.Open(ctx, dsn, opts.Postgres)
	}
	return sqlite.OpenWith(ctx, dsn, opts.SQLite)
}

// Redact hides the password of a database URL, for logs and messages.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(a URL that does not parse)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "redacted")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "redacted")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
