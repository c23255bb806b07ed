package ui

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// The export page: the filter, sort and columns of the customers list
// (passed in the query string), a format, and a download that is GET
// /v1/customers/export itself — streamed, bounded and audited by the API.

// exportPageData is the export form.
type exportPageData struct {
	Filter, Sort string
	Columns      []exportColumn
	Total        int64
	FilterError  string // the filter or sort does not parse: what the API would say
}

type exportColumn struct {
	Key, Label string
	Checked    bool
}

// exportColumnsOf reads columns=a,b or repeated columns= parameters.
func exportColumnsOf(q url.Values) []string {
	var out []string
	for _, v := range q["columns"] {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}

func loadExportPage(ctx context.Context, svc *crm.Service, caller *model.Caller, q url.Values) (*exportPageData, error) {
	if err := crm.Need(caller, model.PermExport); err != nil {
		return nil, err
	}
	d := &exportPageData{Filter: q.Get("filter"), Sort: q.Get("sort")}
	env, err := svc.Env(ctx, caller)
	if err != nil {
		return nil, err
	}
	picked := map[string]bool{}
	cols := exportColumnsOf(q)
	for _, k := range cols {
		picked[k] = true
	}
	for _, h := range importer.ExportHeaders(env.Catalog) {
		c := exportColumn{Label: h.Label}
		if h.Column != nil {
			c.Key = h.Column.Key
		} else {
			c.Key = h.Field.Key
		}
		c.Checked = len(cols) == 0 || picked[c.Key]
		d.Columns = append(d.Columns, c)
	}
	// The list's columns lead, in its order (the file's order); the rest
	// follow unticked.
	rank := map[string]int{}
	for i, k := range cols {
		if _, ok := rank[k]; !ok {
			rank[k] = i
		}
	}
	slices.SortStableFunc(d.Columns, func(a, b exportColumn) int {
		ra, oka := rank[a.Key]
		rb, okb := rank[b.Key]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	req := &query.Request{TenantID: caller.TenantID, PageSize: 1, Total: query.TotalExact}
	if d.Filter != "" {
		n, err := cond.ParseString(d.Filter, cond.DefaultLimits)
		if err != nil {
			d.FilterError = err.Error()
			return d, nil
		}
		req.Filter = n
	}
	res, err := svc.Search(ctx, caller, req, env)
	if err != nil {
		if _, ok := err.(*query.Error); ok {
			d.FilterError = err.Error()
			return d, nil
		}
		return nil, err
	}
	d.Total = res.Total
	return d, nil
}

// BackURL is the customers list with the same filter, sort and columns.
func (d *exportPageData) BackURL() string {
	q := url.Values{}
	if d.Filter != "" {
		q.Set("filter", d.Filter)
	}
	if d.Sort != "" {
		q.Set("sort", d.Sort)
	}
	var cols []string
	all := true
	for _, c := range d.Columns {
		if c.Checked {
			cols = append(cols, c.Key)
		} else {
			all = false
		}
	}
	if !all {
		q.Set("columns", strings.Join(cols, ","))
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}
