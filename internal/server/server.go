// Package server assembles kehu's HTTP surface — the native API under /v1,
// the three platform dialects at their own paths, /openapi.json, /docs,
// the web console (internal/ui) at /, health and metrics — and runs it
// with graceful shutdown: on SIGTERM or SIGINT it stops accepting, lets
// requests in flight finish, then returns.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kehu/kehu/internal/admission"
	"github.com/kehu/kehu/internal/api"
	"github.com/kehu/kehu/internal/apidocs"
	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/ratelimit"
	"github.com/kehu/kehu/internal/recycle"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/ui"
	"github.com/kehu/kehu/internal/webhook"
)

// Deps are what the handlers share.
type Deps struct {
	Store *store.Store
	Svc   *crm.Service
	Auth  *auth.Service
	Log   *slog.Logger
	// People runs staff logins; nil: built from the others.
	People *people.Service
	// Limits bound the heavy work (exports, imports, large pages) of this
	// node; nil: admission.Default.
	Limits *admission.Limits
	// StreamIdle is how long a streamed download may go without progress
	// before it is cut off; 0: httpx.StreamIdle.
	StreamIdle time.Duration
	// RateLimits are the request budgets per client and per address; nil:
	// none (kehu serve always sets them).
	RateLimits *ratelimit.Limiter
	// RequestTimeout is how long a request may work, its database
	// statements included, before it is stopped and answered 503; 0:
	// httpx.RequestTimeout. Streams and long polls extend theirs.
	RequestTimeout time.Duration
	// Retention is how long change events (the feed and customer history)
	// are kept; 0 keeps them for ever.
	Retention time.Duration
	// Webhooks manages subscriptions and delivers them (StartBackground);
	// made with the defaults when nil.
	Webhooks *webhook.Service
	// Background runs the work requests start (imports); StartBackground's
	// stop cancels it and waits for it. Made on first use when nil.
	Background *background.Group
	// Recycler moves customers back to their 公海 (StartBackground); made
	// with the defaults when nil.
	Recycler *recycle.Runner
}

// setup fills in the defaults of d.
func (d *Deps) setup() {
	if d.Webhooks == nil {
		d.Webhooks = webhook.New(d.Store, d.Auth.Keys, d.Svc.Engine, d.Log)
	}
	if d.Background == nil {
		d.Background = background.New(context.Background())
	}
	if d.Background.Log == nil {
		d.Background.Log = d.Log
	}
	if d.Recycler == nil {
		d.Recycler = &recycle.Runner{Svc: d.Svc, Log: d.Log}
	}
}

// Mount is a dialect handler and the path patterns it answers.
type Mount struct {
	Via      model.Via // for the audit log and the change events made through it
	Patterns []string
	Handler  http.Handler
}

// Handler builds the root handler with its own metrics registry.
func Handler(d *Deps) http.Handler {
	d.setup()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(dbCollector{d.Store}, d.Webhooks.Collector())
	reg.MustRegister(d.Recycler.Collectors()...)
	reg.MustRegister(background.Panics)
	metrics := httpx.NewMetrics(reg)

	if d.Limits == nil {
		d.Limits = admission.Default(runtime.GOMAXPROCS(0))
	}
	d.Svc.Engine.Heavy = d.Limits.Pages

	// Every line logged with a request's context carries its id, tenant
	// and client.
	d.Log = httpx.WithRequestContext(d.Log)
	mux := http.NewServeMux()
	native := api.NewHandler(d.Svc, d.Auth, d.Log)
	if d.People == nil {
		d.People = &people.Service{Store: d.Store, Keys: d.Auth.Keys, CRM: d.Svc, Guard: d.Auth.Guard}
	}
	native.People = d.People
	native.Limits = d.Limits
	if d.StreamIdle > 0 {
		native.StreamIdle = d.StreamIdle
	}
	native.Webhooks = d.Webhooks
	native.Background = d.Background
	mux.Handle("/v1/", via(model.ViaNative, audit.ViaHandler(model.ViaNative, native)))
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(api.OpenAPI)
	})
	docs := apidocs.Handler("/openapi.json", platformDocs()...)
	mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) { httpx.SetRoute(r); docs.ServeHTTP(w, r) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		httpx.WriteJSON(w, 200, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.Store.Ping(ctx); err != nil {
			d.Log.Warn("readiness check failed", slog.Any("error", err))
			w.Header().Set("Retry-After", "5")
			httpx.WriteJSON(w, 503, map[string]string{"status": "unavailable", "reason": "database unreachable"})
			return
		}
		if f := d.Store.WriteFault(); f != nil {
			// Reads work, writes do not: a read-only or full disk. Not
			// ready, and saying why (the fault's safe message).
			w.Header().Set("Retry-After", "5")
			httpx.WriteJSON(w, 503, map[string]string{"status": "unavailable", "reason": "the database refuses writes: " + f.Msg})
			return
		}
		out := map[string]any{"status": "ready", "database": d.Store.Dialect()}
		if d.Store.HasReplicas() {
			// A replica down or lagging leaves the node ready: its reads go
			// to the primary.
			out["replicas"] = d.Store.Replicas(ctx)
		}
		httpx.WriteJSON(w, 200, out)
	})
	prom := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) { httpx.SetRoute(r); prom.ServeHTTP(w, r) })
	for _, mk := range dialects() {
		m := mk(d)
		for _, p := range m.Patterns {
			h := via(m.Via, audit.ViaHandler(m.Via, m.Handler))
			mux.Handle(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { httpx.SetRoute(r); h.ServeHTTP(w, r) }))
		}
	}
	// The web console: / (the customers list), /login, its pages and
	// /static/, all on the same people sessions and crm callers as /v1.
	console, err := ui.New(d.Svc, d.People, d.Log)
	if err != nil {
		panic(err) // the embedded templates do not parse: a build defect, caught by every test
	}
	console.Webhooks = d.Webhooks
	consoleH := via(model.ViaConsole, audit.ViaHandler(model.ViaConsole, console))
	for _, p := range console.Patterns() {
		mux.Handle(p, consoleH)
	}
	// Everything else: a problem document like the native API's, never Go's
	// plain-text "404 page not found".
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSONType(w, http.StatusNotFound, "application/problem+json", map[string]any{
			"type": "urn:kehu:problem:not_found", "title": "Not Found", "status": 404, "code": "not_found",
			"detail": "no endpoint " + r.Method + " " + r.URL.Path + "; the native API is under /v1 (see /docs and /openapi.json)"})
	})
	return httpx.Observe(httpx.Budget(audit.Middleware(httpx.WithLimiter(mux, d.RateLimits)), d.RequestTimeout), d.Log, metrics)
}

// via tags every request's context with the API it came through, so the
// change events its writes record name that API.
func via(v model.Via, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(store.WithOrigin(r.Context(), store.Origin{Via: v})))
	})
}

// dbCollector exports the database pool statistics.
type dbCollector struct{ st *store.Store }

var (
	dbOpen  = prometheus.NewDesc("kehu_db_connections_open", "Open database connections by pool.", []string{"pool"}, nil)
	dbInUse = prometheus.NewDesc("kehu_db_connections_in_use", "Database connections in use by pool.", []string{"pool"}, nil)
	dbWait  = prometheus.NewDesc("kehu_db_wait_seconds_total", "Time spent waiting for a database connection by pool.", []string{"pool"}, nil)
)

var dbReads = prometheus.NewDesc("kehu_db_readonly_queries_total", "Queries of read-only work (searches, counts, exports, pages) by where they ran: the primary or a read replica (--db-replica).", []string{"target"}, nil)
var dbReplicaRetries = prometheus.NewDesc("kehu_db_replica_retries_total", "Read-only work a read replica failed part-way (it stopped, or cancelled the statement in a conflict with recovery) and that ran again on the primary.", nil, nil)

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbOpen
	ch <- dbInUse
	ch <- dbWait
	ch <- dbReads
	ch <- dbReplicaRetries
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	w, r := c.st.DBStats()
	for pool, s := range map[string]struct {
		open, inUse int
		wait        time.Duration
	}{
		"writer": {w.OpenConnections, w.InUse, w.WaitDuration}, "reader": {r.OpenConnections, r.InUse, r.WaitDuration}} {
		ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(s.open), pool)
		ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(s.inUse), pool)
		ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, s.wait.Seconds(), pool)
	}
	if reps, primary := c.st.ReadRoutes(); reps != nil {
		ch <- prometheus.MustNewConstMetric(dbReads, prometheus.CounterValue, float64(primary), "primary")
		for i, n := range reps {
			ch <- prometheus.MustNewConstMetric(dbReads, prometheus.CounterValue, float64(n), fmt.Sprintf("replica%d", i+1))
		}
		ch <- prometheus.MustNewConstMetric(dbReplicaRetries, prometheus.CounterValue, float64(c.st.ReplicaRetries()))
	}
}

// Run serves h on addr until ctx is done, then shuts down gracefully:
// no new connections, requests in flight get up to 30 s to finish.
func Run(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// Reading a body and writing an answer are bounded per request
	// (httpx.Deadlines, set by Observe; streams and uploads extend theirs),
	// not here: a server-wide WriteTimeout would cut every export.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: httpx.ReadHeaderTimeout, IdleTimeout: httpx.IdleTimeout,
		MaxHeaderBytes: httpx.MaxHeaderBytes, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("kehu listening", slog.String("addr", ln.Addr().String()))
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
