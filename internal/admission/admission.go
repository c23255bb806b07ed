// Package admission bounds how much expensive work — large pages, exports,
// imports — a node runs at once, per tenant and overall, so cheap requests
// (a point lookup, a small page) keep their latency while heavy ones wait
// their turn. A request beyond the limits queues briefly; if no slot frees
// in time it is refused with an model.Overloaded: 429 when its tenant holds
// its whole share (the others are served), 503 when the node is full.
//
// The limits are per node on purpose: they protect this process's CPU,
// memory and database connections, which are per node too. N nodes run at
// most N times the overall limit against one database.
package admission

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// Limiter is one class of heavy work (exports, say) with its own slots.
type Limiter struct {
	name      string
	perTenant int
	total     chan struct{}
	wait      time.Duration

	mu      sync.Mutex
	tenants map[int64]chan struct{}
}

// New returns a limiter allowing perTenant concurrent holders per tenant
// and total overall, each request queueing at most wait for a slot.
func New(name string, perTenant, total int, wait time.Duration) *Limiter {
	return &Limiter{name: name, perTenant: max(perTenant, 1), total: make(chan struct{}, max(total, 1)), wait: wait,
		tenants: map[int64]chan struct{}{}}
}

func (l *Limiter) tenant(id int64) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.tenants[id]
	if !ok {
		c = make(chan struct{}, l.perTenant)
		l.tenants[id] = c
	}
	return c
}

type admittedKey struct{}

// Admitted marks ctx as running under a heavy-work slot already (an
// export's walk): limiters then admit its inner steps without a slot of
// their own, so one export never waits for itself or holds two slots.
func Admitted(ctx context.Context) context.Context {
	return context.WithValue(ctx, admittedKey{}, true)
}

// Acquire takes a slot for tenant, waiting up to the limiter's wait (or
// until ctx ends). The release function must be called when the work ends.
func (l *Limiter) Acquire(ctx context.Context, tenant int64) (release func(), err error) {
	if l == nil || ctx.Value(admittedKey{}) != nil {
		return func() {}, nil
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	tc := l.tenant(tenant)
	select {
	case tc <- struct{}{}:
	case <-t.C:
		return nil, &model.Overloaded{Status: 429, RetryAfter: l.retryAfter(),
			Msg: fmt.Sprintf("this tenant already runs %d %s at once; retry later", l.perTenant, l.name)}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case l.total <- struct{}{}:
	case <-t.C:
		<-tc
		return nil, &model.Overloaded{Status: 503, RetryAfter: l.retryAfter(),
			Msg: fmt.Sprintf("the server runs as many %s as it can (%d); retry later", l.name, cap(l.total))}
	case <-ctx.Done():
		<-tc
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-l.total; <-tc }) }, nil
}

// retryAfter: a slot is likely free again after about the time a request
// was willing to wait.
func (l *Limiter) retryAfter() time.Duration { return max(l.wait, time.Second) }

// InUse reports the slots taken overall (for metrics and tests).
func (l *Limiter) InUse() int { return len(l.total) }

// Limits are the node's heavy-work classes. A nil *Limits admits all.
type Limits struct {
	Exports *Limiter // streamed exports: long, memory per stream
	Pages   *Limiter // pages of LargePage rows or more, any API
	Imports *Limiter // imports over HTTP (jobs running in the background)
}

// LargePage is the page size from which a search counts as heavy work.
const LargePage = 500

// Default are the limits `kehu serve` runs with: exports 2 per tenant and 4
// per node; imports 2 per tenant, 4 per node; large pages one CPU fewer than
// the node has (at least 1) at once, half of them (at least 1) per tenant,
// queueing up to 10 s. A large page is CPU work from the first row to the
// last byte of JSON: the CPU it leaves free is the lane that cheap requests
// (a phone lookup, a page of 20) run in beside any number of large pages.
// Two pages per CPU, as before, filled every CPU and put a phone lookup at
// p99 160–310 ms beside 8 clients of 4,000-row pages, now 87–114 ms on a
// loaded 2-core machine (BENCHMARKS.md, "Holding under load").
func Default(cpus int) *Limits {
	heavy := max(cpus-1, 1)
	return &Limits{
		Exports: New("exports", 2, 4, 2*time.Second),
		Pages:   New("large pages", max(heavy/2, 1), heavy, 10*time.Second),
		Imports: New("imports", 2, 4, time.Second),
	}
}
