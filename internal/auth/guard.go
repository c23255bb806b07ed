package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Policy is the lockout/backoff policy for failed authentication. Failures
// are counted per subject (a client id or a login name) and per source
// address within Window. From the SlowAfter-th failure of a subject on, each
// further failure makes it wait Backoff·2^(n−SlowAfter) (capped at LockFor)
// before the next attempt is even checked; at LockAfter failures it is
// locked for LockFor. An address is locked for LockFor once AddrLockAfter
// failures came from it (whatever the subjects), which stops guessing
// across many ids. Attempts refused because of a lock are not checked and
// not counted, so an attacker hammering one client id locks that id only:
// another client, even from the same address, keeps working.
type Policy struct {
	Window        time.Duration
	SlowAfter     int64
	Backoff       time.Duration
	LockAfter     int64
	LockFor       time.Duration
	AddrLockAfter int64
}

// DefaultPolicy: 3 free attempts, then 1 s, 2 s, 4 s … between attempts,
// locked for 15 minutes after 10 failures in 15 minutes; an address after
// 50.
var DefaultPolicy = Policy{Window: 15 * time.Minute, SlowAfter: 3, Backoff: time.Second, LockAfter: 10,
	LockFor: 15 * time.Minute, AddrLockAfter: 50}

// ErrLocked matches every *LockedError.
var ErrLocked = errors.New("too many failed attempts")

// LockedError says an attempt was refused unchecked because its subject or
// address is locked or backing off; retry after RetryAfter.
type LockedError struct {
	RetryAfter time.Duration
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed authentication attempts; retry after %d seconds", e.Seconds())
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Seconds is RetryAfter in whole seconds, at least 1 (for Retry-After).
func (e *LockedError) Seconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}

// RetryAfter returns the Retry-After value in seconds of a lockout error.
func RetryAfter(err error) (string, bool) {
	var le *LockedError
	if errors.As(err, &le) {
		return strconv.Itoa(le.Seconds()), true
	}
	return "", false
}

// Guard counts failed authentications in the database, so every kehu node
// sees the same counts and locks. A nil *Guard guards nothing.
type Guard struct {
	Store  *store.Store
	Policy Policy
	Log    *slog.Logger
	Now    func() time.Time
}

// Attempt is one authentication attempt: the subject's tenant (0 when
// unknown), its kind ("client" or "login"), its id, and the caller for the
// audit log (Via and Addr; Addr defaults to the request's address).
type Attempt struct {
	TenantID int64
	Kind     string
	ID       string
	Via      model.Via
	Addr     string
}

const maxSubject = 200

func (a *Attempt) subject() store.AuthSubject {
	id := a.ID
	if len(id) > maxSubject {
		id = id[:maxSubject]
	}
	return store.AuthSubject{TenantID: a.TenantID, Subject: a.Kind + ":" + id}
}

func (a *Attempt) addrSubject() (store.AuthSubject, bool) {
	return store.AuthSubject{Subject: "addr:" + a.Addr}, a.Addr != ""
}

func (g *Guard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

func (g *Guard) fill(ctx context.Context, a *Attempt) {
	if a.Addr == "" {
		a.Addr = audit.AddrOf(ctx)
	}
	if a.Via == "" {
		a.Via = audit.ViaOf(ctx)
	}
}

func (g *Guard) policy() Policy {
	if g.Policy == (Policy{}) {
		return DefaultPolicy
	}
	return g.Policy
}

// Check refuses an attempt whose subject or address is locked with a
// *LockedError, before any credential is looked at. seen reports whether
// the subject has failures on record (pass it to Succeed).
func (g *Guard) Check(ctx context.Context, a Attempt) (seen bool, err error) {
	if g == nil {
		return false, nil
	}
	g.fill(ctx, &a)
	subs := []store.AuthSubject{a.subject()}
	if as, ok := a.addrSubject(); ok {
		subs = append(subs, as)
	}
	until, seen, err := g.Store.AuthLockedUntil(ctx, subs...)
	if err != nil {
		return false, err
	}
	if d := time.UnixMilli(until).Sub(g.now()); d > 0 {
		return seen, &LockedError{RetryAfter: d}
	}
	return seen, nil
}

// Fail counts a failed attempt for its subject and its address, and writes
// the failure (action failAction) and any lockout it causes to the audit
// log. Errors of the bookkeeping are logged, not returned: the attempt has
// failed either way.
func (g *Guard) Fail(ctx context.Context, a Attempt, failAction string, details map[string]any) {
	if g == nil {
		return
	}
	g.fill(ctx, &a)
	p := g.policy()
	now := g.now()
	nowMs, windowStart := now.UnixMilli(), now.Add(-p.Window).UnixMilli()
	caller := &model.Caller{TenantID: a.TenantID, Via: a.Via, Addr: a.Addr}
	target := audit.Subject(a.Kind, a.ID)
	if err := audit.Record(ctx, g.Store, caller, failAction, target, details); err != nil {
		g.log().Error("audit failed authentication", slog.Any("error", err))
	}
	n, until, err := g.Store.AddAuthFailure(ctx, a.subject(), nowMs, windowStart, func(n int64) int64 {
		switch {
		case n >= p.LockAfter:
			return now.Add(p.LockFor).UnixMilli()
		case n >= p.SlowAfter:
			return now.Add(min(p.LockFor, p.Backoff<<min(n-p.SlowAfter, 30))).UnixMilli()
		}
		return 0
	})
	if err != nil {
		g.log().Error("count failed authentication", slog.Any("error", err))
	} else if n >= p.LockAfter && until > nowMs {
		g.lockout(ctx, caller, target, n, until)
	}
	if as, ok := a.addrSubject(); ok {
		n, until, err := g.Store.AddAuthFailure(ctx, as, nowMs, windowStart, func(n int64) int64 {
			if n >= p.AddrLockAfter {
				return now.Add(p.LockFor).UnixMilli()
			}
			return 0
		})
		if err != nil {
			g.log().Error("count failed authentication", slog.Any("error", err))
		} else if n >= p.AddrLockAfter && until > nowMs {
			// The address's lock is recorded in the tenant of the attempt that tripped it.
			g.lockout(ctx, caller, audit.Address(a.Addr), n, until)
		}
	}
	if rand.IntN(64) == 0 { // now and then, forget counters that no longer matter
		for _, t := range []int64{a.TenantID, 0} {
			if err := g.Store.PurgeAuthFailures(ctx, t, windowStart, nowMs); err != nil {
				g.log().Warn("purge failed-authentication counters", slog.Any("error", err))
			}
		}
	}
}

func (g *Guard) lockout(ctx context.Context, caller *model.Caller, target audit.Target, n, until int64) {
	err := audit.Record(ctx, g.Store, caller, audit.Lockout, target,
		map[string]any{"failures": n, "lockedUntil": time.UnixMilli(until).UTC().Format(time.RFC3339)})
	if err != nil {
		g.log().Error("audit lockout", slog.Any("error", err))
	}
	g.log().Warn("authentication locked", slog.String("subject", target.Kind+":"+target.ID), slog.Int64("failures", n),
		slog.Int64("tenant", caller.TenantID))
}

// Succeed forgets the subject's failures when Check saw some (not the
// address's: a valid login of one's own must not wash away guesses at
// others). Without failures on record it writes nothing, so a signature
// checked on every request costs no write.
func (g *Guard) Succeed(ctx context.Context, a Attempt, seen bool) {
	if g == nil || !seen {
		return
	}
	if err := g.Store.ClearAuthFailures(ctx, a.subject()); err != nil {
		g.log().Warn("clear failed authentications", slog.Any("error", err))
	}
}

func (g *Guard) log() *slog.Logger {
	if g.Log != nil {
		return g.Log
	}
	return slog.Default()
}
