// Package exporter writes a tenant's customers as CSV or XLSX in constant
// memory: it walks the query engine page by page with keyset cursors (the
// same filters and sorts as GET /v1/customers) and streams each page into
// the file — CSV with a UTF-8 BOM so Excel reads Chinese, XLSX through
// excelize's StreamWriter. Columns are every system field and every custom
// field under readable headers (姓名, 手机号, custom labels) — or the columns
// a request picks — with option
// labels instead of ids; the importer reads the same headers and values
// back (internal/importer/columns.go holds both directions).
package exporter

import (
	"context"
	"io"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// PageSize is how many customers one query of the walk reads.
const PageSize = 1000

// Request is one export.
type Request struct {
	// Caller is who exports: crm restricts the walk to what it may see and
	// masks what it may not read in full. nil: the tenant (or ProjectID of
	// it), as the CLI exports.
	Caller    *model.Caller
	TenantID  int64
	ProjectID int64 // with no Caller, non-zero: only this project
	Filter    *cond.Node
	Sort      []query.SortSpec
	Format    string // csv (default) or xlsx
	// Columns picks and orders the columns by key (system column keys such
	// as name, phone, createdAt, or custom field keys); nil: every column.
	Columns []string
}

// Exporter walks and writes.
type Exporter struct {
	Svc *crm.Service
}

// Walk is a prepared export: the first page is already read, so a bad
// filter or sort is reported before anything is written.
type Walk struct {
	e     *Exporter
	req   Request
	qreq  *query.Request
	env   *query.Env
	refs  *importer.Refs
	first *query.Result
	// headers are the columns written, in order.
	headers []importer.ExportHeader
}

// Start resolves the request and reads the first page.
func (e *Exporter) Start(ctx context.Context, req Request) (*Walk, error) {
	if req.Format == "" {
		req.Format = "csv"
	}
	if req.Format != "csv" && req.Format != "xlsx" {
		return nil, &query.Error{Field: "format", Msg: "must be csv or xlsx"}
	}
	if req.Caller == nil {
		req.Caller = crm.TenantCaller(req.TenantID, req.ProjectID, model.ViaCLI)
	}
	if err := crm.Need(req.Caller, model.PermExport); err != nil {
		return nil, err
	}
	req.TenantID = req.Caller.TenantID
	filter := req.Filter
	sort := req.Sort
	if len(sort) == 0 {
		sort = []query.SortSpec{{Field: "id"}} // oldest first: a stable, index-only walk
	}
	env, err := e.Svc.Env(ctx, req.Caller)
	if err != nil {
		return nil, err
	}
	refs, err := importer.LoadRefs(ctx, e.Svc.Store, req.TenantID)
	if err != nil {
		return nil, err
	}
	headers, err := pickColumns(importer.ExportHeaders(env.Catalog), req.Columns)
	if err != nil {
		return nil, err
	}
	qreq := &query.Request{TenantID: req.TenantID, Filter: filter, Sort: sort, PageSize: PageSize, Total: query.TotalNone}
	first, err := e.Svc.Search(ctx, req.Caller, qreq, env)
	if err != nil {
		return nil, err
	}
	return &Walk{e: e, req: req, qreq: qreq, env: env, refs: refs, first: first, headers: headers}, nil
}

// pickColumns keeps the headers named by keys, in their order.
func pickColumns(all []importer.ExportHeader, keys []string) ([]importer.ExportHeader, error) {
	if len(keys) == 0 {
		return all, nil
	}
	by := make(map[string]importer.ExportHeader, len(all))
	for _, h := range all {
		if h.Column != nil {
			by[h.Column.Key] = h
		} else {
			by[h.Field.Key] = h
		}
	}
	out := make([]importer.ExportHeader, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		h, ok := by[k]
		if !ok {
			return nil, model.Invalid("columns", "unknown column %q: use the key of a system field (name, phone, …) or of a custom field", k)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, h)
		}
	}
	return out, nil
}

// Format is the file format of the walk ("csv" or "xlsx").
func (w *Walk) Format() string { return w.req.Format }

// WriteTo writes the whole file to out and returns how many customers it
// holds. Only one page of customers is in memory at a time.
func (w *Walk) WriteTo(ctx context.Context, out io.Writer) (int64, error) {
	tw, err := importer.NewTableWriter(out, w.req.Format)
	if err != nil {
		return 0, err
	}
	cat := w.env.Catalog
	headers := w.headers
	labels := make([]string, len(headers))
	for i, h := range headers {
		labels[i] = h.Label
	}
	if err := tw.Write(labels); err != nil {
		return 0, err
	}
	var n int64
	row := make([]string, 0, len(headers))
	page := w.first
	for {
		for _, c := range page.Customers {
			row = importer.ExportRow(headers, c, cat, w.refs, row)
			if err := tw.Write(row); err != nil {
				return n, err
			}
			n++
		}
		if err := tw.Flush(); err != nil {
			return n, err
		}
		if page.NextCursor == "" {
			break
		}
		w.qreq.Cursor = page.NextCursor
		if page, err = w.e.Svc.Search(ctx, w.req.Caller, w.qreq, w.env); err != nil {
			return n, err
		}
	}
	return n, tw.Close()
}
