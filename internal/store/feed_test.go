package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// openNodes opens n stores on one fresh database — n kehu nodes — each
// running the feed's background work until the test ends.
func openNodes(t *testing.T, dialect string, n int) []*store.Store {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "kehu.db")
	if dialect == store.Postgres {
		dsn = pgtest.NewDatabase(t)
	}
	var nodes []*store.Store
	for i := 0; i < n; i++ {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); st.RunFeed(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
		t.Cleanup(func() { cancel(); <-done; st.Close() })
		nodes = append(nodes, st)
	}
	return nodes
}

// TestFeedNeverSkipsUnderConcurrentWriters is the follower of issue 13: 8
// writers on two nodes of one database, each transaction first adding a
// customer (so it takes its place early) and then incrementing a counter on
// one of a few shared customers (so it may wait for another writer's row
// lock and commit after transactions that started later). A follower
// paging the feed from both nodes must see every committed event exactly
// once, positions strictly growing, and each shared customer's counter
// values in order, 1, 2, 3, … — the order of the changes.
func TestFeedNeverSkipsUnderConcurrentWriters(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			nodes := openNodes(t, db, 2)
			ctx := context.Background()
			tn, err := nodes[0].CreateTenant(ctx, "feed")
			if err != nil {
				t.Fatal(err)
			}
			cat, err := nodes[0].LoadCatalog(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			var shared []int64
			for i := 0; i < 4; i++ {
				c := newCustomer(tn.ID, fmt.Sprintf("共享%d", i), "")
				c.Remark = "0"
				if err := nodes[0].InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, c, cat) }); err != nil {
					t.Fatal(err)
				}
				shared = append(shared, c.ID)
			}
			const writers, perWriter = 8, 60
			var commits int64
			var mu sync.Mutex
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					st := nodes[w%len(nodes)]
					r := rand.New(rand.NewPCG(uint64(w), 7))
					for i := 0; i < perWriter; i++ {
						add := newCustomer(tn.ID, fmt.Sprintf("写%d-%d", w, i), "")
						target := shared[r.IntN(len(shared))]
						err := st.InTx(ctx, func(tx *store.Tx) error {
							if err := tx.InsertCustomer(ctx, add, cat); err != nil {
								return err
							}
							time.Sleep(time.Duration(r.IntN(2000)) * time.Microsecond)
							old, err := tx.CustomerForUpdate(ctx, tn.ID, target)
							if err != nil {
								return err
							}
							c := *old
							n, _ := strconv.Atoi(old.Remark)
							c.Remark = strconv.Itoa(n + 1)
							c.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
							return tx.UpdateCustomer(ctx, old, &c, cat)
						})
						if err != nil {
							t.Errorf("writer %d: %v", w, err)
							return
						}
						mu.Lock()
						commits++
						mu.Unlock()
					}
				}(w)
			}
			writing := make(chan struct{})
			go func() { wg.Wait(); close(writing) }()

			// The follower: resume from the last position, alternate nodes.
			want := int64(len(shared)) + 2*writers*perWriter
			seen := map[int64]bool{}
			counters := map[int64]int{}
			var after, got int64
			deadline := time.Now().Add(60 * time.Second)
			for i := 0; got < want; i++ {
				if time.Now().After(deadline) {
					t.Fatalf("follower saw %d of %d events", got, want)
				}
				evs, err := nodes[i%len(nodes)].Events(ctx, tn.ID, store.EventFilter{After: after, Limit: 7})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					if e.Position <= after {
						t.Fatalf("position %d after %d", e.Position, after)
					}
					if seen[e.ID] {
						t.Fatalf("event %d delivered twice", e.ID)
					}
					seen[e.ID] = true
					after = e.Position
					got++
					if e.Kind == model.EventEdit {
						var c model.Customer
						if err := json.Unmarshal(e.Data, &c); err != nil {
							t.Fatal(err)
						}
						n, _ := strconv.Atoi(c.Remark)
						if n != counters[c.ID]+1 {
							t.Fatalf("customer %d: counter %d after %d — changes out of order", c.ID, n, counters[c.ID])
						}
						counters[c.ID] = n
					}
				}
				if len(evs) == 0 {
					select {
					case <-writing:
					case <-time.After(time.Millisecond):
					}
				}
			}
			<-writing
			if t.Failed() {
				return
			}
			total := 0
			for _, n := range counters {
				total += n
			}
			if total != writers*perWriter || int64(total) != commits {
				t.Fatalf("counters add up to %d, want %d", total, writers*perWriter)
			}
			// Nothing more arrives: exactly the committed events.
			time.Sleep(300 * time.Millisecond)
			evs, err := nodes[1].Events(ctx, tn.ID, store.EventFilter{After: after, Limit: 10})
			if err != nil || len(evs) != 0 {
				t.Fatalf("extra events after the last: %v %v", evs, err)
			}
			t.Logf("%d events, in order, each once", got)
		})
	}
}

// TestLeaseAndPrune: a lease is held by one node until it expires or is
// released; pruning removes numbered events older than the cutoff only.
func TestLeaseAndPrune(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ok, err := st.TryLease(ctx, "x", time.Minute)
		if err != nil || !ok {
			t.Fatalf("first lease: %v %v", ok, err)
		}
		if ok, _ := st.TryLease(ctx, "x", time.Minute); !ok {
			t.Fatal("the holder cannot renew its lease")
		}
		// Another node (another holder id) cannot take it until it expires.
		old := store.NodeID
		store.NodeID = "other"
		if ok, _ := st.TryLease(ctx, "x", time.Minute); ok {
			t.Fatal("another node took a live lease")
		}
		store.NodeID = old
		if err := st.ReleaseLease(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		store.NodeID = "other"
		if ok, _ := st.TryLease(ctx, "x", -time.Second); !ok {
			t.Fatal("a released lease is not free")
		}
		store.NodeID = old
		if ok, _ := st.TryLease(ctx, "x", time.Minute); !ok {
			t.Fatal("an expired lease is not free")
		}

		tn, _ := st.CreateTenant(ctx, "prune")
		cat, _ := st.LoadCatalog(ctx, tn.ID)
		for i := 0; i < 3; i++ {
			c := newCustomer(tn.ID, fmt.Sprintf("旧%d", i), "")
			if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, c, cat) }); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.SequenceFeed(ctx); err != nil { // PostgreSQL: unnumbered events are never pruned
			t.Fatal(err)
		}
		if n, err := st.PruneEvents(ctx, time.Now().Add(-time.Hour), 2); err != nil || n != 0 {
			t.Fatalf("pruned %d recent events (%v)", n, err)
		}
		// An enabled subscription whose cursor is after the first event
		// keeps the two it has yet to deliver; a disabled one keeps none.
		evs, _ := st.Events(ctx, tn.ID, store.EventFilter{Limit: 10})
		if len(evs) != 3 {
			t.Fatalf("%d events", len(evs))
		}
		hook := &model.Webhook{TenantID: tn.ID, URL: "http://127.0.0.1:9/", Kinds: []string{model.EventAdd}, Format: model.WebhookNative,
			Enabled: true, Position: evs[0].Position}
		if err := st.CreateWebhook(ctx, hook, []byte("sealed")); err != nil {
			t.Fatal(err)
		}
		off := &model.Webhook{TenantID: tn.ID, URL: "http://127.0.0.1:9/", Kinds: []string{model.EventAdd}, Format: model.WebhookNative}
		if err := st.CreateWebhook(ctx, off, []byte("sealed")); err != nil {
			t.Fatal(err)
		}
		if n, err := st.PruneEvents(ctx, time.Now().Add(time.Hour), 2); err != nil || n != 1 {
			t.Fatalf("pruned %d old events with a subscription behind (%v), want 1", n, err)
		}
		if left, _ := st.Events(ctx, tn.ID, store.EventFilter{Limit: 10}); len(left) != 2 || left[0].ID != evs[1].ID {
			t.Fatalf("kept %v, want the 2 after the cursor", left)
		}
		hook.Enabled = false
		if err := st.UpdateWebhook(ctx, hook, nil); err != nil {
			t.Fatal(err)
		}
		if n, err := st.PruneEvents(ctx, time.Now().Add(time.Hour), 2); err != nil || n != 2 {
			t.Fatalf("pruned %d of 2 old events once the subscription was disabled (%v)", n, err)
		}
		if evs, _ := st.Events(ctx, tn.ID, store.EventFilter{Limit: 10}); len(evs) != 0 {
			t.Fatalf("%d events left", len(evs))
		}
	})
}

// TestFeedPositionsHaveNoGaps: events are numbered as they are written on
// SQLite (and after commit on PostgreSQL); single inserts, bulk inserts,
// a failed savepoint's rolled-back event and a rolled-back transaction
// leave the feed's positions 1, 2, 3, … with nothing skipped, and the next
// transaction continues after them.
func TestFeedPositionsHaveNoGaps(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tn, _ := st.CreateTenant(ctx, "positions")
		n := 0
		next := func() *model.Customer {
			n++
			return newCustomer(tn.ID, fmt.Sprint("客户", n), "")
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			for range 3 {
				if err := tx.InsertCustomer(ctx, next(), nil); err != nil {
					return err
				}
			}
			return tx.InsertCustomers(ctx, []*model.Customer{next(), next()}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		failed := fmt.Errorf("the item fails")
		_ = st.InTx(ctx, func(tx *store.Tx) error { // rolled back whole
			_ = tx.InsertCustomer(ctx, next(), nil)
			return failed
		})
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Savepoint(ctx, func() error {
				if err := tx.InsertCustomer(ctx, next(), nil); err != nil {
					return err
				}
				return failed
			}); err != failed {
				return fmt.Errorf("savepoint: %v", err)
			}
			return tx.InsertCustomer(ctx, next(), nil)
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, next(), nil) }); err != nil {
			t.Fatal(err)
		}
		evs, err := st.Events(ctx, tn.ID, store.EventFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 7 {
			t.Fatalf("%d events, want 7", len(evs))
		}
		var got []int64
		for _, e := range evs {
			got = append(got, e.Position)
		}
		for i, p := range got {
			if p != int64(i+1) {
				t.Fatalf("positions %v, want 1 to %d", got, len(got))
			}
		}
	})
}
