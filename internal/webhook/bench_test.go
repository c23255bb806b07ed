package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

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

// TestWebhookThroughput: N events already in the feed (adds with their
// snapshot, as single API writes make them; then an edit of every other
// customer, so a customer's deliveries must go out in order), one
// subscription from position 0 to a local receiver that verifies each
// signature, checks each customer's order and answers 204: how many events
// per second go from the feed to the receiver, fan-out and retries loop
// included, in kehu's native format and in 达实's.
func TestWebhookThroughput(t *testing.T) {
	benchEnabled(t)
	for _, db := range benchDBs() {
		for _, format := range []string{model.WebhookNative, model.WebhookDashi} {
			t.Run(db+"/"+format, func(t *testing.T) { throughput(t, db, format) })
		}
	}
}

func throughput(t *testing.T, db, format string) {
	e := testenv.New(t, db)
	ctx := context.Background()
	const adds, n = 10000, 15000 // 10,000 adds, 5,000 edits
	cat, err := e.Store.LoadCatalog(ctx, e.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var cs []*model.Customer
	for start := 0; start < adds; start += 1000 {
		err := e.Store.InTx(ctx, func(tx *store.Tx) error {
			for i := start; i < start+1000; i++ {
				c := &model.Customer{TenantID: e.Tenant.ID, Name: fmt.Sprintf("吞吐%d", i), Phone: fmt.Sprintf("+86139%08d", i),
					Company: "吞吐测试有限公司", Remark: "从展会名单导入，需要回访", Status: 1, CreatedAt: now, UpdatedAt: now}
				if err := tx.InsertCustomer(ctx, c, cat); err != nil {
					return err
				}
				cs = append(cs, c)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for start := 0; start < adds; start += 2000 {
		err := e.Store.InTx(ctx, func(tx *store.Tx) error {
			for i := start; i < start+2000; i += 2 {
				old := *cs[i]
				c := cs[i]
				c.Remark, c.UpdatedAt = "已回访", now.Add(time.Millisecond)
				if err := tx.UpdateCustomer(ctx, &old, c, cat); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Store.SequenceFeed(ctx); err != nil {
		t.Fatal(err)
	}
	var got, bad, disorder atomic.Int64
	var mu sync.Mutex
	seen := map[string]int{}  // webhook-id → deliveries (retries of one id are not new events)
	last := map[int64]int64{} // customer → the feed position of its last delivery
	done := make(chan struct{})
	var verify atomic.Pointer[standardwebhooks.Webhook]
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if v := verify.Load(); v == nil || v.Verify(body, r.Header) != nil {
			bad.Add(1)
		}
		// native: data.customerId and data.position; 达实: data.id and id.
		var m struct {
			ID   int64 `json:"id"`
			Data struct {
				ID         int64 `json:"id"`
				CustomerID int64 `json:"customerId"`
				Position   int64 `json:"position"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &m)
		cust, pos := m.Data.CustomerID, m.Data.Position
		if format == model.WebhookDashi {
			cust, pos = m.Data.ID, m.ID
		}
		mu.Lock()
		seen[r.Header.Get("webhook-id")]++
		first := seen[r.Header.Get("webhook-id")] == 1
		if first {
			if pos <= last[cust] {
				disorder.Add(1)
			}
			last[cust] = pos
		}
		mu.Unlock()
		if first && got.Add(1) == n {
			close(done)
		}
		w.WriteHeader(204)
	}))
	defer rc.Close()
	a := newAPI(t, e, e.Client)
	// Created disabled: the receiver holds the secret before the first
	// delivery, and the clock starts when delivery can.
	_, out := a.do("POST", "/v1/webhooks", `{"url":"`+rc.URL+`","after":0,"enabled":false,"format":"`+format+`"}`)
	secret, _ := out["secret"].(string)
	v, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("create: %v (%v)", out, err)
	}
	verify.Store(v)
	start := time.Now()
	a.must("PATCH", fmt.Sprintf("/v1/webhooks/%v", out["id"]), `{"enabled":true}`, 200)
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		t.Fatalf("only %d of %d delivered", got.Load(), n)
	}
	took := time.Since(start)
	if b := bad.Load(); b > 0 {
		t.Errorf("%d deliveries whose signature did not verify", b)
	}
	if d := disorder.Load(); d > 0 {
		t.Errorf("%d deliveries arrived before an earlier change of their customer", d)
	}
	if len(last) != adds {
		t.Errorf("deliveries named %d customers, want %d", len(last), adds)
	}
	mu.Lock()
	again := 0
	for _, k := range seen {
		again += k - 1
	}
	mu.Unlock()
	t.Logf("%s %s: %d events in %v = %.0f events/s (%d sent again: a retry or a pass cut short)", db, format, n, took.Round(time.Millisecond), float64(n)/took.Seconds(), again)
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
