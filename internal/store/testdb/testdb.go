// Package testdb gives tests a fresh, empty database of the kind the
// switch KASSA_TEST_DB picks: a SQLite file by default, or with
// KASSA_TEST_DB=postgres a new PostgreSQL database (kassa_test_<random>)
// on KASSA_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test),
// dropped when the test ends. Only tests import it.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/internal/store"
	"kassa/internal/store/postgres"
	"kassa/internal/store/stores"
)

// DefaultPostgresURL is where tests find PostgreSQL unless KASSA_TEST_PG_URL says otherwise.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test"

// Postgres says whether KASSA_TEST_DB selects PostgreSQL.
func Postgres() bool {
	switch v := os.Getenv("KASSA_TEST_DB"); v {
	case "", "sqlite":
		return false
	case "postgres":
		return true
	default:
		panic(fmt.Sprintf("KASSA_TEST_DB=%q: want sqlite or postgres", v))
	}
}

// DSN returns a fresh database for t, as Kassa's KASSA_DB setting: a
// SQLite file path, or a PostgreSQL URL when KASSA_TEST_DB=postgres (a
// database already holding the schema, see MigratedPostgresURL).
func DSN(t testing.TB) string {
	t.Helper()
	if Postgres() {
		return MigratedPostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "kassa.db")
}

// EmptyDSN is DSN without Kassa's schema, for tests of what migrating a
// new database does: a SQLite file path, or an empty PostgreSQL database.
func EmptyDSN(t testing.TB) string {
	t.Helper()
	if Postgres() {
		return PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "kassa.db")
}

// PostgresURL creates an empty PostgreSQL database for t and returns its
// URL; the database is dropped (even with open connections) when t ends.
// Tests of migrating itself want this; others take MigratedPostgresURL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return createDatabase(t, "")
}

// MigratedPostgresURL creates a PostgreSQL database for t that already has
// Kassa's schema, the same as migrating an empty one (it is a copy of a
// template database migrated once per schema, see template.go), and
// returns its URL; the database is dropped when t ends.
func MigratedPostgresURL(t testing.TB) string {
	t.Helper()
	template, err := migratedTemplate(pgBase())
	if err != nil {
		t.Fatalf("preparing the migrated template database on %s (is PostgreSQL running? .ci/run starts it): %v", pgBase(), err)
	}
	return createDatabase(t, template)
}

func pgBase() string {
	if base := os.Getenv("KASSA_TEST_PG_URL"); base != "" {
		return base
	}
	return DefaultPostgresURL
}

// createDatabase creates a database for t, a copy of template if one is
// named (else of PostgreSQL's empty template1), and returns its URL.
func createDatabase(t testing.TB, template string) string {
	t.Helper()
	base := pgBase()
	name := "kassa_test_" + random()
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin(ctx, base, create); err != nil {
		t.Fatalf("creating a test database on %s (is PostgreSQL running? .ci/run starts it): %v", base, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// withDatabase is base pointing at the database name instead.
func withDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func admin(ctx context.Context, url, statement string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, statement)
	return err
}

func random() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Open opens a fresh store of the selected kind for t, closed when t ends.
func Open(t testing.TB) store.Store {
	t.Helper()
	s, err := stores.Open(context.Background(), DSN(t), stores.Options{Postgres: postgres.Options{MaxConns: 4}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Contents is everything the database at dsn holds, as text, for tests
// that check what is (not) stored: a SQLite file with its write-ahead log,
// or every row of every table of a PostgreSQL database.
func Contents(t testing.TB, dsn string) string {
	t.Helper()
	if !stores.IsPostgres(dsn) {
		raw, err := os.ReadFile(dsn)
		if err != nil {
			t.Fatal(err)
		}
		wal, _ := os.ReadFile(dsn + "-wal")
		return string(raw) + string(wal)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, table := range tables {
		rows, err := conn.Query(ctx, `SELECT t::text FROM `+table+` t`)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(strings.Join(texts, "\n"))
	}
	return all.String()
}
