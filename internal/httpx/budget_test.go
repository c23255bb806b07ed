package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestBudget: a request's context ends with DeadlineExceeded at its
// budget, moves when extended, and ends with Canceled when its client
// leaves; Deadline never promises a time the budget may pass.
func TestBudget(t *testing.T) {
	run := func(d time.Duration, fn func(r *http.Request)) {
		h := Budget(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn(r) }), d)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	run(50*time.Millisecond, func(r *http.Request) {
		ctx := r.Context()
		if _, ok := ctx.Deadline(); ok {
			t.Error("a budget reports a deadline")
		}
		start := time.Now()
		<-ctx.Done()
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) || time.Since(start) > time.Second {
			t.Errorf("after the budget: %v after %v", ctx.Err(), time.Since(start))
		}
	})
	// Steps well inside each extension (a loaded CI machine oversleeps by
	// tens of milliseconds), and more progress in all than the budget.
	run(300*time.Millisecond, func(r *http.Request) {
		ctx := r.Context()
		for range 6 { // 360 ms of progress in 60 ms steps
			time.Sleep(60 * time.Millisecond)
			ExtendBudget(ctx, 300*time.Millisecond)
		}
		if ctx.Err() != nil {
			t.Errorf("an extended budget ended: %v", ctx.Err())
		}
		<-ctx.Done()
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Errorf("after the extensions: %v", ctx.Err())
		}
	})
	parent, cancel := context.WithCancel(context.Background())
	h := Budget(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
		if !errors.Is(r.Context().Err(), context.Canceled) {
			t.Errorf("client gone: %v", r.Context().Err())
		}
	}), time.Hour)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(parent))
}
