package sqlite

import (
	"context"
	"math/rand/v2"
	"testing"

	"kassa/internal/gateway"
	"kassa/internal/store"
)

// BenchmarkRetrieve is the cost of a read transaction that retrieves a
// random one of 20,000 stored intents: alone (quiet), and with a write
// committed before each read, as under load, where every read begins on
// a database the writer has changed since the connection's last read.
// Only the read is timed.
func BenchmarkRetrieve(b *testing.B) {
	ctx := context.Background()
	s, gw, accountID := benchStore(b)
	if err := gw.SeedIntents(ctx, accountID, gateway.SeedOptions{Intents: 20_000}); err != nil {
		b.Fatal(err)
	}
	var ids []string
	if err := s.Read(ctx, func(r store.Reader) error {
		for after := ""; ; {
			page, more, err := r.ListIntents(ctx, accountID, store.ListQuery{Limit: 100, StartingAfter: after})
			if err != nil {
				return err
			}
			for _, pi := range page {
				ids = append(ids, pi.ID)
			}
			if !more {
				return nil
			}
			after = ids[len(ids)-1]
		}
	}); err != nil {
		b.Fatal(err)
	}
	retrieve := func(b *testing.B) {
		id := ids[rand.IntN(len(ids))]
		if err := s.Read(ctx, func(r store.Reader) error {
			_, err := r.Intent(ctx, accountID, id)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("quiet", func(b *testing.B) {
		for b.Loop() {
			retrieve(b)
		}
	})
	b.Run("after_write", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := s.Write(ctx, createConfirmWrite(b, gw, accountID)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			retrieve(b)
		}
	})
}
