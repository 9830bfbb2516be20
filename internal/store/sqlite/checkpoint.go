package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointInterval is how often the checkpointer copies committed WAL
// frames into the database file.
const checkpointInterval = 100 * time.Millisecond

// writerCheckpointPages is the WAL size at which the writer checkpoints
// itself. The checkpointer copies the frames long before; but the WAL can
// only start over from its beginning after a checkpoint that copied all
// of it, which under constant writes and reads the passive one rarely
// manages, so on a busy instance the WAL grows to this size (about 40 MB),
// where the writer's own checkpoint, with little left to copy, restarts it.
const writerCheckpointPages = 10000

// checkpointLoop copies the WAL into the database on its own connection,
// off the commit path: a checkpoint done by the writer (SQLite's default,
// every 1000 pages) stalls every write queued behind that commit, and
// took about a sixth of the committer's time at load. PASSIVE never waits
// for readers or the writer; what it cannot copy now it copies next time.
func (s *Store) checkpointLoop(db *sql.DB) {
	defer close(s.checkpointerStopped)
	ticker := time.NewTicker(checkpointInterval)
	defer ticker.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-ticker.C:
		}
		var busy, walFrames, copied int64
		err := db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walFrames, &copied)
		if err == nil {
			s.checkpointed.Store(copied)
		}
	}
}
