package query

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/admission"
	"github.com/kehu/kehu/internal/cond"
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
	Filter   *cond.Node
	Sort     []SortSpec
	PageSize int
	Page     int    // 1-based page number; ignored when Cursor is set
	Cursor   string // opaque keyset cursor from a previous Result
	Total    TotalMode
	// Stream says the caller reads the page with Result.Each and closes
	// it: a page of StreamFrom rows or more is then not loaded whole but
	// a batch at a time as the caller writes it (stream.go).
	Stream bool
}

// Result is one page. A streamed page (Request.Stream) has no Customers:
// read it with Each, which works on every Result, and Close it.
type Result struct {
	Customers  []*model.Customer
	Total      int64 // -1 when not computed
	Estimated  bool
	NextCursor string // "" on the last page
	stream     *pageStream
}

// Engine runs searches against a store.
type Engine struct {
	Store  *store.Store
	Loc    *time.Location
	Region string
	// Trace, if set, sees every plan Search runs (tests EXPLAIN them).
	Trace func(*Plan)
	// Heavy, if set, admits pages of admission.LargePage rows or more
	// (nil admits all).
	Heavy *admission.Limiter

	envs sync.Map // tenant id → *Env of its current cached catalogue (shared, read-only)
}

// Env loads what resolution needs for a tenant: from the store's catalogue
// cache (one query while it is current), and built once per catalogue.
func (e *Engine) Env(ctx context.Context, tenantID int64) (*Env, error) {
	cat, groups, stages, err := e.Store.CatalogSnapshot(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if v, ok := e.envs.Load(tenantID); ok {
		if env := v.(*Env); env.Catalog == cat {
			cp := *env // callers may set Now; the maps stay shared and read-only
			return &cp, nil
		}
	}
	env := &Env{Catalog: cat, Loc: e.Loc, Region: e.Region, TagIDs: map[string][]int64{}, StageIDs: map[string]int64{}}
	for _, g := range groups {
		for _, t := range g.Tags {
			env.TagIDs[t.Name] = append(env.TagIDs[t.Name], t.ID)
		}
	}
	for _, s := range stages {
		env.StageIDs[s.Name] = s.ID
	}
	e.envs.Store(tenantID, env)
	cp := *env
	return &cp, nil
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
	// Choice says how the planner drives the query ("" for Build, which
	// does not plan); FastCount that CountSQL reads counters or the token
	// index instead of customers.
	Choice    string
	FastCount bool
	// IDsSQL, when set, lists the ids and sort keys of every match (the
	// driving set is small): Search then takes the page and the total
	// from it in one pass instead of SQL and CountSQL.
	IDsSQL  string
	IDsArgs []any
	// PageIDsSQL lists the page's ids and sort keys in order (one more
	// than the page, as SQL does): what a streamed page reads first.
	PageIDsSQL  string
	PageIDsArgs []any
	// PageRowIDs says PageIDsSQL's second column is c.rowid (SQLite, a
	// walk over customers itself): the page's rows are then loaded by
	// rowid, one table seek each, instead of through the primary key
	// index and then the table.
	PageRowIDs bool
	keys       []sortKey
	pageSize   int
	page       int
	cursor     bool
	// countFilter is CountSQL's "FROM … WHERE …" before Rebind, which
	// estimate wraps in a capped count and EXPLAIN (CountArgs are its
	// arguments); "" with FastCount.
	countFilter string
	// sample is the SQLite estimate query (see estimate).
	sample     string
	sampleArgs []any
}

// Build resolves and compiles a request without running it, as one WHERE
// clause over customers with set conditions as IN subqueries and no
// planning (see Prepare for what Search runs).
func (e *Engine) Build(req *Request, env *Env) (*Plan, error) {
	rn, keys, err := e.resolve(req, env)
	if err != nil {
		return nil, err
	}
	return e.build(req, rn, keys, nil)
}

// Prepare resolves, plans and compiles a request: the SQL Search runs. It
// may ask the database for the size of candidate sets (plan.go).
func (e *Engine) Prepare(ctx context.Context, req *Request, env *Env) (*Plan, error) {
	rn, keys, err := e.resolve(req, env)
	if err != nil {
		return nil, err
	}
	ch, err := e.plan(ctx, req.TenantID, rn, keys)
	if err != nil {
		return nil, err
	}
	return e.build(req, rn, keys, ch)
}

func (e *Engine) resolve(req *Request, env *Env) (*RNode, []sortKey, error) {
	if req.PageSize < 1 || req.PageSize > MaxPageSize {
		return nil, nil, &Error{Field: "pageSize", Msg: fmt.Sprintf("must be between 1 and %d", MaxPageSize)}
	}
	if req.Page < 0 {
		return nil, nil, &Error{Field: "page", Msg: "must be 1 or more"}
	}
	rn, err := Resolve(req.Filter, env)
	if err != nil {
		return nil, nil, err
	}
	keys, err := resolveSort(req.Sort, env)
	if err != nil {
		return nil, nil, err
	}
	return rn, keys, nil
}

// build compiles a request; ch is the planner's choice (nil: unplanned).
func (e *Engine) build(req *Request, rn *RNode, keys []sortKey, ch *choice) (*Plan, error) {
	dialect := e.Store.Dialect()
	var cursorVals []any
	if req.Cursor != "" {
		vals, err := decodeCursor(req.Cursor, keys)
		if err != nil {
			return nil, &Error{Field: "cursor", Msg: "invalid or made for another sort order"}
		}
		cursorVals = vals
	}
	offset := int64(0)
	if req.Cursor == "" && req.Page > 1 {
		offset = int64(req.Page-1) * int64(req.PageSize)
	}
	// filter writes "FROM customers c … WHERE …" (with the keyset position).
	filter := func(b *builder, count bool) {
		if ch == nil {
			b.w(" FROM customers c WHERE c.tenant_id = ")
			b.arg(req.TenantID)
			if where, wargs := Compile(dialect, req.TenantID, rn); where != "" {
				b.w(" AND " + where)
				b.args = append(b.args, wargs...)
			}
		} else {
			b.w(ch.from(dialect, count))
			b.w(" WHERE c.tenant_id = ")
			b.arg(req.TenantID)
			ch.where(b, count)
		}
		if cursorVals != nil && !count {
			b.w(" AND ")
			b.keysetWhere(keys, cursorVals)
		}
	}
	orderBy := func(b *builder, exprs bool) {
		b.w(" ORDER BY ")
		for i, k := range keys {
			if i > 0 {
				b.w(", ")
			}
			if exprs {
				b.w(k.expr)
				b.args = append(b.args, k.args...)
			} else {
				b.w("k" + strconv.Itoa(i))
			}
			if k.desc {
				b.w(" DESC")
			}
		}
	}
	b := &builder{dialect: dialect, tenant: req.TenantID}
	b.w("SELECT " + store.CustomerColumns(dialect))
	for i, k := range keys {
		b.w(", " + k.expr + " AS k" + strconv.Itoa(i))
		b.args = append(b.args, k.args...)
	}
	if ch != nil && offset >= deepOffset {
		// Deep page numbers: find the page's ids with an id-only walk
		// (index-only where the filter allows), then load just those rows
		// by id (pinned on SQLite, which would otherwise walk the sort
		// index again to avoid sorting one page).
		b.w(" FROM customers c" + b.indexedBy(pkIndex) + " WHERE c.tenant_id = ")
		b.arg(req.TenantID)
		b.w(" AND c.id IN (SELECT c.id")
		filter(b, false)
		orderBy(b, true)
		b.w(" LIMIT ")
		b.limit(req.PageSize + 1)
		b.w(" OFFSET ")
		b.arg(offset)
		b.w(")")
		orderBy(b, false)
		b.w(" LIMIT ")
		b.limit(req.PageSize + 1)
	} else {
		filter(b, false)
		orderBy(b, false)
		b.w(" LIMIT ")
		b.limit(req.PageSize + 1)
		if offset > 0 {
			b.w(" OFFSET ")
			b.arg(offset)
		}
	}
	p := &Plan{SQL: store.Rebind(dialect, b.sb.String()), Args: b.args, keys: keys, pageSize: req.PageSize,
		page: req.Page, cursor: req.Cursor != ""}
	// The page's ids and sort keys alone, in order (a streamed page
	// reads them first, then its rows by id: stream.go): index-only where
	// the filter allows, and never a sort of wide rows.
	pb := &builder{dialect: dialect, tenant: req.TenantID}
	pb.w("SELECT c.id")
	if dialect == store.SQLite {
		// A rowid is in every index entry, so this keeps the walk
		// index-only; within the page's snapshot it names the row.
		pb.w(", c.rowid")
	}
	for i, k := range keys {
		pb.w(", " + k.expr + " AS k" + strconv.Itoa(i))
		pb.args = append(pb.args, k.args...)
	}
	filter(pb, false)
	orderBy(pb, false)
	pb.w(" LIMIT ")
	pb.limit(req.PageSize + 1)
	if offset > 0 {
		pb.w(" OFFSET ")
		pb.arg(offset)
	}
	p.PageIDsSQL, p.PageIDsArgs = store.Rebind(dialect, pb.sb.String()), pb.args
	p.PageRowIDs = dialect == store.SQLite
	if ch != nil && ch.strategy == bySortOrder && offset < deepOffset {
		if q, args, ok := gramWalk(dialect, req.TenantID, ch.conj, keys, cursorVals, req.PageSize, offset, false); ok {
			p.SQL, p.Args = q, args
			p.PageIDsSQL, p.PageIDsArgs, _ = gramWalk(dialect, req.TenantID, ch.conj, keys, cursorVals, req.PageSize, offset, true)
			p.PageRowIDs = false
		}
	}
	if ch != nil && ch.strategy == bySmallSet && req.Cursor == "" {
		// At most PlanCap candidates: one pass finds every match with its
		// sort keys, which gives the page and the exact total together;
		// only the page's rows are then loaded.
		ib := &builder{dialect: dialect, tenant: req.TenantID}
		ib.w("SELECT c.id")
		for i, k := range keys {
			ib.w(", " + k.expr + " AS k" + strconv.Itoa(i))
			ib.args = append(ib.args, k.args...)
		}
		filter(ib, false)
		orderBy(ib, false)
		p.IDsSQL, p.IDsArgs = store.Rebind(dialect, ib.sb.String()), ib.args
		if q, args, ok := gramIDs(dialect, req.TenantID, ch.conj, ch.driver, keys); ok {
			// One name token and scope conditions, by time or id: every
			// match and its sort keys from the token rows alone.
			p.IDsSQL, p.IDsArgs = q, args
		}
	}
	if ch != nil {
		p.Choice = ch.describe()
		if q, args, ok := fastCount(dialect, req.TenantID, ch.conj); ok {
			p.CountSQL, p.CountArgs, p.FastCount = q, args, true
			return p, nil
		}
	}
	cb := &builder{dialect: dialect, tenant: req.TenantID}
	filter(cb, true)
	p.countFilter, p.CountArgs = cb.sb.String(), cb.args
	p.CountSQL = store.Rebind(dialect, "SELECT COUNT(*)"+p.countFilter)
	if ch != nil && dialect == store.SQLite {
		// For total=estimate: the filter over a sample (the newest
		// estimateSample customers) and the tenant's customer count.
		sb := &builder{dialect: dialect, tenant: req.TenantID, probe: true}
		sb.w("SELECT (SELECT SUM(n) FROM customer_counts WHERE tenant_id = ")
		sb.arg(req.TenantID)
		sb.w("), SUM(CASE WHEN 1 = 1")
		for _, n := range ch.conj {
			sb.w(" AND ")
			sb.node(n)
		}
		sb.w(" THEN 1 ELSE 0 END) FROM (SELECT * FROM customers WHERE tenant_id = ")
		sb.arg(req.TenantID)
		sb.w(" ORDER BY id DESC LIMIT ")
		sb.limit(estimateSample)
		sb.w(") AS c")
		p.sample, p.sampleArgs = sb.sb.String(), sb.args
	}
	return p, nil
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
	var release func()
	if req.PageSize >= admission.LargePage {
		// Large pages take turns (per tenant and per node), so that they
		// cannot starve the cheap requests of everyone else.
		r, err := e.Heavy.Acquire(ctx, req.TenantID)
		if err != nil {
			return nil, err
		}
		release = r
		defer func() {
			if release != nil {
				release()
			}
		}()
	}
	p, err := e.Prepare(ctx, req, env)
	if err != nil {
		return nil, err
	}
	if e.Trace != nil {
		e.Trace(p)
	}
	if req.Stream && req.PageSize >= StreamFrom {
		// A streamed page keeps its turn until it is written (Close).
		res, err := e.searchStream(ctx, req, p, release)
		if err == nil {
			release = nil
		}
		return res, err
	}
	if p.IDsSQL != "" && req.Total != TotalNone {
		return e.searchIDs(ctx, req, p)
	}
	return e.searchRows(ctx, req, p)
}

// searchRows runs a plan's page query, then its count as asked.
func (e *Engine) searchRows(ctx context.Context, req *Request, p *Plan) (*Result, error) {
	rows, err := e.Store.Query(ctx, p.SQL, p.Args...)
	if err != nil {
		return nil, fmt.Errorf("query: search: %w", err)
	}
	defer rows.Close()
	res := &Result{Total: -1}
	var lastVals []any
	for rows.Next() {
		if len(res.Customers) == p.pageSize {
			res.NextCursor = encodeCursor(lastVals, p.keys)
			break
		}
		c := &model.Customer{}
		ptrs := scanKeys(p.keys)
		if err := store.ScanCustomerWith(rows, e.Store.Dialect(), req.TenantID, c, ptrs...); err != nil {
			return nil, fmt.Errorf("query: scan: %w", err)
		}
		lastVals = keyValues(ptrs)
		res.Customers = append(res.Customers, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: search: %w", err)
	}
	rows.Close()
	if req.Total == TotalNone {
		return res, nil
	}
	// A page-number page that is not full ends the result: its position
	// is the total, no count needed.
	if !p.cursor && res.NextCursor == "" && (len(res.Customers) > 0 || p.page <= 1) {
		res.Total = int64(max(p.page-1, 0))*int64(p.pageSize) + int64(len(res.Customers))
		return res, nil
	}
	if req.Total == TotalEstimate && !p.FastCount {
		return res, e.estimate(ctx, p, res)
	}
	if err := e.Store.QueryRow(ctx, p.CountSQL, p.CountArgs...).Scan(&res.Total); err != nil {
		return nil, fmt.Errorf("query: count: %w", err)
	}
	return res, nil
}

// scanKeys makes scan destinations for the sort keys of a plan.
func scanKeys(keys []sortKey) []any {
	ptrs := make([]any, len(keys))
	for i, k := range keys {
		switch {
		case k.isText:
			ptrs[i] = new(string)
		case k.isInt:
			ptrs[i] = new(int64)
		default:
			ptrs[i] = new(float64)
		}
	}
	return ptrs
}

// keyValues reads the sort keys scanned into scanKeys' destinations.
func keyValues(ptrs []any) []any {
	vals := make([]any, len(ptrs))
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
	return vals
}

// searchIDs runs a plan with IDsSQL: every match's id and sort keys in
// order, the page cut from them, its rows loaded by id.
func (e *Engine) searchIDs(ctx context.Context, req *Request, p *Plan) (*Result, error) {
	rows, err := e.Store.Query(ctx, p.IDsSQL, p.IDsArgs...)
	if err != nil {
		return nil, fmt.Errorf("query: search: %w", err)
	}
	defer rows.Close()
	offset := 0
	if req.Page > 1 {
		offset = (req.Page - 1) * req.PageSize
	}
	var ids []int64
	var lastVals []any
	res := &Result{}
	n := 0
	// One set of scan destinations for the whole walk: it steps over every
	// match (the total), often hundreds of thousands, and fresh destinations
	// per row were most of its allocations. The sort keys are copied out
	// only for the page's last row, which is all the cursor needs.
	var id int64
	ptrs := scanKeys(p.keys)
	dest := append([]any{&id}, ptrs...)
	last := offset + req.PageSize - 1
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("query: scan: %w", err)
		}
		if n >= offset && n <= last {
			if ids == nil {
				ids = make([]int64, 0, req.PageSize)
			}
			ids = append(ids, id)
			lastVals = keyValues(ptrs)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: search: %w", err)
	}
	rows.Close()
	res.Total = int64(n)
	if n > offset+req.PageSize {
		res.NextCursor = encodeCursor(lastVals, p.keys)
	}
	if res.Customers, err = e.Store.CustomersByIDs(ctx, req.TenantID, ids); err != nil {
		return nil, fmt.Errorf("query: load page: %w", err)
	}
	if len(res.Customers) != len(ids) {
		// A customer deleted between the two reads: answer from one snapshot.
		return e.searchRows(ctx, req, p)
	}
	return res, nil
}
