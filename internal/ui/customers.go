package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// defaultColumns are the list's columns until a user chooses others.
var defaultColumns = []string{"name", "phone", "company", "owner", "stage", "tags", "createdAt"}

// pageSize of the customers list.
const pageSize = 50

// listState is the customers list as its URL says: the search box, the
// filter (the native API's compact filter string), sort, columns, page.
type listState struct {
	Q, Filter, Sort, Cols, Cursor string
	View                          int64
	// Prev are the cursors of the pages before this one (oldest first,
	// the first page's empty cursor left out); PrevCut says older ones
	// were dropped (maxPrev).
	//
	// Going back is a stack of the cursors walked forward, not a backward
	// cursor: the previous page is re-read as "the rows after the cursor
	// that page started at", the same keyset condition the forward walk
	// used. With customers inserted or deleted meanwhile, that page shows
	// what is there now — and since every page starts where its cursor
	// says, walking forward again from it reaches every row, none skipped.
	// A backward cursor ("the 50 rows before the first one shown") would
	// need every plan of the query engine run in reverse and, with inserts
	// before the current page, gives a first page that is not the list's
	// first page; the stack costs URL length, which maxPrev bounds.
	Prev    []string
	PrevCut bool
}

// maxPrev bounds the cursors the URL carries for "previous page" (each is
// about 40–120 bytes): further back than that, the list offers the first
// page.
const maxPrev = 20

func stateOf(r *http.Request) listState {
	q := r.URL.Query()
	v, _ := strconv.ParseInt(q.Get("view"), 10, 64)
	cols := q.Get("cols")
	if c := q["col"]; len(c) > 0 { // the column chooser's checkboxes
		cols = strings.Join(c, ",")
	}
	st := listState{Q: q.Get("q"), Filter: q.Get("filter"), Sort: q.Get("sort"), Cols: cols, Cursor: q.Get("cursor"), View: v,
		PrevCut: q.Get("prevcut") != ""}
	if st.Cursor != "" { // a first page has nothing before it
		st.Prev = q["prev"]
		if len(st.Prev) > maxPrev {
			st.Prev, st.PrevCut = st.Prev[len(st.Prev)-maxPrev:], true
		}
	}
	return st
}

// next is the state of the page after s, which starts at cursor.
func (s listState) next(cursor string) listState {
	n := s
	n.Prev = nil
	if s.Cursor != "" {
		n.Prev = append(append(n.Prev, s.Prev...), s.Cursor)
	}
	if len(n.Prev) > maxPrev {
		n.Prev, n.PrevCut = n.Prev[len(n.Prev)-maxPrev:], true
	}
	n.Cursor = cursor
	return n
}

// prev is the state of the page before s; ok is false on the first page
// and when the stack was cut and is used up (the first page is offered).
func (s listState) prev() (listState, bool) {
	if s.Cursor == "" || (len(s.Prev) == 0 && s.PrevCut) {
		return s, false
	}
	p := s
	p.Cursor, p.Prev = "", nil
	if n := len(s.Prev); n > 0 {
		p.Cursor, p.Prev = s.Prev[n-1], s.Prev[:n-1]
	}
	if p.Cursor == "" {
		p.PrevCut = false
	}
	return p, true
}

// first is s on its first page.
func (s listState) first() listState {
	s.Cursor, s.Prev, s.PrevCut = "", nil, false
	return s
}

// Values are the URL parameters of s (without the cursor unless page).
func (s listState) values(page bool) url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"q": s.Q, "filter": s.Filter, "sort": s.Sort, "cols": s.Cols} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if s.View != 0 {
		v.Set("view", strconv.FormatInt(s.View, 10))
	}
	if page && s.Cursor != "" {
		v.Set("cursor", s.Cursor)
		for _, c := range s.Prev {
			v.Add("prev", c)
		}
		if s.PrevCut {
			v.Set("prevcut", "1")
		}
	}
	return v
}

func (s listState) URL(path string) string {
	if e := s.values(true).Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

type column struct {
	Key, Label string
	Sortable   bool
	SortURL    string
	Sorted     string // "", "ascending", "descending" (aria-sort)
}

type row struct {
	ID    int64
	Cells []string
}

type listData struct {
	State   listState
	Columns []column
	Rows    []row
	Total   int64
	// TotalURL is set when the rows came without their total (the search
	// box's fetches, total=later): the page fetches the exact count from
	// it afterwards, so the first rows do not wait for counting every
	// match (a one-character name matches tens of thousands at 1M).
	TotalURL string
	NextURL  string
	PrevURL  string
	FirstURL string
	Took     string
	Fields   []model.Field // every field, for the column chooser and the filter builder
	Chosen   map[string]bool
	Names    *names
	Export   string // ui2's export page with the current filter and columns
	Ops      []opChoice
	Back     string // this list's URL, for the bulk form to come back to
	Views    []viewLink
	Active   *viewLink // the saved view the list shows, nil for none
	ColsNow  string    // the columns shown, comma-separated (what a view saves)
}

func (h *Handler) customersPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.listCustomers(r)
	if err != nil {
		return err
	}
	if d.Views, err = h.viewLinks(r, d.State.View); err != nil {
		return err
	}
	for i := range d.Views {
		if d.Views[i].Active {
			d.Active = &d.Views[i]
		}
	}
	p := h.page(r, d)
	p.Title = p.T("customers.title")
	return h.renderPage(w, r, http.StatusOK, "customers", p)
}

// customersTotal answers the exact total of the list's search and filter
// (the text "共 N 位客户"), for rows fetched with total=later.
func (h *Handler) customersTotal(w http.ResponseWriter, r *http.Request) error {
	d, err := h.listCustomers(r)
	if err != nil {
		return err
	}
	return h.fragment(w, r, "customers", "total-text", d)
}

// customersRows answers the table part of the list (the search box's
// as-you-type fetch, sorting and paging without a reload).
func (h *Handler) customersRows(w http.ResponseWriter, r *http.Request) error {
	d, err := h.listCustomers(r)
	if err != nil {
		return err
	}
	return h.fragment(w, r, "customers", "rows", d)
}

func (h *Handler) listCustomers(r *http.Request) (*listData, error) {
	ctx := r.Context()
	who := callerOf(r)
	st := stateOf(r)
	if st.View != 0 && st.Q == "" && st.Filter == "" && st.Sort == "" && st.Cols == "" && st.Cursor == "" {
		// /customers?view=ID alone (a bookmark, a link from elsewhere):
		// the view's saved state.
		v, err := h.Svc.View(ctx, who, st.View)
		if err != nil {
			return nil, err
		}
		st = stateOfView(v)
	}
	env, err := h.Svc.Env(ctx, who)
	if err != nil {
		return nil, err
	}
	req := &query.Request{PageSize: pageSize, Cursor: st.Cursor, Total: query.TotalExact}
	later := r.URL.Query().Get("total") == "later"
	if later {
		req.Total = query.TotalNone
	}
	if r.URL.Path == "/customers/total" {
		req.PageSize = 1 // the count is what is asked for
	}
	var conds []*cond.Node
	if n := searchNode(st.Q); n != nil {
		conds = append(conds, n)
	}
	if strings.TrimSpace(st.Filter) != "" {
		n, err := cond.ParseString(st.Filter, cond.DefaultLimits)
		if err != nil {
			return nil, err
		}
		conds = append(conds, n)
	}
	switch len(conds) {
	case 1:
		req.Filter = conds[0]
	case 2:
		req.Filter = &cond.Node{And: conds}
	}
	sortKey, desc := strings.TrimPrefix(st.Sort, "-"), strings.HasPrefix(st.Sort, "-")
	if f := env.Catalog.ByKey[sortKey]; f != nil && f.Sortable {
		req.Sort = []query.SortSpec{{Field: sortKey, Desc: desc}}
	} else {
		sortKey = ""
	}
	start := time.Now()
	res, err := h.Svc.Search(ctx, who, req, env)
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	n, err := h.loadNames(ctx, who)
	if err != nil {
		return nil, err
	}
	cols := columnFields(env.Catalog, st.Cols, defaultColumns)
	d := &listData{State: st, Total: res.Total, Names: n, Chosen: map[string]bool{}, Took: took.Round(time.Millisecond).String(),
		Fields: env.Catalog.List(), Ops: ops}
	for _, f := range cols {
		c := column{Key: f.Key, Label: f.Label, Sortable: f.Sortable}
		d.Chosen[f.Key] = true
		if f.Sortable {
			s := st.first()
			s.Sort = f.Key
			if sortKey == f.Key {
				c.Sorted = "ascending"
				if desc {
					c.Sorted = "descending"
				} else {
					s.Sort = "-" + f.Key
				}
			}
			c.SortURL = s.URL("/customers")
		}
		d.Columns = append(d.Columns, c)
	}
	for _, c := range res.Customers {
		custom := env.Catalog.FieldsByKey(c.Custom)
		rw := row{ID: c.ID}
		for _, f := range cols {
			rw.Cells = append(rw.Cells, display(f, c, custom, n))
		}
		d.Rows = append(d.Rows, rw)
	}
	if later {
		d.TotalURL = st.first().URL("/customers/total")
	}
	if res.NextCursor != "" {
		d.NextURL = st.next(res.NextCursor).URL("/customers")
	}
	if p, ok := st.prev(); ok {
		d.PrevURL = p.URL("/customers")
	}
	if st.Cursor != "" && (len(st.Prev) > 0 || st.PrevCut) { // "previous" is not already the first page
		d.FirstURL = st.first().URL("/customers")
	}
	d.Back = st.URL("/customers")
	ex := url.Values{}
	if f := combinedFilter(req.Filter); f != "" {
		ex.Set("filter", f)
	}
	var keys []string
	for _, f := range cols {
		keys = append(keys, f.Key)
	}
	ex.Set("cols", strings.Join(keys, ","))
	d.ColsNow = strings.Join(keys, ",")
	d.Export = "/export?" + ex.Encode()
	return d, nil
}

// combinedFilter is the list's whole condition (search box and filter) in
// the compact string form the native API and the export take.
func combinedFilter(n *cond.Node) string {
	if n == nil {
		return ""
	}
	return n.String()
}

// opChoice is an operator the filter builder offers.
type opChoice struct {
	Op    string // the string form's spelling
	Label string // message key
	Types string // field types it applies to, space-separated; "" for all
	NoVal bool
}

var ops = []opChoice{
	{Op: "=", Label: "op.eq"},
	{Op: "!=", Label: "op.neq"},
	{Op: "~", Label: "op.contains", Types: "text textarea email phone"},
	{Op: "!~", Label: "op.notContains", Types: "text textarea email"},
	{Op: "^=", Label: "op.startsWith", Types: "text textarea email phone"},
	{Op: "$=", Label: "op.endsWith", Types: "text phone"},
	{Op: ">", Label: "op.gt", Types: "number datetime date id"},
	{Op: ">=", Label: "op.gte", Types: "number datetime date id"},
	{Op: "<", Label: "op.lt", Types: "number datetime date id"},
	{Op: "<=", Label: "op.lte", Types: "number datetime date id"},
	{Op: "?=", Label: "op.hasAny", Types: "tags multiselect staffList"},
	{Op: "?!", Label: "op.hasNone", Types: "tags multiselect staffList"},
	{Op: "isEmpty", Label: "op.isEmpty", NoVal: true},
	{Op: "isNotEmpty", Label: "op.isNotEmpty", NoVal: true},
	{Op: "today", Label: "op.today", Types: "datetime date", NoVal: true},
	{Op: "thisWeek", Label: "op.thisWeek", Types: "datetime date", NoVal: true},
	{Op: "thisMonth", Label: "op.thisMonth", Types: "datetime date", NoVal: true},
	{Op: "lastDays", Label: "op.lastDays", Types: "datetime date"},
}
