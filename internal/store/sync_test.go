package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestSync: --sync reaches every SQLite connection, and a load (which
// changes synchronous for itself) leaves the writer as configured, whether
// it commits or fails.
func TestSync(t *testing.T) {
	ctx := context.Background()
	if _, err := OpenWith(ctx, filepath.Join(t.TempDir(), "x.db"), Options{Sync: "sometimes"}); err == nil || !strings.Contains(err.Error(), "normal or full") {
		t.Fatalf("bad sync value: %v", err)
	}
	for _, tc := range []struct {
		sync string
		want int64 // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{{"", 1}, {"normal", 1}, {"FULL", 2}} {
		st, err := OpenWith(ctx, filepath.Join(t.TempDir(), "k.db"), Options{Sync: tc.sync})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check := func(when string) {
			t.Helper()
			var w, r int64
			if err := st.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&w); err != nil {
				t.Fatal(err)
			}
			if err := st.r.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&r); err != nil {
				t.Fatal(err)
			}
			if w != tc.want || r != tc.want {
				t.Fatalf("sync %q %s: writer %d, reader %d, want %d", tc.sync, when, w, r, tc.want)
			}
		}
		check("after open")
		tn, err := st.CreateTenant(ctx, "t")
		if err != nil {
			t.Fatal(err)
		}
		cat, err := st.LoadCatalog(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if _, err := st.Load(ctx, tn.ID, cat, func(context.Context, *LoadFeed) error { return boom },
			LoadOptions{DeferIndexes: true, Atomic: true}); !errors.Is(err, boom) {
			t.Fatalf("failed load: %v", err)
		}
		check("after a failed load")
		if _, err := st.Load(ctx, tn.ID, cat, func(context.Context, *LoadFeed) error { return nil },
			LoadOptions{DeferIndexes: true, Atomic: true}); err != nil {
			t.Fatal(err)
		}
		check("after a load")
		st.Close()
	}
}
