package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

type listOut struct {
	Data       []customerOut `json:"data"`
	Page       int           `json:"page,omitempty"`
	PageSize   int           `json:"pageSize"`
	Total      *int64        `json:"total,omitempty"`
	Estimated  bool          `json:"totalEstimated,omitempty"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem(400, "invalid", "id", "the id in the path must be a positive integer")
	}
	return id, nil
}

func (h *Handler) getCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	who := whoOf(r)
	c, err := h.Svc.CustomerPage(r.Context(), who, id)
	if err != nil {
		return err
	}
	cat, err := h.Store.LoadCatalog(r.Context(), who.TenantID)
	if err != nil {
		return err
	}
	writeCustomer(w, 200, present(c, cat))
	return nil
}

func (h *Handler) decodeInput(r *http.Request) (*crm.CustomerInput, error) {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return nil, err
	}
	var in crm.CustomerInput
	if err := httpx.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

func (h *Handler) createCustomer(w http.ResponseWriter, r *http.Request) error {
	in, err := h.decodeInput(r)
	if err != nil {
		return err
	}
	who := whoOf(r)
	c, err := h.Svc.CreateCustomer(r.Context(), who, in)
	if err != nil {
		return err
	}
	cat, err := h.Store.LoadCatalog(r.Context(), who.TenantID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/customers/"+strconv.FormatInt(c.ID, 10))
	writeCustomer(w, 201, present(c, cat))
	return nil
}

func (h *Handler) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := h.decodeInput(r)
	if err != nil {
		return err
	}
	who := whoOf(r)
	c, err := h.Svc.UpdateCustomer(r.Context(), who, id, in)
	if err != nil {
		return err
	}
	cat, err := h.Store.LoadCatalog(r.Context(), who.TenantID)
	if err != nil {
		return err
	}
	writeCustomer(w, 200, present(c, cat))
	return nil
}

func (h *Handler) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteCustomers(r.Context(), whoOf(r), []int64{id}); err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.CustomerDelete, audit.Customer(id), nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listParams are the query parameters GET /v1/customers accepts.
var listParams = map[string]bool{"name": true, "phone": true, "phoneSuffix": true, "email": true, "status": true,
	"projectId": true, "createdFrom": true, "createdTo": true, "filter": true, "sort": true, "page": true,
	"pageSize": true, "cursor": true, "total": true, "q": true}

func (h *Handler) listCustomers(w http.ResponseWriter, r *http.Request) error {
	req, err := listRequest(r.URL.Query())
	if err != nil {
		return err
	}
	return h.runSearch(w, r, req, h.Svc.Search)
}

// listRequest reads the query parameters of GET /v1/customers (and of
// GET /v1/pools/{id}/customers) into a search.
func listRequest(q url.Values) (*query.Request, error) {
	for k := range q {
		if !listParams[k] {
			return nil, problem(400, "unknown_parameter", k, "unknown query parameter "+strconv.Quote(k))
		}
	}
	var conds []*cond.Node
	leaf := func(field string, op cond.Op, vals ...any) {
		conds = append(conds, &cond.Node{Leaf: &cond.Cond{Field: field, Op: op, Values: vals, Pos: field}})
	}
	for _, p := range []string{"name", "q"} {
		if v := strings.TrimSpace(q.Get(p)); v != "" {
			conds = append(conds, nameSearch(v))
		}
	}
	if v := strings.TrimSpace(q.Get("phone")); v != "" {
		leaf("phone", cond.OpEq, v)
	}
	if v := strings.TrimSpace(q.Get("phoneSuffix")); v != "" {
		leaf("phone", cond.OpEndsWith, v)
	}
	if v := strings.TrimSpace(q.Get("email")); v != "" {
		leaf("email", cond.OpEq, v)
	}
	if v := q.Get("status"); v != "" {
		var vals []any
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || (n != 1 && n != 2) {
				return nil, problem(400, "invalid", "status", "status must be 1 (normal) or 2 (disabled), comma-separated")
			}
			vals = append(vals, n)
		}
		leaf("status", cond.OpIn, vals...)
	}
	if v := q.Get("projectId"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, problem(400, "invalid", "projectId", "projectId must be an integer")
		}
		leaf("projectId", cond.OpEq, id)
	}
	for _, p := range []struct {
		name string
		op   cond.Op
	}{{"createdFrom", cond.OpGte}, {"createdTo", cond.OpLte}} {
		if v := q.Get(p.name); v != "" {
			if _, err := crm.ParseTime(v); err != nil {
				return nil, problem(400, "invalid", p.name, err.Error())
			}
			leaf("createdAt", p.op, v)
		}
	}
	if v := q.Get("filter"); v != "" {
		n, err := cond.ParseString(v, cond.DefaultLimits)
		if err != nil {
			return nil, err
		}
		conds = append(conds, n)
	}
	req, err := pagingParams(queryInt(q.Get("page")), queryInt(q.Get("pageSize")), q.Get("cursor"), q.Get("total"))
	if err != nil {
		return nil, err
	}
	if req.Sort, err = parseSort(q.Get("sort")); err != nil {
		return nil, err
	}
	if len(conds) == 1 {
		req.Filter = conds[0]
	} else if len(conds) > 1 {
		req.Filter = &cond.Node{And: conds}
	}
	return req, nil
}

// nameSearch is the native name search: a fragment of the name, or — for
// ASCII letters — also a pinyin prefix (zs, zhang, zhangsan → 张三).
func nameSearch(v string) *cond.Node {
	frag := &cond.Node{Leaf: &cond.Cond{Field: "name", Op: cond.OpContains, Values: []any{v}, Pos: "name"}}
	ascii := true
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == ' ') {
			ascii = false
		}
	}
	if !ascii {
		return frag
	}
	py := &cond.Node{Leaf: &cond.Cond{Field: "pinyin", Op: cond.OpStartsWith, Values: []any{v}, Pos: "name"}}
	return &cond.Node{Or: []*cond.Node{frag, py}}
}

// queryInt reads an integer query parameter for pagingParams: nil when
// absent, -1 (out of range for page and pageSize alike) when not an integer.
func queryInt(s string) *int {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = -1
	}
	return &n
}

// pagingParams checks the paging of a search (nil: not given).
func pagingParams(page, pageSize *int, cursor, total string) (*query.Request, error) {
	req := &query.Request{PageSize: 20, Cursor: cursor}
	if pageSize != nil {
		if n := *pageSize; n < 1 || n > query.MaxPageSize {
			return nil, problem(400, "out_of_range", "pageSize", "pageSize must be an integer from 1 to 4000")
		}
		req.PageSize = *pageSize
	}
	if page != nil {
		if cursor != "" {
			return nil, problem(400, "invalid", "page", "use either page or cursor, not both")
		}
		if n := *page; n < 1 || n > 1_000_000 {
			return nil, problem(400, "out_of_range", "page", "page must be an integer from 1")
		}
		req.Page = *page
	}
	switch total {
	case "", "exact":
		req.Total = query.TotalExact
	case "none":
		req.Total = query.TotalNone
	case "estimate":
		req.Total = query.TotalEstimate
	default:
		return nil, problem(400, "invalid", "total", "total must be exact, estimate or none")
	}
	return req, nil
}

// parseSort reads "-createdAt,name" into sort keys.
func parseSort(s string) ([]query.SortSpec, error) {
	if s == "" {
		return nil, nil
	}
	var out []query.SortSpec
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		part = strings.TrimLeft(part, "+-")
		if part == "" {
			return nil, problem(400, "invalid", "sort", "empty sort key in "+strconv.Quote(s))
		}
		out = append(out, query.SortSpec{Field: part, Desc: desc})
	}
	if len(out) > 8 {
		return nil, problem(400, "invalid", "sort", "at most 8 sort keys")
	}
	return out, nil
}

// searchBody is the body of POST /v1/customers/search.
type searchBody struct {
	Filter   json.RawMessage `json:"filter"`
	Sort     json.RawMessage `json:"sort"`
	Page     *int            `json:"page"`
	PageSize *int            `json:"pageSize"`
	Cursor   string          `json:"cursor"`
	Total    string          `json:"total"`
}

func (h *Handler) searchCustomers(w http.ResponseWriter, r *http.Request) error {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return err
	}
	var b searchBody
	if err := httpx.DecodeJSON(body, &b); err != nil {
		return err
	}
	req, err := pagingParams(b.Page, b.PageSize, b.Cursor, b.Total)
	if err != nil {
		return err
	}
	if len(b.Filter) > 0 && string(b.Filter) != "null" {
		n, err := cond.ParseJSON(b.Filter, cond.DefaultLimits)
		if err != nil {
			return err
		}
		req.Filter = n
	}
	if len(b.Sort) > 0 && string(b.Sort) != "null" {
		var s string
		var list []struct {
			Field string `json:"field"`
			Desc  bool   `json:"desc"`
		}
		switch {
		case json.Unmarshal(b.Sort, &s) == nil:
			if req.Sort, err = parseSort(s); err != nil {
				return err
			}
		case json.Unmarshal(b.Sort, &list) == nil:
			for _, x := range list {
				req.Sort = append(req.Sort, query.SortSpec{Field: x.Field, Desc: x.Desc})
			}
		default:
			return problem(400, "wrong_type", "sort", `sort must be a string like "-createdAt,name" or [{"field":"createdAt","desc":true}]`)
		}
	}
	return h.runSearch(w, r, req, h.Svc.Search)
}

// searchFunc runs a search as a caller (crm.Service.Search, or a pool's).
type searchFunc func(ctx context.Context, caller *model.Caller, req *query.Request, env *query.Env) (*query.Result, error)

func (h *Handler) runSearch(w http.ResponseWriter, r *http.Request, req *query.Request, search searchFunc) error {
	who := whoOf(r)
	env, err := h.Svc.Env(r.Context(), who)
	if err != nil {
		return err
	}
	start := time.Now()
	req.Stream = true
	res, err := search(r.Context(), who, req, env)
	if err != nil {
		return err
	}
	defer res.Close()
	// A streamed page's rows are still to load: the header times the
	// planning, its ids and its total.
	w.Header().Set("Server-Timing", "db;dur="+strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 2, 64))
	out := listOut{PageSize: req.PageSize, NextCursor: res.NextCursor, Estimated: res.Estimated}
	if req.Cursor == "" {
		out.Page = max(req.Page, 1)
	}
	if res.Total >= 0 {
		out.Total = &res.Total
	}
	// Rows are written as they are loaded (httpx.PageWriter: a failure
	// after the first bytes aborts the connection).
	pw := httpx.NewPageWriter(w, r, 200, "application/json; charset=utf-8")
	pw.B = append(pw.B, `{"data":[`...)
	i := 0
	err = res.Each(r.Context(), func(c *model.Customer) error {
		if i > 0 {
			pw.B = append(pw.B, ',')
		}
		i++
		co := present(c, env.Catalog)
		pw.B = co.append(pw.B)
		return pw.Flush()
	})
	if err != nil {
		return pw.Fail(err)
	}
	pw.B = append(out.appendTail(pw.B), '\n')
	pw.End()
	return nil
}
