package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
)

type rates map[int64]int

func (r rates) TenantRateLimit(_ context.Context, id int64) (int, error) { return r[id], nil }

// TestBuckets: a budget admits its burst, then one request per 1/rate; the
// refusal says how long to wait; a node enforces its share of the cluster
// budget; a tenant's own budget overrides the default; clients and
// addresses have buckets of their own.
func TestBuckets(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := New(Config{Client: 10, Address: 4, Nodes: 2, Burst: 1}, rates{7: 40})
	l.now = func() time.Time { return now }
	ctx := context.Background()
	take := func(n int, fn func() error) (ok int, last error) {
		for range n {
			if err := fn(); err != nil {
				last = err
			} else {
				ok++
			}
		}
		return
	}
	client := func(tenant int64, id string) func() error {
		return func() error { _, err := l.Client(ctx, tenant, id); return err }
	}
	// 10/s across 2 nodes: 5 here, burst of 1 s.
	if ok, err := take(8, client(1, "a")); ok != 5 {
		t.Fatalf("admitted %d of 8, want 5 (%v)", ok, err)
	} else {
		var o *model.Overloaded
		if !errors.As(err, &o) || o.Status != 429 || o.Limit != 5 || o.Remaining != 0 || o.RetryAfter <= 0 || o.RetryAfter > 200*time.Millisecond {
			t.Fatalf("refusal %+v", o)
		}
	}
	if ok, _ := take(5, client(1, "b")); ok != 5 {
		t.Fatalf("another client shares a bucket: %d", ok)
	}
	now = now.Add(400 * time.Millisecond) // 2 tokens back
	if ok, _ := take(3, client(1, "a")); ok != 2 {
		t.Fatalf("after 400 ms: %d, want 2", ok)
	}
	if ok, _ := take(30, client(7, "a")); ok != 20 {
		t.Fatalf("tenant 7's own 40/s budget: %d, want 20 on this node", ok)
	}
	addr := func() error { _, err := l.Address("10.0.0.1"); return err }
	if ok, _ := take(5, addr); ok != 2 {
		t.Fatalf("address: %d, want 2", ok)
	}
	d, err := l.Address("10.0.0.2")
	if err != nil || d.Limit != 2 || d.Remaining != 1 {
		t.Fatalf("decision %+v %v", d, err)
	}
	var none *Limiter
	if _, err := none.Client(ctx, 1, "a"); err != nil {
		t.Fatal(err)
	}
}
