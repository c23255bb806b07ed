package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the HTTP metrics of one server.
type Metrics struct {
	Requests *prometheus.CounterVec
	Latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kehu_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kehu_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route"}),
	}
	reg.MustRegister(m.Requests, m.Latency, UnknownProperties)
	return m
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

type ctxKey int

const routeKey ctxKey = 0

// reqInfo is what Observe learns about a request while it is served: the
// route pattern (for logs and metrics) and the API that answered it.
type reqInfo struct {
	route, api string
	log        *slog.Logger
	tenant     int64  // SetCaller
	client     string // SetCaller
	aborted    error  // why PageWriter.Fail cut the answer off
}

func infoOf(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(routeKey).(*reqInfo)
	return i
}

// Observe wraps the root handler: it recovers panics (answering a bare 500,
// logging the stack), logs each request once with slog, and records metrics
// by route pattern (r.Pattern as set by ServeMux, never the raw path, so ids
// do not explode the label space).
func Observe(next http.Handler, log *slog.Logger, m *Metrics) http.Handler {
	log = WithRequestContext(log)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		Deadlines(w)
		r, _ = withRequestID(w, r)
		rec := &recorder{ResponseWriter: w}
		info := &reqInfo{log: log}
		r = r.WithContext(context.WithValue(r.Context(), routeKey, info))
		defer func() {
			p := recover()
			aborted := IsAbort(p)
			if p != nil && !aborted {
				log.ErrorContext(r.Context(), "panic", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				if rec.status == 0 {
					http.Error(rec, `{"error":"internal error"}`, http.StatusInternalServerError)
				}
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			d := time.Since(start)
			pattern := info.route
			if pattern == "" {
				pattern = "unmatched"
			}
			if m != nil {
				m.Requests.WithLabelValues(pattern, strconv.Itoa(rec.status)).Inc()
				m.Latency.WithLabelValues(pattern).Observe(d.Seconds())
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.Group("request", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", pattern)),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes), slog.Float64("durationMs", float64(d.Microseconds())/1000),
				slog.String("remote", r.RemoteAddr)}
			if info.api != "" {
				attrs = append(attrs, slog.String("api", info.api))
			}
			if aborted {
				// Cut off after its first bytes (PageWriter.Fail): the
				// status the client saw, and why it got no more.
				level = slog.LevelError
				attrs = append(attrs, slog.Bool("aborted", true))
				if info.aborted != nil {
					attrs = append(attrs, slog.Any("error", info.aborted))
				}
			}
			// The request id, tenant and client come from the context
			// (LogHandler), as on every other line of the request.
			log.LogAttrs(r.Context(), level, "request", attrs...)
			if aborted {
				panic(p) // net/http closes the connection, quietly
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// SetRoute records the matched route pattern for logs and metrics; muxes
// call it (ServeMux sets r.Pattern on the inner request only).
func SetRoute(r *http.Request) {
	if i := infoOf(r.Context()); i != nil && r.Pattern != "" {
		i.route = r.Pattern
	}
}

// SetAPI records which API answers the request ("native", "dashi", …).
func SetAPI(r *http.Request, api string) {
	if i := infoOf(r.Context()); i != nil {
		i.api = api
	}
}
