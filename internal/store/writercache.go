package store

import (
	"context"
	"fmt"
	"strconv"
)

// SetWriterCache sets the page cache of the SQLite writer connection to kib
// KiB, for a bulk load: a million-row import inserts into a dozen indexes
// in random order, and with the default 64 MiB most of those inserts miss
// the cache. It returns a function that restores the previous size. On
// PostgreSQL it does nothing.
func (s *Store) SetWriterCache(ctx context.Context, kib int) (restore func(), err error) {
	if s.dialect != SQLite || kib <= 0 {
		return func() {}, nil
	}
	var prev int64
	if err := s.w.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&prev); err != nil {
		return nil, fmt.Errorf("store: read cache_size: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(kib)); err != nil {
		return nil, fmt.Errorf("store: set cache_size: %w", err)
	}
	return func() {
		_, _ = s.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = "+strconv.FormatInt(prev, 10))
	}, nil
}

// SetWriterCheckpoint lets the SQLite WAL grow to pages pages before the
// writer connection checkpoints it (SQLite's default is 1,000), until
// restore is called; PostgreSQL ignores it. A long run of write
// transactions that dirty pages all over the file (recycling: every moved
// customer's token rows are in a different part of customer_grams) would
// otherwise checkpoint after nearly every commit — copying each page back
// to the database and syncing it, again in the next commit — where a
// larger WAL copies a page rewritten by many commits once.
func (s *Store) SetWriterCheckpoint(ctx context.Context, pages int) (restore func(), err error) {
	if s.dialect != SQLite || pages <= 0 {
		return func() {}, nil
	}
	var prev int64
	if err := s.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&prev); err != nil {
		return nil, fmt.Errorf("store: read wal_autocheckpoint: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_autocheckpoint = "+strconv.Itoa(pages)); err != nil {
		return nil, fmt.Errorf("store: set wal_autocheckpoint: %w", err)
	}
	return func() {
		_, _ = s.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA wal_autocheckpoint = "+strconv.FormatInt(prev, 10))
	}, nil
}
