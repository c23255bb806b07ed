package store_test

import (
	"context"
	"database/sql"
	"os"
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

// TestWALGivenBack: a long run of writes under SetWriterCheckpoint and
// CheckpointBehind (a recycling pass) leaves nothing uncopied when it stops —
// the database file has every row, so the next ordinary commit does not
// copy the run's last frames — and the WAL it grew is cut back to the
// writer's journal_size_limit (64 MiB) when the WAL starts over.
func TestWALGivenBack(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	exec := func(q string) {
		t.Helper()
		if err := st.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	walSize := func() int64 {
		fi, err := os.Stat(st.Path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	exec(`CREATE TABLE scratch (b BLOB)`)
	restore, err := st.SetWriterCheckpoint(ctx, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	stop := st.CheckpointBehind(ctx, 5*time.Millisecond)
	for range 24 { // 24 × 3.9 MB of rows
		exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO scratch SELECT randomblob(3900) FROM n`)
	}
	stop()
	restore()
	if n := walSize(); n <= 64<<20 {
		t.Fatalf("the run's WAL is %d bytes: the test shows nothing", n)
	}
	db, err := sql.Open("sqlite", "file:"+st.Path+"?immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scratch`).Scan(&n); err != nil || n != 24000 {
		t.Fatalf("the database file has %d of the 24000 rows (%v): the run's last frames were left to the next commit", n, err)
	}
	exec(`INSERT INTO scratch VALUES (x'00')`)
	if n := walSize(); n > 64<<20 {
		t.Fatalf("after the WAL started over it is %d bytes, over the 64 MiB journal_size_limit", n)
	}
}
