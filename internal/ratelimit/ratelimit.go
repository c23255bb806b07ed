// Package ratelimit keeps request budgets as token buckets: one per API
// client (its tenant's budget, configurable per tenant) and one per source
// address (every request, before any authentication, the token endpoints
// and the console login included). Each API asks before serving and renders
// a spent budget as 429 with Retry-After in its own envelope.
//
// The buckets live in each node's memory: a database write per request
// would cost more than the requests it protects (on SQLite every request
// would queue for the one writer). Correctness across nodes comes from the
// budget instead: a tenant's budget is a total across the cluster, and each
// node enforces its share, budget / Nodes (kehu serve --nodes N, the number
// of nodes behind the load balancer). With an even balancer the cluster
// admits the budget; with an uneven one, never more than it (a node gets at
// most its share). The per-tenant setting itself is in the database and
// re-read every minute, so every node applies a change within a minute.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// Config is a node's rate-limit policy.
type Config struct {
	Client  int // default budget per API client, requests/s across the cluster (0: unlimited)
	Address int // budget per source address, requests/s across the cluster (0: unlimited)
	Nodes   int // nodes sharing the budgets (≥ 1)
	// Burst is how many seconds of budget a bucket holds (≥ 1): a client
	// may send Burst × its rate at once after a quiet spell.
	Burst float64
}

// Defaults are kehu serve's: 50 requests/s per client and 100 per address,
// 2 s of burst, one node.
var Defaults = Config{Client: 50, Address: 100, Nodes: 1, Burst: 2}

// TenantRates reads a tenant's own client budget (0: the default).
type TenantRates interface {
	TenantRateLimit(ctx context.Context, tenantID int64) (int, error)
}

// Limiter enforces a Config on one node. A nil *Limiter allows everything.
type Limiter struct {
	cfg   Config
	rates TenantRates
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	tenants map[int64]tenantRate
	calls   int
}

type bucket struct {
	tokens float64
	last   time.Time
}

type tenantRate struct {
	perSecond int
	read      time.Time
}

// tenantTTL is how long a node trusts the tenant budget it read.
const tenantTTL = time.Minute

// New returns a limiter; rates may be nil (every tenant gets the default).
func New(cfg Config, rates TenantRates) *Limiter {
	cfg.Nodes = max(cfg.Nodes, 1)
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	return &Limiter{cfg: cfg, rates: rates, now: time.Now, buckets: map[string]*bucket{}, tenants: map[int64]tenantRate{}}
}

// Decision is the state of a budget after a request was counted.
type Decision struct {
	Limit     int           // the budget per second on this node
	Remaining int           // whole requests left in the bucket
	Reset     time.Duration // until the bucket is full again
}

// Address counts a request from addr; a spent budget is an error.
func (l *Limiter) Address(addr string) (*Decision, error) {
	if l == nil || l.cfg.Address <= 0 {
		return nil, nil
	}
	return l.take("a:"+addr, l.share(l.cfg.Address), "this address")
}

// Client counts a request of an authenticated API client.
func (l *Limiter) Client(ctx context.Context, tenantID int64, clientID string) (*Decision, error) {
	if l == nil {
		return nil, nil
	}
	perSecond := l.tenantRate(ctx, tenantID)
	if perSecond <= 0 {
		return nil, nil
	}
	return l.take(fmt.Sprintf("c:%d:%s", tenantID, clientID), l.share(perSecond), "this client")
}

// share is this node's part of a cluster-wide budget.
func (l *Limiter) share(perSecond int) float64 {
	return float64(perSecond) / float64(l.cfg.Nodes)
}

func (l *Limiter) tenantRate(ctx context.Context, tenantID int64) int {
	if l.rates == nil {
		return l.cfg.Client
	}
	now := l.now()
	l.mu.Lock()
	tr, ok := l.tenants[tenantID]
	l.mu.Unlock()
	if ok && now.Sub(tr.read) < tenantTTL {
		return tr.perSecond
	}
	n, err := l.rates.TenantRateLimit(ctx, tenantID)
	if err != nil {
		n = 0 // the database is busy or down: the default, and ask again later
	}
	if n == 0 {
		n = l.cfg.Client
	}
	l.mu.Lock()
	l.tenants[tenantID] = tenantRate{perSecond: n, read: now}
	l.mu.Unlock()
	return n
}

func (l *Limiter) take(key string, rate float64, who string) (*Decision, error) {
	now := l.now()
	capacity := rate * l.cfg.Burst
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: capacity, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(capacity, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	d := &Decision{Limit: int(math.Ceil(rate))}
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
		d.Reset = time.Duration((capacity - b.tokens) / rate * float64(time.Second))
		return d, &model.Overloaded{Status: 429, RetryAfter: wait,
			Msg:   fmt.Sprintf("%s sent more than %d requests per second; retry after the Retry-After seconds", who, d.Limit),
			Limit: d.Limit, Remaining: 0, Reset: d.Reset}
	}
	b.tokens--
	d.Remaining = int(b.tokens)
	d.Reset = time.Duration((capacity - b.tokens) / rate * float64(time.Second))
	return d, nil
}

// sweep drops, every 4096 calls, the buckets that have refilled: they are
// the same as a new one, so memory follows the active clients and addresses.
func (l *Limiter) sweep(now time.Time) {
	l.calls++
	if l.calls%4096 != 0 {
		return
	}
	full := time.Duration(l.cfg.Burst * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) > full {
			delete(l.buckets, k)
		}
	}
}
