package bench

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Result is one workload's outcome.
type Result struct {
	Name        string  `json:"name"`
	API         string  `json:"api"`
	Description string  `json:"description"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	RPS         float64 `json:"requestsPerSecond"`
	P50         float64 `json:"p50Ms"`
	P95         float64 `json:"p95Ms"`
	P99         float64 `json:"p99Ms"`
	Max         float64 `json:"maxMs"`
	Rows        int64   `json:"rows"`
	RowsPerSec  float64 `json:"rowsPerSecond"`
	Total       int64   `json:"total"` // the total the last good response reported; -1 if none
	FirstError  string  `json:"firstError,omitempty"`
	// Single is the same workload with one client: latency without
	// queueing behind the other clients (the service time).
	Single *Result `json:"singleClient,omitempty"`
	// PeakRSS is the process's peak RSS during this workload (VmHWM, reset
	// before it starts).
	PeakRSS int64 `json:"peakRssBytes,omitempty"`
	// Webhooks is what the local receiver got during the run (--webhooks).
	Webhooks *WebhookResult `json:"webhooks,omitempty"`
}

type sample struct {
	lat   time.Duration
	rows  int
	total int64
	err   error
}

// run drives w with n concurrent clients for d, after a short warm-up
// whose requests are not counted.
func run(ctx context.Context, c *clients, w *workload, n int, d time.Duration) *Result {
	warm := min(time.Second, d/10)
	var mu sync.Mutex
	var all []sample
	var wg sync.WaitGroup
	start := time.Now()
	measureFrom := start.Add(warm)
	stop := measureFrom.Add(d)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(k)+1, uint64(time.Now().UnixNano())))
			var mine []sample
			var buf bytes.Buffer // response bodies, reused: the client should not weigh on the RSS
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if !t0.Before(stop) {
					break
				}
				s := onceBuf(ctx, c, w, r, i, &buf)
				s.lat = time.Since(t0)
				if t0.After(measureFrom) {
					mine = append(mine, s)
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(k)
	}
	wg.Wait()
	return summarize(w, all, time.Since(measureFrom))
}

// summarize turns the samples of one workload, measured over elapsed,
// into its Result: what run and the soak report alike.
func summarize(w *workload, all []sample, elapsed time.Duration) *Result {
	res := &Result{Name: w.Name, API: w.API, Description: w.Description, Total: -1}
	lats := make([]time.Duration, 0, len(all))
	for _, s := range all {
		res.Requests++
		if s.err != nil {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = s.err.Error()
			}
			continue
		}
		lats = append(lats, s.lat)
		res.Rows += int64(s.rows)
		if s.total >= 0 {
			res.Total = s.total
		}
	}
	if secs := elapsed.Seconds(); secs > 0 {
		res.RPS = float64(res.Requests) / secs
		res.RowsPerSec = float64(res.Rows) / secs
	}
	slices.Sort(lats)
	pct := func(p float64) float64 {
		if len(lats) == 0 {
			return 0
		}
		return float64(lats[min(len(lats)-1, int(p*float64(len(lats))))].Microseconds()) / 1000
	}
	res.P50, res.P95, res.P99 = pct(0.50), pct(0.95), pct(0.99)
	if len(lats) > 0 {
		res.Max = float64(lats[len(lats)-1].Microseconds()) / 1000
	}
	return res
}

func once(ctx context.Context, c *clients, w *workload, r *rand.Rand, i int) sample {
	var buf bytes.Buffer
	return onceBuf(ctx, c, w, r, i, &buf)
}

func onceBuf(ctx context.Context, c *clients, w *workload, r *rand.Rand, i int, buf *bytes.Buffer) sample {
	req, err := w.request(c, r, i)
	if err != nil {
		return sample{err: err}
	}
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		return sample{err: err}
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return sample{err: err}
	}
	rows, total, err := w.check(resp.StatusCode, buf.Bytes())
	return sample{rows: rows, total: total, err: err}
}
