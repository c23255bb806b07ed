// Package recycle runs 公海 recycling inside `kehu serve`: every node runs
// the loop, and the node holding the "pool-recycle" lease in the database
// does a pass (crm.Service.Recycle) each interval, renewing the lease
// between batches. A pass decides on locked rows inside its transactions,
// so even two nodes that both believe they hold the lease (a pass that
// outlived it) move each due customer once; a node that was down finds
// what fell due meanwhile on its first pass.
package recycle

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kehu/kehu/internal/crm"
)

// Lease is the name of the recycling lease.
const Lease = "pool-recycle"

// leaseFor is how long a lease lasts without renewal: a dead holder is
// replaced within this long.
const leaseFor = 2 * time.Minute

// Runner is the recycling loop of one node.
type Runner struct {
	Svc      *crm.Service
	Log      *slog.Logger
	Interval time.Duration // between passes; 0: one minute
	Batch    int           // customers per transaction; 0: crm's default

	metrics *metrics
}

type metrics struct {
	moved    *prometheus.CounterVec
	passes   *prometheus.CounterVec
	duration prometheus.Histogram
	last     prometheus.Gauge
}

func (r *Runner) init() {
	if r.metrics != nil {
		return
	}
	r.metrics = &metrics{
		moved: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kehu_pool_recycled_total",
			Help: "Customers this node moved back to their pool, by rule (recycle.follow, recycle.deal, recycle.date)."}, []string{"rule"}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kehu_pool_recycle_passes_total",
			Help: "Recycling passes this node ran, by outcome (ok, error)."}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kehu_pool_recycle_pass_seconds",
			Help: "Duration of this node's recycling passes.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 8)}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kehu_pool_recycle_last_pass_timestamp_seconds",
			Help: "When this node last finished a recycling pass (Unix time)."}),
	}
}

// Collectors are the runner's metrics, for /metrics.
func (r *Runner) Collectors() []prometheus.Collector {
	r.init()
	return []prometheus.Collector{r.metrics.moved, r.metrics.passes, r.metrics.duration, r.metrics.last}
}

// dateWalkEvery is how often a serving node's passes walk a pool's date
// rule (crm.RecycleOptions.DateWalkEvery): the rule counts days, and its
// walk reads every value up to the bound (seconds at a million customers).
const dateWalkEvery = 15 * time.Minute

// errLeaseLost stops a pass whose lease another node took.
var errLeaseLost = errors.New("recycle: lease lost")

// Run runs passes until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	r.init()
	every := r.Interval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTimer(time.Second) // first pass soon after start: catch up after downtime
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.Pass(ctx)
		t.Reset(every)
	}
}

// Pass runs one pass if this node holds (or takes) the lease, and reports
// whether it ran.
func (r *Runner) Pass(ctx context.Context) bool {
	r.init()
	st := r.Svc.Store
	ok, err := st.TryLease(ctx, Lease, leaseFor)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			r.Log.Warn("pool recycle lease", slog.Any("error", err))
		}
		return false
	}
	start := time.Now()
	rep, err := r.Svc.Recycle(ctx, crm.RecycleOptions{Batch: r.Batch, DateWalkEvery: dateWalkEvery, Keep: func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ok, err := st.TryLease(ctx, Lease, leaseFor); err != nil || !ok {
			return errors.Join(errLeaseLost, err)
		}
		return nil
	}})
	r.metrics.duration.Observe(time.Since(start).Seconds())
	if rep != nil {
		for rule, n := range rep.ByRule {
			r.metrics.moved.WithLabelValues(rule).Add(float64(n))
		}
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return true // shutting down
	case err != nil:
		r.metrics.passes.WithLabelValues("error").Inc()
		r.Log.Warn("pool recycle", slog.Any("error", err))
	default:
		r.metrics.passes.WithLabelValues("ok").Inc()
		r.metrics.last.SetToCurrentTime()
		if rep.Moved > 0 {
			r.Log.Info("pool recycle", slog.Int("moved", rep.Moved), slog.Int("scanned", rep.Scanned),
				slog.Int("skipped", rep.Skipped), slog.Duration("took", time.Since(start)))
		}
	}
	return true
}
