package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestSQLiteReadOnlyIsClear: a SQLite database that refuses writes (here
// query_only, as a read-only file or mount does) answers with a clear
// 503 error — not an anonymous internal error — writes nothing, and works
// again once writes are possible.
func TestSQLiteReadOnlyIsClear(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	pragma := func(on string) {
		t.Helper()
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "PRAGMA query_only = "+on)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	pragma("ON")
	_, err := st.CreateTenant(ctx, "refused")
	var o *model.Overloaded
	if !errors.As(err, &o) || o.Status != 503 || !strings.Contains(o.Msg, "read-only") {
		t.Fatalf("write on a read-only database: %v, want a 503 saying read-only", err)
	}
	// Writes possible again (a new connection, as after fixing the mount).
	st.Close()
	st, err = store.Open(ctx, st.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateTenant(ctx, "after"); err != nil {
		t.Fatalf("after writes are possible again: %v", err)
	}
	if _, err := st.TenantByName(ctx, "refused"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("the refused write left something: %v", err)
	}
}
