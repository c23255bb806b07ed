package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestCheckpointBehind: with the writer's own checkpoints out of reach,
// committed rows stay in the WAL; with CheckpointBehind they are copied
// into the database file behind the writer (read here with the WAL
// ignored: immutable=1).
func TestCheckpointBehind(t *testing.T) {
	ctx := context.Background()
	inFile := func(behind bool) int {
		st := storetest.Open(t, store.SQLite)
		restore, err := st.SetWriterCheckpoint(ctx, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		defer restore()
		tn, err := st.CreateTenant(ctx, "wal")
		if err != nil {
			t.Fatal(err)
		}
		cat, err := st.LoadCatalog(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if behind {
			defer st.CheckpointBehind(ctx, 5*time.Millisecond)()
		}
		cs := genCustomers(tn.ID, 1000)
		for start := 0; start < len(cs); start += 100 {
			chunk := cs[start : start+100]
			if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomers(ctx, chunk, cat) }); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(100 * time.Millisecond)
		db, err := sql.Open("sqlite", "file:"+st.Path+"?immutable=1")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&n); err != nil {
			return 0 // the table itself is only in the WAL
		}
		return n
	}
	if n := inFile(false); n == len(genCustomers(0, 1000)) {
		t.Fatalf("without CheckpointBehind the file already has all %d customers: the test shows nothing", n)
	}
	if n := inFile(true); n != 1000 {
		t.Fatalf("the database file has %d customers behind the WAL, want 1000", n)
	}
}
