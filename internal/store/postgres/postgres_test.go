package postgres_test

import (
	"context"
	"testing"

	"kassa/internal/store"
	"kassa/internal/store/postgres"
	"kassa/internal/store/storetest"
	"kassa/internal/store/testdb"
)

// open gives each test its own fresh database; a small pool keeps the
// parallel tests within the server's connection limit.
func open(t *testing.T) store.Store {
	s, err := postgres.Open(context.Background(), testdb.PostgresURL(t), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}
