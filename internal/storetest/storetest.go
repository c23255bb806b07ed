// Package storetest opens real, migrated kehu databases for tests: a SQLite
// file in a temp dir or a fresh PostgreSQL database from internal/pgtest.
// It depends on the store only, so store-level suites build without the
// HTTP layers.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
)

// Databases lists the dialects every store-backed suite runs on.
var Databases = []string{store.SQLite, store.Postgres}

// Open opens and migrates a fresh database of the given dialect.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "kehu.db")
	if dialect == store.Postgres {
		dsn = pgtest.NewDatabase(t)
	}
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", dialect, err)
	}
	return st
}

// OpenNodes opens a fresh migrated database of the given dialect twice, as
// two kehu nodes sharing one database would.
func OpenNodes(t testing.TB, dialect string) (*store.Store, *store.Store) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "kehu.db")
	if dialect == store.Postgres {
		dsn = pgtest.NewDatabase(t)
	}
	var out [2]*store.Store
	for i := range out {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open %s: %v", dialect, err)
		}
		t.Cleanup(func() { st.Close() })
		out[i] = st
	}
	if _, err := out[0].Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", dialect, err)
	}
	return out[0], out[1]
}
