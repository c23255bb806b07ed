package httpx

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// RequestTimeout is how long a request may work — its database statements
// included — before its context ends with context.DeadlineExceeded. The
// database stops the statement it was running (PostgreSQL through a cancel
// request, SQLite through an interrupt) and the API answers 503 with
// Retry-After in its own envelope (store.Faulted). It is shorter than
// RequestWrite, so a request that ran out of time can still say so.
// Streams and long polls move it forward (ExtendBudget).
const RequestTimeout = time.Minute

// Budget gives every request a deadline of d (RequestTimeout when d <= 0)
// that the handler may move forward with ExtendBudget: a stream on every
// write that makes progress, a long poll by its wait, an upload by its read
// deadline. The standard context.WithTimeout cannot move, which is why this
// is its own context.
func Budget(next http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		d = RequestTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := newBudget(r.Context(), d)
		defer b.end(context.Canceled)
		next.ServeHTTP(w, r.WithContext(b))
	})
}

// ExtendBudget moves the deadline of ctx's request to at least d from now.
// It does nothing outside a Budget or once the deadline has passed.
func ExtendBudget(ctx context.Context, d time.Duration) {
	if b, ok := ctx.Value(budgetKey{}).(*budget); ok {
		b.extend(d)
	}
}

type budgetKey struct{}

// budget is a context that ends when its parent does or when its timer
// fires (Err: context.DeadlineExceeded); the timer can be pushed later.
// Deadline reports the parent's only: a deadline that moves is not one a
// caller may plan with, and the context may end before any it reports,
// like a canceled one.
type budget struct {
	context.Context
	done  chan struct{}
	mu    sync.Mutex
	err   error
	until time.Time
	timer *time.Timer
	stop  func() bool
}

func newBudget(parent context.Context, d time.Duration) *budget {
	b := &budget{Context: parent, done: make(chan struct{}), until: time.Now().Add(d)}
	b.mu.Lock() // the timer and the parent may fire before both are set
	defer b.mu.Unlock()
	b.timer = time.AfterFunc(d, b.expire)
	b.stop = context.AfterFunc(parent, func() { b.end(parent.Err()) })
	return b
}

func (b *budget) Done() <-chan struct{} { return b.done }

func (b *budget) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *budget) Value(key any) any {
	if key == (budgetKey{}) {
		return b
	}
	return b.Context.Value(key)
}

// expire is the timer's: it ends the request unless extend moved the
// deadline while the timer was firing (the reset timer fires again).
func (b *budget) expire() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Now().Before(b.until) {
		return
	}
	b.endLocked(context.DeadlineExceeded)
}

func (b *budget) end(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endLocked(err)
}

func (b *budget) endLocked(err error) {
	if b.err != nil {
		return
	}
	b.err = err
	close(b.done)
	b.timer.Stop()
	b.stop()
}

func (b *budget) extend(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return
	}
	if until := time.Now().Add(d); until.After(b.until) {
		b.until = until
		b.timer.Reset(d)
	}
}
