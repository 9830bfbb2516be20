package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// checkpointInterval is how often the checkpointer copies committed WAL
// frames into the database file.
const checkpointInterval = 100 * time.Millisecond

// DefaultWALRestartBytes is the WAL length at which the committer, between
// two batches, restarts the WAL (restartWAL). Under constant writes the
// passive checkpoints below copy nearly every frame but never all of them
// at once, and SQLite only starts the WAL over from its beginning after a
// checkpoint that copied all of it; left alone, the WAL grows to the
// writer's own threshold, where every commit then checkpoints and syncs
// the files itself until a restart succeeds (at 5,000 writes/s, dozens of
// 15-25 ms commits in a row). A restart holds the writer about 5 ms on a
// 2-core VM (copying and syncing what the passive checkpoints have not
// yet), whatever the WAL's length; the WAL is long, about 200 MB, so
// restarts are rare: every few seconds at 3,000-5,000 writes/s.
const DefaultWALRestartBytes = 200 << 20

// pageSize is the size of a database page, and so of a WAL frame's
// content: SQLite's default, which Kassa never changes.
const pageSize = 4096

// writerCheckpointPages is the WAL length at which SQLite makes the writer
// checkpoint after each commit: the backstop should restarts keep failing
// (a long read holding an old snapshot), far beyond the restart length.
func writerCheckpointPages(restartFrames int64) int64 {
	return 4 * restartFrames
}

// restartBusyTimeout bounds the wait of a restart for reads that still use
// the WAL (reads take microseconds): a restart that cannot happen now is
// tried again after the next passive checkpoint.
const restartBusyTimeout = 20 * time.Millisecond

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
		walFrames, _, err := s.passiveCheckpoint(db)
		if err != nil || walFrames < s.restartFrames {
			s.walFrames.Store(walFrames)
			continue
		}
		// A passive checkpoint that cannot copy the whole WAL never syncs
		// the database file, so the restart would sync everything copied
		// into it since the last restart (60-80 ms on a 2-core VM at 3,000
		// writes/s), holding the writer. Synced here, off the writer, the
		// restart only syncs what it copies itself.
		if err := s.dbFile.Sync(); err != nil {
			s.logger.Warn("sqlite: syncing the database file before a WAL restart failed", "err", err)
		}
		s.dbSyncs.Add(1)
		// Before the committer restarts the WAL, catch up with the frames
		// written during this pass, and those during the next: each pass
		// is shorter than the one before, and what the restart must still
		// copy and sync while it holds the writer shrinks with them.
		for range catchUpPasses {
			_, moved, err := s.passiveCheckpoint(db)
			if err != nil || moved < catchUpEnough {
				break
			}
		}
		s.walFrames.Store(walFrames)
	}
}

// catchUpPasses bounds the extra passive checkpoints before a restart;
// catchUpEnough is a pass's copy small enough to stop at.
const (
	catchUpPasses = 3
	catchUpEnough = 500
)

// passiveCheckpoint copies what it can of the WAL into the database and
// returns the WAL's length in frames and how many frames this pass copied.
func (s *Store) passiveCheckpoint(db *sql.DB) (walFrames, moved int64, err error) {
	var busy, copied int64
	err = db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walFrames, &copied)
	if err != nil {
		return 0, 0, err
	}
	// copied counts every frame copied since the WAL last started over.
	moved = copied - s.checkpointed.Swap(copied)
	if moved < 0 {
		moved = copied
	}
	return walFrames, moved, nil
}

// restartDue tells the committer that the WAL, as the last passive
// checkpoint saw it, is long enough to restart.
func (s *Store) restartDue() bool {
	return s.walFrames.Load() >= s.restartFrames
}

// restartWAL runs on the committer between batches, when no frame is
// being added: a RESTART checkpoint copies what the passive ones have not
// yet (the frames written since the last of them), syncs, waits briefly for
// reads still on the WAL, and lets the next commit write from the WAL's
// beginning. It holds the writer for that long, counted as busy time.
func (s *Store) restartWAL() {
	start := time.Now()
	defer func() {
		s.writerCounters.busyNanos.Add(int64(time.Since(start)))
		// Tried again only once the next passive checkpoint has measured
		// the WAL anew, whatever happened: every attempt syncs the files.
		s.walFrames.Store(0)
	}()
	ctx := context.Background()
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if err := setBusyTimeout(ctx, conn, restartBusyTimeout); err != nil {
		return
	}
	defer setBusyTimeout(ctx, conn, busyTimeout)
	var busy, walFrames, copied int64
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &walFrames, &copied); err != nil {
		s.logger.Warn("sqlite: restarting the WAL failed", "err", err, "wal_frames", s.walFrames.Load())
		return
	}
	if busy == 0 {
		s.restarts.Add(1)
	}
}

// setBusyTimeout sets how long conn waits for a lock another holds.
func setBusyTimeout(ctx context.Context, conn *sql.Conn, d time.Duration) error {
	_, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(d.Milliseconds(), 10))
	return err
}
