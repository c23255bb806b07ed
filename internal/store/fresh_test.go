package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kehu/kehu/internal/pgtest"
)

// eachFresh runs fn on a new database of each dialect, a SQLite file and
// one of pgtest's PostgreSQL databases, opened and — when migrate is set —
// migrated: the tests of migrations and of the schema they build.
func eachFresh(t *testing.T, migrate bool, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, dialect := range []string{SQLite, Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dsn := filepath.Join(t.TempDir(), "kehu.db")
			if dialect == Postgres {
				dsn = pgtest.NewDatabase(t)
			}
			s, err := Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if migrate {
				if _, err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			fn(t, s)
		})
	}
}
