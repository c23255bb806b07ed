package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStmtCache: the reader pool's statement cache stays within its bound,
// answers every query as an unprepared one would, and a statement evicted
// while its rows are still being read keeps serving them.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "kehu.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.stmts == nil {
		t.Fatal("SQLite store without a statement cache")
	}
	s.stmts.max = 3

	// Rows of the first statement stay open while it is evicted.
	held, err := s.Query(ctx, `SELECT value FROM json_each(?) ORDER BY key`, `[1,2,3]`)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		for _, arg := range []int64{int64(i), int64(i) * 7} {
			var got int64
			q := fmt.Sprintf(`SELECT ? + %d`, i%5)
			if err := s.QueryRow(ctx, q, arg).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if want := arg + int64(i%5); got != want {
				t.Fatalf("%s with %d = %d, want %d", q, arg, got, want)
			}
		}
	}
	var sum int64
	for held.Next() {
		var v int64
		if err := held.Scan(&v); err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	if err := held.Err(); err != nil || sum != 6 {
		t.Fatalf("rows of an evicted statement: sum %d, err %v", sum, err)
	}
	held.Close()
	s.stmts.mu.Lock()
	n, m := s.stmts.lru.Len(), len(s.stmts.m)
	s.stmts.mu.Unlock()
	if n > 3 || n != m {
		t.Fatalf("cache holds %d statements (map %d), bound 3", n, m)
	}
	// A statement that does not prepare reports its error as before.
	if _, err := s.Query(ctx, `SELECT nope FROM nowhere`); err == nil {
		t.Fatal("bad SQL ran")
	}
	var x int
	if err := s.QueryRow(ctx, `SELECT nope FROM nowhere`).Scan(&x); err == nil {
		t.Fatal("bad SQL ran (QueryRow)")
	}
}
