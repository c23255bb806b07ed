package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/admission"
	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/exporter"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// exportCustomers: GET /v1/customers/export?format=csv|xlsx&filter=…&sort=…
// streams every matching customer (all system and custom fields, readable
// headers) in constant memory: the engine is walked with keyset cursors a
// page at a time. A bad filter or sort is a 400 before anything is sent.
func (h *Handler) exportCustomers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "format", "filter", "sort", "columns":
		default:
			return problem(400, "unknown_parameter", k, "unknown query parameter "+strconv.Quote(k)+"; expected format, filter, sort, columns")
		}
	}
	cl := callerOf(r.Context()).client
	req := exporter.Request{Caller: whoOf(r), TenantID: cl.TenantID, ProjectID: cl.ProjectID, Format: q.Get("format")}
	if req.Format == "" {
		req.Format = "csv"
	}
	if req.Format != "csv" && req.Format != "xlsx" {
		return model.Invalid("format", "must be csv or xlsx")
	}
	if v := q.Get("filter"); v != "" {
		n, err := cond.ParseString(v, cond.DefaultLimits)
		if err != nil {
			return err
		}
		req.Filter = n
	}
	var err error
	if req.Sort, err = parseSort(q.Get("sort")); err != nil {
		return err
	}
	// columns=a,b or columns=a&columns=b (what an HTML form's checkboxes send).
	for _, v := range q["columns"] {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				req.Columns = append(req.Columns, k)
			}
		}
	}
	// Exports take turns (2 per tenant, 4 per node by default): each holds
	// a page of customers and a database cursor while it streams.
	release, err := h.Limits.Exports.Acquire(r.Context(), cl.TenantID)
	if err != nil {
		return err
	}
	defer release()
	ctx := admission.Admitted(r.Context())
	walk, err := (&exporter.Exporter{Svc: h.Svc}).Start(ctx, req)
	if err != nil {
		return err
	}
	// Recorded before the first byte: an export that starts is an export.
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.CustomerExport, audit.None,
		map[string]any{"format": req.Format, "filter": q.Get("filter"), "sort": q.Get("sort"), "columns": q.Get("columns"), "projectId": req.ProjectID}); err != nil {
		return err
	}
	setDownload(w, req.Format, "customers-"+time.Now().In(exportZone).Format("20060102-150405"))
	// A client that stops reading is cut off after StreamIdle instead of
	// holding the export's slot and memory for as long as it likes.
	n, err := walk.WriteTo(ctx, httpx.Stream(ctx, w, h.StreamIdle))
	if err != nil {
		// Headers are gone: the client sees a truncated file. Mostly a
		// client that stopped reading (cut off after StreamIdle) or left.
		h.Log.WarnContext(r.Context(), "export aborted", slog.Int64("rows", n), slog.Any("error", err))
	}
	return nil
}

var exportZone = time.FixedZone("CST", 8*3600)
