package background

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Panics counts the panics recovered in background work, by job: a bug
// that would have ended the process shows here, in the log (level ERROR,
// with the stack) and in the job's own state (an import failed, a
// delivery attempt failed), while the node keeps serving.
var Panics = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "kehu_background_panics_total",
	Help: "Panics recovered in background jobs (feed, webhooks, recycling, imports, pruning), by job.",
}, []string{"job"})

// PanicError is a recovered panic as an error, for a job that records its
// failure (an import, a delivery attempt). Its message is the panic's;
// the stack goes to the log.
type PanicError struct {
	Job   string
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("internal error in %s: %v", e.Job, e.Value) }

// Recovered logs (ERROR, with the stack) and counts a panic recovered in
// job, and returns it as a *PanicError. Call it with recover()'s value from
// a deferred function; a nil value returns nil.
func Recovered(log *slog.Logger, job string, p any) *PanicError {
	e := Caught(job, p)
	if e != nil {
		Report(log, e)
	}
	return e
}

// Caught is Recovered without the log and the count, for work that hands
// the panic to its caller as an error (an import's goroutines; the caller
// reports it once, with Report).
func Caught(job string, p any) *PanicError {
	if p == nil {
		return nil
	}
	return &PanicError{Job: job, Value: p, Stack: debug.Stack()}
}

// Report logs (ERROR, with the stack and attrs) and counts a recovered
// panic: the one log line and metric every background panic gets.
func Report(log *slog.Logger, e *PanicError, attrs ...any) {
	if log == nil {
		log = slog.Default()
	}
	Panics.WithLabelValues(e.Job).Inc()
	log.Error("background job panicked", append([]any{slog.String("job", e.Job), slog.Any("panic", e.Value), slog.String("stack", string(e.Stack))}, attrs...)...)
}

// Guard runs fn and returns its panic, if any, as a *PanicError (logged and
// counted by Recovered).
func Guard(log *slog.Logger, job string, fn func()) (err *PanicError) {
	defer func() { err = Recovered(log, job, recover()) }()
	fn()
	return nil
}

// Loop runs a long-lived job (a loop that returns when ctx ends) so that a
// panic does not end the process or the job: the panic is logged and
// counted, and fn starts again after a pause (1 s, doubling up to a
// minute while it keeps panicking; back to 1 s once a run lasted a
// minute). Loop returns when fn returns normally or ctx is done.
func Loop(ctx context.Context, log *slog.Logger, job string, fn func(ctx context.Context)) {
	pause := time.Second
	for {
		start := time.Now()
		if Guard(log, job, func() { fn(ctx) }) == nil {
			return
		}
		if time.Since(start) > time.Minute {
			pause = time.Second
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, time.Minute)
	}
}
