// Package sqlite opens kehu's embedded SQLite database (pure-Go
// modernc.org/sqlite, CGO off) and translates its error codes into the
// store's sentinel errors.
//
// One writer connection serialises writes (SQLite allows one writer anyway,
// and a single connection avoids SQLITE_BUSY storms); a pool of read-only
// connections serves queries concurrently thanks to WAL.
package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kehu/kehu/internal/model"
)

// Sync values: how a commit reaches the disk (PRAGMA synchronous in WAL
// mode). Normal: a commit survives a crash of the process but a power cut
// or OS crash may lose the last commits (never corrupts). Full: the WAL is
// fsynced at every commit, so a commit survives a power cut too.
const (
	SyncNormal = "normal"
	SyncFull   = "full"
)

// ParseSync checks a Sync value ("" is normal).
func ParseSync(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", SyncNormal:
		return SyncNormal, nil
	case SyncFull:
		return SyncFull, nil
	}
	return "", fmt.Errorf("must be normal or full, not %q", s)
}

// Open opens (creating if needed) the database file at path and returns the
// writer and reader pools; sync is SyncNormal or SyncFull.
func Open(path, sync string) (w, r *sql.DB, err error) {
	sync, err = ParseSync(sync)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: sync: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("sqlite: create data directory: %w", err)
		}
	}
	// busy_timeout must come before journal_mode: switching to WAL itself
	// may wait for a lock.
	// Page caches are per connection: 16 MiB of pages for the writer (index
	// pages of every write) and 8 MiB for each reader; the OS page cache
	// serves the rest. The pure-Go SQLite allocates each cached 4 KiB page
	// (plus its header) in an 8 KiB slot, so these cost twice as much RSS:
	// 32 MiB and 16 MiB a connection (measured; BENCHMARKS.md).
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(" + strings.ToUpper(sync) + ")&_pragma=temp_store(MEMORY)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	// journal_size_limit: SQLite reuses a WAL file rather than truncate it,
	// so one long run of writes (a recycling pass lets the WAL grow to
	// 480 MB, an import to whatever it writes between checkpoints) would
	// keep its size on disk for good; with a limit the writer cuts it back
	// to 64 MiB when it starts the WAL over.
	w, err = sql.Open("sqlite", base+"?"+pragmas+"&_pragma=cache_size(-16384)&_pragma=journal_size_limit(67108864)&_txlock=immediate")
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err = sql.Open("sqlite", base+"?"+pragmas+"&_pragma=cache_size(-8192)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	n := ReaderPoolSize()
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	return w, r, nil
}

// ReaderPoolSize is the number of read-only connections Open keeps.
func ReaderPoolSize() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// Translate maps SQLite constraint errors to model.ErrConflict; other errors
// pass through unchanged.
func Translate(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", model.ErrConflict, err)
		}
		// The disk or the file refuses writes: say so (503, Retry-After)
		// instead of an anonymous 500. SQLite rolls the transaction back;
		// nothing is half written, and writes work again once there is
		// space or permission.
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			return model.Unavailable(model.CodeStorageFull, "the database disk is full; free space and retry", err)
		case sqlite3.SQLITE_READONLY:
			return model.Unavailable(model.CodeStorageReadOnly, "the database file is read-only; fix its permissions or mount and retry", err)
		case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return model.Unavailable(model.CodeStorageError, "the database file cannot be read or written (I/O error)", err)
		case sqlite3.SQLITE_BUSY:
			// Another process (kehu import, kehu migrate, a backup tool)
			// held the file's write lock past the 10 s busy timeout.
			return model.Unavailable(model.CodeDatabaseUnavailable, "the database file is locked by another process; retry shortly", err)
		}
	}
	return err
}

// ConstraintName extracts the table/index part of a unique violation
// message ("UNIQUE constraint failed: customer_unique.tenant_id, …"), for
// telling which uniqueness was violated.
func ConstraintName(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Error()
	}
	return ""
}

// IsReadOnly reports whether err is SQLite refusing a write to a read-only
// database (the file, its directory or its mount; or query_only).
func IsReadOnly(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY
}
