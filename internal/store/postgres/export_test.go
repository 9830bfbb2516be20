package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Pool lets this package's external tests look at the connections.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
