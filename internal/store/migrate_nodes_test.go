package store

import (
	"context"
	"sync"
	"testing"

	"github.com/kehu/kehu/internal/pgtest"
)

// Three kehu nodes starting at the same time on a fresh PostgreSQL database
// each run Migrate: all succeed, and each migration is applied exactly once
// (the advisory lock makes the later ones wait and find nothing pending).
func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	const nodes = 3
	stores := make([]*Store, nodes)
	for i := range stores {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	ms, err := stores[0].migrations()
	if err != nil {
		t.Fatal(err)
	}
	applied := make([]int, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = s.Migrate(ctx)
		}()
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range stores {
		if errs[i] != nil {
			t.Fatalf("node %d: Migrate: %v", i, errs[i])
		}
		total += applied[i]
	}
	if total != len(ms) {
		t.Fatalf("the nodes applied %v migrations (sum %d), want each of the %d once", applied, total, len(ms))
	}
	var rows, distinct int
	if err := stores[0].w.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != len(ms) || distinct != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%d versions), want %d", rows, distinct, len(ms))
	}
	for i, s := range stores {
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("node %d after migrate: %v", i, err)
		}
	}
	// The lock is released: a later Migrate does not wait and applies nothing.
	if n, err := stores[1].Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second Migrate: %d, %v", n, err)
	}
}
