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
// Streams, long polls and uploads move it forward (Stream, Extend); kehu
// serve --request-timeout sets another.
const RequestTimeout = time.Minute

// Budget gives every request a deadline of d (RequestTimeout when d <= 0;
// kehu serve --request-timeout) that the handler may move forward: a stream
// on every write that makes progress (Stream), a long poll by its wait and
// an upload by its read deadline (Extend). The standard context.WithTimeout
// cannot move, which is why this is its own context. The answer may be
// written until writeMargin after the budget (RequestWrite from the start
// for the default budget or a shorter one), so a request that ran out of
// time can still say so.
func Budget(next http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		d = RequestTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := newBudget(r.Context(), d)
		b.write = time.Now().Add(max(RequestWrite, d+writeMargin))
		if d > RequestTimeout { // Deadlines gave it RequestWrite
			_ = http.NewResponseController(w).SetWriteDeadline(b.write)
		}
		defer b.end(context.Canceled)
		next.ServeHTTP(w, r.WithContext(b))
	})
}

// writeMargin is how long after its budget a request may still write its
// answer: the 503 of a request that ran out of time.
const writeMargin = RequestWrite - RequestTimeout

// Extend gives ctx's request d from now to work (ExtendBudget) and its
// answer writeMargin more to be written: a long poll its wait plus its
// budget, an upload its read deadline. It never brings either closer.
// Streams move theirs with Stream instead, whose write deadline must stay
// short to cut a stalled reader off.
func Extend(ctx context.Context, w http.ResponseWriter, d time.Duration) {
	b, ok := ctx.Value(budgetKey{}).(*budget)
	if !ok {
		return
	}
	b.extend(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := time.Now().Add(d + writeMargin); until.After(b.write) {
		b.write = until
		_ = http.NewResponseController(w).SetWriteDeadline(until)
	}
}

// BudgetOf is the time budget ctx's request started with (RequestTimeout
// outside a Budget): what a stream's step or a long poll's read may take
// after its wait.
func BudgetOf(ctx context.Context) time.Duration {
	if b, ok := ctx.Value(budgetKey{}).(*budget); ok {
		return b.d
	}
	return RequestTimeout
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
	d     time.Duration // the budget it started with
	write time.Time     // the write deadline Budget or Extend last set
	mu    sync.Mutex
	err   error
	until time.Time
	timer *time.Timer
	stop  func() bool
}

func newBudget(parent context.Context, d time.Duration) *budget {
	b := &budget{Context: parent, done: make(chan struct{}), d: d, until: time.Now().Add(d)}
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
