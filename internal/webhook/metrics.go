package webhook

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kehu/kehu/internal/store"
)

// metrics are this node's delivery counters; queue depth, lag and
// failures per subscription come from the database on every scrape
// (Collector), so any node reports the whole cluster's queue.
type metrics struct {
	attempts *prometheus.CounterVec
	latency  prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kehu_webhook_attempts_total",
			Help: "Webhook delivery attempts made by this node, by outcome (delivered, failed, gave_up)."}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kehu_webhook_attempt_seconds",
			Help: "Duration of webhook delivery attempts made by this node.", Buckets: prometheus.DefBuckets}),
	}
}

func (m *metrics) observe(_ *store.ClaimedDelivery, r store.DeliveryResult) {
	outcome := "delivered"
	switch {
	case r.GiveUp:
		outcome = "gave_up"
	case !r.OK:
		outcome = "failed"
	}
	m.attempts.WithLabelValues(outcome).Inc()
	m.latency.Observe(r.Latency.Seconds())
}

var (
	queueDepth = prometheus.NewDesc("kehu_webhook_queue_depth", "Pending deliveries per webhook subscription.", []string{"tenant", "webhook"}, nil)
	lag        = prometheus.NewDesc("kehu_webhook_delivery_lag_seconds", "Age of the oldest pending delivery's event per webhook subscription (0 when none is pending).", []string{"tenant", "webhook"}, nil)
	failures   = prometheus.NewDesc("kehu_webhook_failures_total", "Failed delivery attempts per webhook subscription, ever.", []string{"tenant", "webhook"}, nil)
	enabled    = prometheus.NewDesc("kehu_webhook_enabled", "1 when the webhook subscription is enabled, 0 when disabled.", []string{"tenant", "webhook"}, nil)
)

// Collector exports the delivery metrics on /metrics.
func (s *Service) Collector() prometheus.Collector {
	s.init()
	return collector{s}
}

type collector struct{ s *Service }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepth
	ch <- lag
	ch <- failures
	ch <- enabled
	c.s.stats.attempts.Describe(ch)
	c.s.stats.latency.Describe(ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.s.stats.attempts.Collect(ch)
	c.s.stats.latency.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	stats, err := c.s.Store.WebhookStats(ctx)
	if err != nil {
		return // a scrape without queue metrics rather than a failed scrape
	}
	now := time.Now()
	for _, st := range stats {
		t, w := strconv.FormatInt(st.TenantID, 10), strconv.FormatInt(st.WebhookID, 10)
		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(st.Pending), t, w)
		age := 0.0
		if !st.Oldest.IsZero() {
			age = max(0, now.Sub(st.Oldest).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(lag, prometheus.GaugeValue, age, t, w)
		ch <- prometheus.MustNewConstMetric(failures, prometheus.CounterValue, float64(st.Failures), t, w)
		on := 0.0
		if st.Enabled {
			on = 1
		}
		ch <- prometheus.MustNewConstMetric(enabled, prometheus.GaugeValue, on, t, w)
	}
}
