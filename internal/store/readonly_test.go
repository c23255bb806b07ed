package store_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
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

// TestFaulted: a database fault wrapped on its way up (here PostgreSQL's
// connection refused inside a store message) is a 503 with Retry-After;
// other errors stay as they are.
func TestFaulted(t *testing.T) {
	refused := fmt.Errorf("store: cache versions: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	var o *model.Overloaded
	if f := store.Faulted(refused); !errors.As(f, &o) || o.Status != 503 || o.RetryAfterSeconds() < 1 || !errors.Is(f, syscall.ECONNREFUSED) {
		t.Fatalf("Faulted(connection refused) = %v, want a 503 keeping its cause", f)
	}
	for _, err := range []error{nil, errors.New("plain"), model.ErrNotFound, context.Canceled} {
		if f := store.Faulted(err); f != err {
			t.Errorf("Faulted(%v) = %v, want it unchanged", err, f)
		}
	}
}
