package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// The speed targets of issue 13, measured (not asserted) when
// KEHU_WEBHOOK_BENCH=1; BENCHMARKS.md has the numbers and the command.

func benchEnabled(t *testing.T) {
	if os.Getenv("KEHU_WEBHOOK_BENCH") == "" {
		t.Skip("set KEHU_WEBHOOK_BENCH=1 to measure webhook speed")
	}
}

func benchDBs() []string {
	if db := os.Getenv("KEHU_WEBHOOK_BENCH_DB"); db != "" {
		return strings.Split(db, ",")
	}
	return testenv.Databases
}

// TestWebhookThroughput: N events already in the feed, one subscription
// from position 0 to a local receiver that answers 204 at once: how many
// deliveries per second kehu makes, fan-out included.
func TestWebhookThroughput(t *testing.T) {
	benchEnabled(t)
	for _, db := range benchDBs() {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			ctx := context.Background()
			const n = 20000
			cat, err := e.Store.LoadCatalog(ctx, e.Tenant.ID)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Millisecond)
			for start := 0; start < n; start += 1000 {
				cs := make([]*model.Customer, 1000)
				for i := range cs {
					cs[i] = &model.Customer{TenantID: e.Tenant.ID, Name: fmt.Sprintf("吞吐%d", start+i), Status: 1, CreatedAt: now, UpdatedAt: now}
				}
				if err := e.Store.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomers(ctx, cs, cat) }); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.Store.SequenceFeed(ctx); err != nil {
				t.Fatal(err)
			}
			var got atomic.Int64
			done := make(chan struct{})
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got.Add(1) == n {
					close(done)
				}
				w.WriteHeader(204)
			}))
			defer rc.Close()
			a := newAPI(t, e, e.Client)
			start := time.Now()
			a.must("POST", "/v1/webhooks", `{"url":"`+rc.URL+`","after":0}`, 201)
			select {
			case <-done:
			case <-time.After(5 * time.Minute):
				t.Fatalf("only %d of %d delivered", got.Load(), n)
			}
			took := time.Since(start)
			t.Logf("%s: %d deliveries in %v = %.0f events/s", db, n, took.Round(time.Millisecond), float64(n)/took.Seconds())
		})
	}
}

// TestWriteCostWithSubscriptions: creates through the native API, one
// client at a time, with no subscription and with two active ones (their
// receivers answering at once): the median and mean time per write.
func TestWriteCostWithSubscriptions(t *testing.T) {
	benchEnabled(t)
	for _, db := range benchDBs() {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			a := newAPI(t, e, e.Client)
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
			defer rc.Close()
			const n = 1500
			measure := func(label string) (time.Duration, time.Duration) {
				ds := make([]time.Duration, n)
				for i := range ds {
					start := time.Now()
					a.must("POST", "/v1/customers", fmt.Sprintf(`{"name":"%s%d","phone":"139%08d"}`, label, i, i), 201)
					ds[i] = time.Since(start)
				}
				var sum time.Duration
				for _, d := range ds {
					sum += d
				}
				sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
				return ds[n/2], sum / n
			}
			measure("热身") // warm up caches and connections
			p50a, meanA := measure("无订阅")
			for i := 0; i < 2; i++ {
				a.must("POST", "/v1/webhooks", `{"url":"`+rc.URL+`"}`, 201)
			}
			p50b, meanB := measure("两个订阅")
			t.Logf("%s: create p50 %v → %v (%+.1f %%), mean %v → %v (%+.1f %%) with two active subscriptions", db,
				p50a, p50b, 100*(float64(p50b)/float64(p50a)-1), meanA, meanB, 100*(float64(meanB)/float64(meanA)-1))
		})
	}
}
