package httpx

import (
	"context"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// UnknownProperties counts the members dialect bodies carried that kehu
// ignored, by API and route (never by member name: clients choose those,
// and a label per name would let them grow the metric without bound; the
// debug log line names them).
var UnknownProperties = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "kehu_dialect_unknown_properties_total",
	Help: "Unknown JSON members ignored in platform API request bodies, by API and route.",
}, []string{"api", "route"})

// NoteUnknown records the unknown members (JSON paths) of one request body:
// a debug log line naming them, and the counter.
func NoteUnknown(ctx context.Context, paths []string) {
	if len(paths) == 0 {
		return
	}
	info := infoOf(ctx)
	api, route, log := "", "unmatched", slog.Default()
	if info != nil {
		api, log = info.api, info.log
		if info.route != "" {
			route = info.route
		}
	}
	UnknownProperties.WithLabelValues(api, route).Add(float64(len(paths)))
	if log.Enabled(ctx, slog.LevelDebug) {
		if len(paths) > 20 {
			paths = append(paths[:20:20], "…")
		}
		log.LogAttrs(ctx, slog.LevelDebug, "unknown properties ignored", slog.String("api", api), slog.String("route", route),
			slog.String("properties", strings.Join(paths, ",")))
	}
}
