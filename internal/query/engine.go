package query

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// MaxPageSize is the largest page any API may ask for (达实 allows 4000).
const MaxPageSize = 4000

// SortSpec is one sort key as a client names it.
type SortSpec struct {
	Field string // key or numeric id
	Desc  bool
}

// TotalMode says how the total is computed.
type TotalMode int

// Total modes.
const (
	TotalExact TotalMode = iota
	TotalNone
	TotalEstimate
)

// Request is a search over one tenant's customers: the one entry point all
// four APIs translate into.
type Request struct {
	TenantID int64
	Filter   *Node
	Sort     []SortSpec
	PageSize int
	Page     int    // 1-based page number; ignored when Cursor is set
	Cursor   string // opaque keyset cursor from a previous Result
	Total    TotalMode
}

// Result is one page.
type Result struct {
	Customers  []*model.Customer
	Total      int64 // -1 when not computed
	Estimated  bool
	NextCursor string // "" on the last page
}

// Engine runs searches against a store.
type Engine struct {
	Store  *store.Store
	Loc    *time.Location
	Region string
}

// Env loads what resolution needs for a tenant.
func (e *Engine) Env(ctx context.Context, tenantID int64) (*Env, error) {
	cat, err := e.Store.LoadCatalog(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	env := &Env{Catalog: cat, Loc: e.Loc, Region: e.Region, TagIDs: map[string][]int64{}, StageIDs: map[string]int64{}}
	groups, err := e.Store.TagGroups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		for _, t := range g.Tags {
			env.TagIDs[t.Name] = append(env.TagIDs[t.Name], t.ID)
		}
	}
	stages, err := e.Store.Stages(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, s := range stages {
		env.StageIDs[s.Name] = s.ID
	}
	return env, nil
}

// sortKey is a resolved sort key.
type sortKey struct {
	expr   string
	args   []any
	desc   bool
	isText bool
	isInt  bool
}

// Missing custom numbers sort below every real value.
const missingNum = -1e300

func resolveSort(specs []SortSpec, env *Env) ([]sortKey, error) {
	var keys []sortKey
	seen := map[string]bool{}
	for i, s := range specs {
		f := env.Catalog.Field(s.Field)
		if expr, ok := columnSorts[s.Field]; ok && (f == nil || f.System) {
			if !seen[s.Field] {
				seen[s.Field] = true
				keys = append(keys, sortKey{expr: expr, desc: s.Desc, isText: true})
			}
			continue
		}
		if f == nil {
			return nil, &Error{Pos: fmt.Sprintf("sort[%d]", i), Field: s.Field, Msg: "unknown sort field"}
		}
		if !f.Sortable {
			return nil, &Error{Pos: fmt.Sprintf("sort[%d]", i), Field: s.Field, Msg: "this field cannot be sorted on"}
		}
		if seen[f.Key] {
			continue
		}
		seen[f.Key] = true
		if f.ID == model.FieldID {
			keys = append(keys, sortKey{expr: "c.id", desc: s.Desc, isInt: true})
			return keys, nil // id is unique: later keys never apply
		}
		if f.System {
			col := sysCols[f.ID]
			k := sortKey{expr: col.expr, desc: s.Desc, isInt: col.intCol, isText: !col.intCol}
			if col.nullable {
				if col.intCol {
					k.expr = "COALESCE(" + col.expr + ", 0)"
				} else {
					k.expr = "COALESCE(" + col.expr + ", '')"
				}
			}
			keys = append(keys, k)
			continue
		}
		table := valueTable(f.Type)
		k := sortKey{desc: s.Desc, args: []any{f.ID}}
		if table == "customer_values_text" {
			k.expr = "COALESCE((SELECT MIN(v.value) FROM customer_values_text v WHERE v.tenant_id = c.tenant_id AND v.field_id = ? AND v.customer_id = c.id), '')"
			k.isText = true
		} else {
			k.expr = "COALESCE((SELECT MIN(v.value) FROM customer_values_num v WHERE v.tenant_id = c.tenant_id AND v.field_id = ? AND v.customer_id = c.id), -1e300)"
		}
		keys = append(keys, k)
	}
	// Ties are always broken by id, so the order is total and keyset paging exact.
	last := false
	if len(keys) > 0 {
		last = keys[len(keys)-1].desc
	}
	if len(specs) == 0 {
		last = true // default order: newest first
	}
	keys = append(keys, sortKey{expr: "c.id", desc: last, isInt: true})
	return keys, nil
}

// cursor is the keyset position: the sort key values of the last row.
type cursor struct {
	V []json.RawMessage `json:"v"`
	S string            `json:"s"` // fingerprint of the sort, so a cursor is not reused under another sort
}

func sortFingerprint(keys []sortKey) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.expr)
		for _, a := range k.args {
			fmt.Fprint(&b, a)
		}
		if k.desc {
			b.WriteString("-")
		}
		b.WriteString(";")
	}
	return fmt.Sprintf("%x", fnv64(b.String()))
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// ErrBadCursor is returned for a cursor that does not decode or belongs to another sort.
var ErrBadCursor = errors.New("invalid cursor")

func decodeCursor(s string, keys []sortKey) ([]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	var c cursor
	if json.Unmarshal(raw, &c) != nil || len(c.V) != len(keys) || c.S != sortFingerprint(keys) {
		return nil, ErrBadCursor
	}
	vals := make([]any, len(keys))
	for i, k := range keys {
		switch {
		case k.isText:
			var s string
			if json.Unmarshal(c.V[i], &s) != nil {
				return nil, ErrBadCursor
			}
			vals[i] = s
		case k.isInt:
			var n int64
			if json.Unmarshal(c.V[i], &n) != nil {
				return nil, ErrBadCursor
			}
			vals[i] = n
		default:
			var f float64
			if json.Unmarshal(c.V[i], &f) != nil {
				return nil, ErrBadCursor
			}
			vals[i] = f
		}
	}
	return vals, nil
}

func encodeCursor(vals []any, keys []sortKey) string {
	c := cursor{S: sortFingerprint(keys)}
	for _, v := range vals {
		b, _ := json.Marshal(v)
		c.V = append(c.V, b)
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// keysetWhere writes "rows after the cursor" for any mix of directions:
// (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … with > flipped to < for desc keys.
func (b *builder) keysetWhere(keys []sortKey, vals []any) {
	b.w("(")
	for i := range keys {
		if i > 0 {
			b.w(" OR ")
		}
		b.w("(")
		for j := 0; j < i; j++ {
			b.w(keys[j].expr + " = ")
			b.args = append(b.args, keys[j].args...)
			b.arg(vals[j])
			b.w(" AND ")
		}
		op := " > "
		if keys[i].desc {
			op = " < "
		}
		b.w(keys[i].expr + op)
		b.args = append(b.args, keys[i].args...)
		b.arg(vals[i])
		b.w(")")
	}
	b.w(")")
}

// Plan is a compiled search, exposed for golden tests and EXPLAIN.
type Plan struct {
	SQL, CountSQL   string
	Args, CountArgs []any
	keys            []sortKey
	pageSize        int
}

// Build resolves and compiles a request without running it.
func (e *Engine) Build(req *Request, env *Env) (*Plan, error) {
	if req.PageSize < 1 || req.PageSize > MaxPageSize {
		return nil, &Error{Field: "pageSize", Msg: fmt.Sprintf("must be between 1 and %d", MaxPageSize)}
	}
	if req.Page < 0 {
		return nil, &Error{Field: "page", Msg: "must be 1 or more"}
	}
	rn, err := Resolve(req.Filter, env)
	if err != nil {
		return nil, err
	}
	keys, err := resolveSort(req.Sort, env)
	if err != nil {
		return nil, err
	}
	dialect := e.Store.Dialect()
	b := &builder{dialect: dialect, tenant: req.TenantID}
	b.w("SELECT " + store.CustomerSelectColumns)
	for i, k := range keys {
		b.w(", " + k.expr + " AS k" + strconv.Itoa(i))
		b.args = append(b.args, k.args...)
	}
	b.w(" FROM customers c WHERE c.tenant_id = ")
	b.arg(req.TenantID)
	where, wargs := Compile(dialect, req.TenantID, rn)
	if where != "" {
		b.w(" AND ")
		b.w(where)
		b.args = append(b.args, wargs...)
	}
	countSQL := "SELECT COUNT(*) FROM customers c WHERE c.tenant_id = ?"
	countArgs := []any{req.TenantID}
	if where != "" {
		countSQL += " AND " + where
		countArgs = append(countArgs, wargs...)
	}
	if req.Cursor != "" {
		vals, err := decodeCursor(req.Cursor, keys)
		if err != nil {
			return nil, &Error{Field: "cursor", Msg: "invalid or made for another sort order"}
		}
		b.w(" AND ")
		b.keysetWhere(keys, vals)
	}
	b.w(" ORDER BY ")
	for i, k := range keys {
		if i > 0 {
			b.w(", ")
		}
		b.w("k" + strconv.Itoa(i))
		if k.desc {
			b.w(" DESC")
		}
	}
	b.w(" LIMIT ")
	b.arg(int64(req.PageSize + 1))
	if req.Cursor == "" && req.Page > 1 {
		b.w(" OFFSET ")
		b.arg(int64(req.Page-1) * int64(req.PageSize))
	}
	return &Plan{
		SQL: store.Rebind(dialect, b.sb.String()), Args: b.args,
		CountSQL: store.Rebind(dialect, countSQL), CountArgs: countArgs,
		keys: keys, pageSize: req.PageSize,
	}, nil
}

// Search runs a request.
func (e *Engine) Search(ctx context.Context, req *Request) (*Result, error) {
	env, err := e.Env(ctx, req.TenantID)
	if err != nil {
		return nil, err
	}
	return e.SearchWith(ctx, req, env)
}

// SearchWith runs a request with a preloaded Env.
func (e *Engine) SearchWith(ctx context.Context, req *Request, env *Env) (*Result, error) {
	p, err := e.Build(req, env)
	if err != nil {
		return nil, err
	}
	rows, err := e.Store.Query(ctx, p.SQL, p.Args...)
	if err != nil {
		return nil, fmt.Errorf("query: search: %w", err)
	}
	defer rows.Close()
	res := &Result{Total: -1}
	nk := len(p.keys)
	var lastVals []any
	for rows.Next() {
		if len(res.Customers) == p.pageSize {
			res.NextCursor = encodeCursor(lastVals, p.keys)
			break
		}
		c := &model.Customer{}
		vals := make([]any, nk)
		ptrs := make([]any, nk)
		for i, k := range p.keys {
			switch {
			case k.isText:
				ptrs[i] = new(string)
			case k.isInt:
				ptrs[i] = new(int64)
			default:
				ptrs[i] = new(float64)
			}
		}
		if err := store.ScanCustomerWith(rows, req.TenantID, c, ptrs...); err != nil {
			return nil, fmt.Errorf("query: scan: %w", err)
		}
		for i, p := range ptrs {
			switch x := p.(type) {
			case *string:
				vals[i] = *x
			case *int64:
				vals[i] = *x
			case *float64:
				vals[i] = *x
			}
		}
		lastVals = vals
		res.Customers = append(res.Customers, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: search: %w", err)
	}
	rows.Close()
	switch req.Total {
	case TotalExact, TotalEstimate:
		// An exact count from the same indexes; issue #5 makes estimates cheaper.
		if err := e.Store.QueryRow(ctx, p.CountSQL, p.CountArgs...).Scan(&res.Total); err != nil {
			return nil, fmt.Errorf("query: count: %w", err)
		}
	}
	return res, nil
}
