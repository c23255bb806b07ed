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

// TestBudgetOf: inside a Budget, the budget it was given (kehu serve
// --request-timeout), which streams and long polls extend by; outside,
// RequestTimeout.
func TestBudgetOf(t *testing.T) {
	if d := BudgetOf(context.Background()); d != RequestTimeout {
		t.Errorf("outside a budget: %v", d)
	}
	for _, d := range []time.Duration{0, 3 * time.Second, 5 * time.Minute} {
		want := d
		if d == 0 {
			want = RequestTimeout
		}
		Budget(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if got := BudgetOf(r.Context()); got != want {
				t.Errorf("Budget(%v): BudgetOf %v, want %v", d, got, want)
			}
		}), d).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
}

// deadlineWriter records the write deadlines http.ResponseController sets.
type deadlineWriter struct {
	http.ResponseWriter
	write []time.Time
}

func (d *deadlineWriter) SetWriteDeadline(t time.Time) error {
	d.write = append(d.write, t)
	return nil
}

// TestBudgetWriteDeadline: the answer of a request can be written until a
// minute after its budget: a budget longer than the default moves the 2 min
// write deadline out by as much; Extend (a long poll's wait, an upload's
// read) moves both and never brings the write deadline closer.
func TestBudgetWriteDeadline(t *testing.T) {
	near := func(got, want time.Time) bool { return got.Sub(want).Abs() < time.Second }
	serve := func(d time.Duration, fn func(w http.ResponseWriter, r *http.Request)) *deadlineWriter {
		w := &deadlineWriter{ResponseWriter: httptest.NewRecorder()}
		Budget(http.HandlerFunc(fn), d).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		return w
	}
	if w := serve(5*time.Second, func(http.ResponseWriter, *http.Request) {}); len(w.write) != 0 {
		t.Errorf("a short budget moved the write deadline: %v", w.write)
	}
	start := time.Now()
	if w := serve(10*time.Minute, func(http.ResponseWriter, *http.Request) {}); len(w.write) != 1 || !near(w.write[0], start.Add(11*time.Minute)) {
		t.Errorf("a 10 min budget: write deadlines %v, want 11 min from now", w.write)
	}
	start = time.Now()
	w := serve(5*time.Second, func(w http.ResponseWriter, r *http.Request) {
		Extend(r.Context(), w, time.Minute+5*time.Second) // wait=60s plus the budget
		Extend(r.Context(), w, time.Second)               // never closer
		if BudgetOf(r.Context()) != 5*time.Second {
			t.Errorf("Extend changed the budget a stream steps by: %v", BudgetOf(r.Context()))
		}
	})
	if len(w.write) != 1 || !near(w.write[0], start.Add(2*time.Minute+5*time.Second)) {
		t.Errorf("extended by 65 s: write deadlines %v, want 2m5s from now", w.write)
	}
	Extend(context.Background(), w, time.Hour) // outside a Budget: nothing
	if len(w.write) != 1 {
		t.Errorf("Extend outside a budget set a deadline")
	}
}
