// Package sqlite is Kassa's embedded store: one SQLite file in WAL mode,
// written through a single connection (SQLite has one writer at a time; a
// pool of writers would only trade waiting for SQLITE_BUSY) by one
// goroutine that commits queued writes together, and read through a pool.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"kassa/internal/store"
)

// Store implements store.Store on a SQLite file.
type Store struct {
	writer *sql.DB
	reader *sql.DB
	// writerStmts and readerStmts are the pools' prepared statements.
	writerStmts, readerStmts *statements
	// writes queue for commitLoop, which alone uses the writer (commit.go).
	writes         chan *write
	quit, stopped  chan struct{}
	closeOnce      sync.Once
	commits        atomic.Int64   // transactions committed, for tests
	writerCounters writerCounters // for WriterStats (stats.go)
	// logger hears of batches slower than slowBatch, with the WAL's size
	// (walPath) then.
	logger    *slog.Logger
	walPath   string
	slowBatch time.Duration
	// checkpointer copies the WAL into the database (checkpoint.go).
	checkpointer        *sql.DB
	checkpointerStopped chan struct{}
	dbFile              *os.File     // the database file, for syncing it before a WAL restart
	checkpointed        atomic.Int64 // WAL frames copied by the last checkpoint, for tests and the slow-batch log
	walFrames           atomic.Int64 // the WAL's length at the last checkpoint
	restartFrames       int64        // the WAL length at which the committer restarts it (Options.WALRestartBytes)
	restarts            atomic.Int64 // WAL restarts done by the committer, for tests
	dbSyncs             atomic.Int64 // syncs of dbFile before restarts, for tests
	// lockWait bounds how long a write waits for the writer before the
	// client is told to retry (429 lock_timeout).
	lockWait time.Duration
	// lingerUpTo and lingerFor bound how the committer waits for more
	// writes to share a commit (lingerForWrites).
	lingerUpTo int
	lingerFor  time.Duration
}

var _ store.Store = (*Store)(nil)

// Synchronous is when SQLite waits for the disk (its synchronous setting).
type Synchronous string

const (
	// SyncNormal fsyncs the WAL at checkpoints: every acknowledged
	// transaction survives a process crash (kill -9); a power loss or an
	// operating system crash can lose the last ones before a checkpoint.
	SyncNormal Synchronous = "normal"
	// SyncFull also fsyncs the WAL at every commit, so a transaction
	// survives a power loss once acknowledged. Group commit shares that
	// fsync among the writes of a batch (docs/benchmarks.md has the cost).
	SyncFull Synchronous = "full"
)

// ParseSynchronous reads a synchronous setting; empty is SyncNormal.
func ParseSynchronous(s string) (Synchronous, error) {
	switch v := Synchronous(strings.ToLower(s)); v {
	case "":
		return SyncNormal, nil
	case SyncNormal, SyncFull:
		return v, nil
	}
	return "", fmt.Errorf("sqlite: synchronous %q: want normal or full", s)
}

// Options tune the store; the zero value is Kassa's default.
type Options struct {
	Synchronous Synchronous // empty: SyncNormal
	// Logger gets a warning for each write batch that holds the writer
	// longer than slowBatch (nil: slog.Default()).
	Logger *slog.Logger
	// WALRestartBytes is the WAL size at which the writer starts the WAL
	// over (0: DefaultWALRestartBytes; see restartWAL). Smaller keeps the
	// file smaller and restarts more often.
	WALRestartBytes int64
}

// busyTimeout is how long a connection waits for a lock another holds.
const busyTimeout = 5 * time.Second

// Open opens (creating if needed) the database at path with the default
// options and migrates it.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith opens (creating if needed) the database at path and migrates it.
func OpenWith(ctx context.Context, path string, opts Options) (*Store, error) {
	syncMode, err := ParseSynchronous(string(opts.Synchronous))
	if err != nil {
		return nil, err
	}
	if opts.WALRestartBytes < 0 {
		return nil, fmt.Errorf("sqlite: WAL restart size %d: want a positive size", opts.WALRestartBytes)
	}
	restartFrames := max(cmp.Or(opts.WALRestartBytes, DefaultWALRestartBytes)/pageSize, 1)
	// busy_timeout first so the other pragmas wait instead of failing; WAL
	// lets readers run beside the writer; synchronous as chosen (see
	// Synchronous and docs/operations.md).
	pragmas := url.Values{}
	for _, p := range []string{"busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")", "journal_mode(WAL)", "synchronous(" + strings.ToUpper(string(syncMode)) + ")", "foreign_keys(ON)"} {
		pragmas.Add("_pragma", p)
	}
	// The writer keeps temporary files in memory: each write of a group
	// commit runs in a savepoint, whose sub-journal would otherwise be a
	// temp file written for every page a write touches. Crash safety
	// comes from the WAL, not from these.
	writeDSN := fileURI(path) + "?" + pragmas.Encode() + "&_pragma=temp_store(MEMORY)" +
		"&_pragma=wal_autocheckpoint(" + strconv.FormatInt(writerCheckpointPages(restartFrames), 10) + ")&_txlock=immediate"
	// Read connections read pages with a system call each and do not map
	// the file (mmap_size stays 0): a read transaction that begins after a
	// commit unmaps the whole mapping and maps it again, which made a
	// retrieve under writes four times as costly (BenchmarkRetrieve).
	readDSN := fileURI(path) + "?" + pragmas.Encode() + "&_pragma=query_only(ON)"

	writer, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	// Only synced (checkpointLoop), and closed after SQLite's connections:
	// closing any descriptor of a file drops the process's POSIX locks on
	// it, SQLite's included.
	dbFile, err := os.Open(path)
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", readDSN)
	if err != nil {
		writer.Close()
		dbFile.Close()
		return nil, err
	}
	conns := max(4, runtime.GOMAXPROCS(0)*2)
	reader.SetMaxOpenConns(conns)
	reader.SetMaxIdleConns(conns)
	checkpointer, err := sql.Open("sqlite", fileURI(path)+"?"+pragmas.Encode())
	if err != nil {
		writer.Close()
		reader.Close()
		dbFile.Close()
		return nil, err
	}
	checkpointer.SetMaxOpenConns(1)
	s := &Store{
		writer: writer, reader: reader, checkpointer: checkpointer, dbFile: dbFile, lockWait: 5 * time.Second,
		walPath: path + "-wal", restartFrames: restartFrames, logger: cmp.Or(opts.Logger, slog.Default()), slowBatch: slowBatch,
		writerStmts: newStatements(writer), readerStmts: newStatements(reader),
		writes: make(chan *write, 4*maxBatch), quit: make(chan struct{}), stopped: make(chan struct{}),
		checkpointerStopped: make(chan struct{}), lingerUpTo: lingerUpTo, lingerFor: lingerFor,
	}
	go s.commitLoop()
	go s.checkpointLoop(checkpointer)
	return s, nil
}

// fileURI is path as a SQLite URI filename: in a URI, "?" starts the
// parameters, "#" a fragment and "%" an escape, so a path holding any of
// them would otherwise name another file.
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Read runs fn in a read transaction: one consistent snapshot.
func (s *Store) Read(ctx context.Context, fn func(store.Reader) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(err, ctx)
	}
	defer s.readerStmts.prepareNoted(ctx)
	defer tx.Rollback()
	return fn(&reader{q: preparedTx{tx: tx, stmts: s.readerStmts}})
}

// Ping checks both pools.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return err
	}
	return s.writer.PingContext(ctx)
}

// Close answers the writes still queued with an error, then closes both
// pools.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.quit)
		<-s.stopped
		<-s.checkpointerStopped
		s.writerStmts.close()
		s.readerStmts.close()
		err = errors.Join(s.checkpointer.Close(), s.reader.Close(), s.writer.Close(), s.dbFile.Close())
	})
	return err
}

// translate maps waiting too long, and SQLite's busy errors, to
// ErrLockTimeout, which clients retry.
func translate(err error, ctx context.Context) error {
	var se *sqlite3.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlitelib.SQLITE_BUSY || se.Code()&0xff == sqlitelib.SQLITE_LOCKED) {
		return fmt.Errorf("%w: %v", store.ErrLockTimeout, err)
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("%w: %v", store.ErrLockTimeout, err)
	}
	return err
}
