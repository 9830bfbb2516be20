package postgres

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Pool lets this package's external tests look at the connections.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// OpenCountingSends opens a store whose connections count what they send
// to the server: a write to the socket is a message batch, and with a
// reply awaited for each, a round trip.
func OpenCountingSends(ctx context.Context, url string, opts Options) (*Store, *atomic.Int64, error) {
	cfg, lockTimeout, err := poolConfig(url, opts)
	if err != nil {
		return nil, nil, err
	}
	sends := &atomic.Int64{}
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, sends: sends}, nil
	}
	s, err := openPool(ctx, cfg, lockTimeout)
	return s, sends, err
}

type countingConn struct {
	net.Conn
	sends *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.sends.Add(1)
	return c.Conn.Write(b)
}
