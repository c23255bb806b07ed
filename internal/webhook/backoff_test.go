package webhook

import (
	"testing"
	"time"
)

// TestBackoffDefaults: with the defaults a failing delivery is retried
// after 5 s, 10 s, 20 s, … up to 6 h between attempts, each delay drawn
// between half and all of its step (jitter), and keeps being retried until
// three days after its first attempt.
func TestBackoffDefaults(t *testing.T) {
	s := &Service{}
	step := 5 * time.Second
	for attempt := 1; attempt <= 40; attempt++ {
		for range 50 {
			if d := s.backoff(attempt); d < step/2 || d > step {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt, d, step/2, step)
			}
		}
		step = min(2*step, 6*time.Hour)
	}
	if s.retryFor() != 72*time.Hour {
		t.Fatalf("retried for %v, want 3 days", s.retryFor())
	}
	// The longest and the shortest schedules both still try near the end
	// of the three days: the attempts before giving up.
	for _, draw := range []func(time.Duration) time.Duration{func(d time.Duration) time.Duration { return d / 2 }, func(d time.Duration) time.Duration { return d }} {
		var at time.Duration
		n := 0
		for step := 5 * time.Second; at < 72*time.Hour; n++ {
			at += draw(step)
			step = min(2*step, 6*time.Hour)
		}
		if n < 15 || n > 40 || at > 72*time.Hour+6*time.Hour {
			t.Fatalf("%d retries, the last %v after the first attempt", n, at)
		}
	}
	// The delays of one attempt differ (jitter): failing receivers are not
	// hit in step.
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[s.backoff(3)] = true
	}
	if len(seen) < 2 {
		t.Fatal("no jitter")
	}
}
