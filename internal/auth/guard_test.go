package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
)

// TestGuardAddress: guessing across many client ids from one address locks
// the address (every attempt from it, even a right secret, gets 429) and
// is audited; the same client from another address is unaffected; after
// LockFor the address may try again.
func TestGuardAddress(t *testing.T) {
	f := setup(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f.svc.Guard = &Guard{Store: f.st, Now: func() time.Time { return now }}
	good := f.client(t)
	bad := audit.WithAddr(context.Background(), "203.0.113.9")
	fine := audit.WithAddr(context.Background(), "198.51.100.4")
	for i := 0; i < int(DefaultPolicy.AddrLockAfter); i++ {
		// A fresh made-up id each time: no single id reaches its own limit.
		id := fmt.Sprintf("guess-%d", i)
		if _, err := f.svc.Authenticate(bad, id, "guess"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	_, err := f.svc.Authenticate(bad, good.ClientID, good.Secret)
	var le *LockedError
	if !errors.As(err, &le) || le.Seconds() != 900 {
		t.Fatalf("right secret from the locked address: %v", err)
	}
	if _, err := f.svc.Authenticate(fine, good.ClientID, good.Secret); err != nil {
		t.Fatalf("right secret from another address: %v", err)
	}
	locks, err := audit.Query(context.Background(), f.st, 0, model.AuditFilter{Action: audit.Lockout})
	if err != nil || len(locks) != 1 || locks[0].TargetKind != "address" || locks[0].TargetID != "203.0.113.9" {
		t.Fatalf("address lockout in the audit log: %+v %v", locks, err)
	}
	now = now.Add(DefaultPolicy.LockFor + time.Second)
	if _, err := f.svc.Authenticate(bad, good.ClientID, good.Secret); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

// TestGuardBackoff walks one id through the policy: free attempts, doubling
// waits, the lock, and a window that restarts.
func TestGuardBackoff(t *testing.T) {
	f := setup(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f.svc.Guard = &Guard{Store: f.st, Now: func() time.Time { return now }}
	c := f.client(t)
	ctx := audit.WithAddr(context.Background(), "192.0.2.1")
	// wait reads the lock without attempting anything (an attempt that
	// succeeds would forget the failures).
	wait := func() time.Duration {
		_, err := f.svc.Guard.Check(ctx, Attempt{TenantID: c.TenantID, Kind: "client", ID: c.ClientID})
		var le *LockedError
		if errors.As(err, &le) {
			return le.RetryAfter
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	var waits []time.Duration
	for i := 1; i <= 10; i++ {
		if _, err := f.svc.Authenticate(ctx, c.ClientID, "nope"); !errors.Is(err, ErrWrongSecret) {
			t.Fatalf("failure %d: %v", i, err)
		}
		d := wait()
		waits = append(waits, d)
		if i < 10 {
			now = now.Add(d) // the next guess comes when the wait is over
		}
	}
	s := time.Second
	want := []time.Duration{0, 0, s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 15 * time.Minute}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("waits = %v, want %v", waits, want)
	}
	// After the lock a success forgets the failures: two new ones cost nothing.
	now = now.Add(15 * time.Minute)
	if _, err := f.svc.Authenticate(ctx, c.ClientID, c.Secret); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	f.svc.Authenticate(ctx, c.ClientID, "nope")
	f.svc.Authenticate(ctx, c.ClientID, "nope")
	if d := wait(); d != 0 {
		t.Fatalf("two failures after a success: wait %v", d)
	}
	if _, err := f.svc.Authenticate(context.Background(), "kh1_"+c.ClientID[4:], c.Secret); !errors.Is(err, ErrUnknownClient) && !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("unknown id: %v", err)
	}
}
