package admission

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
)

func status(err error) int {
	var o *model.Overloaded
	if errors.As(err, &o) {
		if o.RetryAfterSeconds() < 1 {
			return -1
		}
		return o.Status
	}
	return 0
}

// TestLimiter: a tenant beyond its share gets 429 while another tenant is
// still served; beyond the node's total everyone gets 503; a queued request
// gets a slot freed while it waits; Admitted work passes without a slot.
func TestLimiter(t *testing.T) {
	ctx := context.Background()
	l := New("exports", 2, 3, 50*time.Millisecond)
	a1, err := l.Acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := l.Acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(ctx, 1); status(err) != 429 {
		t.Fatalf("third of tenant 1: %v, want 429", err)
	}
	b1, err := l.Acquire(ctx, 2)
	if err != nil {
		t.Fatalf("tenant 2 must not wait for tenant 1: %v", err)
	}
	if _, err := l.Acquire(ctx, 3); status(err) != 503 {
		t.Fatalf("beyond the total: %v, want 503", err)
	}
	if _, err := l.Acquire(Admitted(ctx), 3); err != nil {
		t.Fatalf("admitted work: %v", err)
	}
	go func() { time.Sleep(10 * time.Millisecond); a1(); a1() }() // a double release is harmless
	r, err := l.Acquire(ctx, 3)
	if err != nil {
		t.Fatalf("a slot freed while waiting: %v", err)
	}
	if l.InUse() != 3 {
		t.Fatalf("in use %d, want 3", l.InUse())
	}
	r()
	a2()
	b1()
	if l.InUse() != 0 {
		t.Fatalf("in use %d after all releases", l.InUse())
	}
	var nilLimiter *Limiter
	if rel, err := nilLimiter.Acquire(ctx, 1); err != nil {
		t.Fatal(err)
	} else {
		rel()
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	full := New("x", 1, 1, time.Second)
	hold, _ := full.Acquire(ctx, 1)
	defer hold()
	if _, err := full.Acquire(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled wait: %v", err)
	}
}
