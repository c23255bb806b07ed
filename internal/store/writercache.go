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
