package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock that lets one Kassa instance at a time
// migrate, so several instances may start at once on one database.
const migrationLock = 0x6b61737361 // "kassa"

// migrate applies, in order and each in its own transaction, the embedded
// migrations the database has not seen yet.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		if err := applyMigration(ctx, pool, name, version); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, pool *pgxpool.Pool, name, version string) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Wait as long as another instance migrates (no lock_timeout for
		// the advisory lock), then let the DDL obey the usual lock_timeout
		// so a migration never queues for long behind live traffic.
		// Migrations may run longer than any request: no statement_timeout.
		for _, stmt := range []string{
			`SET LOCAL statement_timeout = 0`,
			`SET LOCAL lock_timeout = 0`,
			fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrationLock),
			`SET LOCAL lock_timeout TO DEFAULT`,
			`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`,
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("postgres: prepare migration %s: %w", version, err)
			}
		}
		var seen bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&seen); err != nil {
			return err
		}
		if seen {
			return nil
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", version, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version)
		return err
	})
}

// SchemaDigest names the schema the embedded migrations build (a hash of
// their names and contents): tests keep one migrated template database per
// schema and copy it instead of migrating every fresh database.
func SchemaDigest() string {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		body, err := migrations.ReadFile(name)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(body))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
