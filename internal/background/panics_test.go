package background

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// count is kehu_background_panics_total{job} as a scrape sees it.
func count(job string) float64 {
	reg := prometheus.NewRegistry()
	reg.MustRegister(Panics)
	mfs, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "job" && l.GetValue() == job {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// panicLogged checks the log holds one JSON line per panic of job, at
// ERROR, with the panic's value and a stack.
func panicLogged(t *testing.T, out, job string, want int) {
	t.Helper()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l struct{ Level, Msg, Job, Panic, Stack string }
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if l.Msg == "background job panicked" && l.Job == job {
			n++
			if l.Level != "ERROR" || l.Panic == "" || !strings.Contains(l.Stack, "panics_test.go") {
				t.Errorf("panic line without level, value or stack: %s", line)
			}
		}
	}
	if n != want {
		t.Errorf("%d panic lines of %s, want %d:\n%s", n, job, want, out)
	}
}

// TestLoopSurvivesPanics: a long-lived job that panics twice is logged,
// counted and started again each time (after its pause), then runs until
// its context ends; the process lives on.
func TestLoopSurvivesPanics(t *testing.T) {
	var out syncBuffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	before := count("test-loop")
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		Loop(ctx, log, "test-loop", func(ctx context.Context) {
			if runs.Add(1) <= 2 {
				panic("pass failed")
			}
			<-ctx.Done()
		})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the job ran %d times; want it restarted after each panic", runs.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := count("test-loop") - before; got != 2 {
		t.Errorf("kehu_background_panics_total{job=test-loop} rose by %v, want 2", got)
	}
	panicLogged(t, out.String(), "test-loop", 2)
}

// TestLoopStopsDuringPause: a job that keeps panicking is not restarted
// once its context ends.
func TestLoopStopsDuringPause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Loop(ctx, slog.New(slog.DiscardHandler), "test-pause", func(context.Context) { panic("always") })
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Loop did not return after its context ended")
	}
}

// TestGroupGoSurvivesPanics: work a request started (Group.Go) that
// panics is logged and counted; the group stops normally.
func TestGroupGoSurvivesPanics(t *testing.T) {
	var out syncBuffer
	g := New(context.Background())
	g.Log = slog.New(slog.NewJSONHandler(&out, nil))
	before := count("request-job")
	g.Go(func(context.Context) { panic("bad row") })
	g.Stop()
	if got := count("request-job") - before; got != 1 {
		t.Errorf("request-job panics rose by %v, want 1", got)
	}
	panicLogged(t, out.String(), "request-job", 1)
	if pe := Guard(nil, "x", func() {}); pe != nil {
		t.Errorf("Guard of a quiet function: %v", pe)
	}
}
