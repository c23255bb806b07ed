package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/exporter"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// exportCustomers: GET /v1/customers/export?format=csv|xlsx&filter=…&sort=…
// streams every matching customer (all system and custom fields, readable
// headers) in constant memory: the engine is walked with keyset cursors a
// page at a time. A bad filter or sort is a 400 before anything is sent.
func (h *Handler) exportCustomers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "format", "filter", "sort":
		default:
			return problem(400, "unknown_parameter", k, "unknown query parameter "+strconv.Quote(k)+"; expected format, filter, sort")
		}
	}
	cl := callerOf(r.Context()).client
	req := exporter.Request{TenantID: cl.TenantID, ProjectID: cl.ProjectID, Format: q.Get("format")}
	if req.Format == "" {
		req.Format = "csv"
	}
	if req.Format != "csv" && req.Format != "xlsx" {
		return model.Invalid("format", "must be csv or xlsx")
	}
	if v := q.Get("filter"); v != "" {
		n, err := query.ParseString(v, query.DefaultLimits)
		if err != nil {
			return err
		}
		req.Filter = n
	}
	var err error
	if req.Sort, err = parseSort(q.Get("sort")); err != nil {
		return err
	}
	walk, err := (&exporter.Exporter{Svc: h.Svc}).Start(r.Context(), req)
	if err != nil {
		return err
	}
	// Recorded before the first byte: an export that starts is an export.
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.CustomerExport, audit.None,
		map[string]any{"format": req.Format, "filter": q.Get("filter"), "sort": q.Get("sort"), "projectId": req.ProjectID}); err != nil {
		return err
	}
	setDownload(w, req.Format, "customers-"+time.Now().In(exportZone).Format("20060102-150405"))
	n, err := walk.WriteTo(r.Context(), w)
	if err != nil {
		// Headers are gone: the client sees a truncated file.
		h.Log.Error("export aborted", slog.Int64("rows", n), slog.Any("error", err))
	}
	return nil
}

var exportZone = time.FixedZone("CST", 8*3600)
