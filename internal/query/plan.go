package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/textindex"
)

// Query planning.
//
// Compile turns a filter into one WHERE clause whose set conditions (name
// and company tokens, custom values, tags, collaborators) are all
// `c.id IN (SELECT …)`. Left to itself, SQLite materialises every such set
// in full and then picks a driving index with no idea how large the sets
// are: a phone lookup sorted by id became a scan of the whole table in id
// order (530 ms at a million customers), "name contains 张 + status"
// materialised 90k ids twice (17 ms page, 256 ms count). The planner here
// decides the shape instead, from what the database cheaply tells it:
//
//   - A point condition (phone, email, id number, external id, id, phone
//     suffix of 3+ digits) drives the query through its index.
//   - Otherwise each top-level set condition's size is probed with a capped
//     count (LIMIT PlanCap, a few index entries); the smallest set under the
//     cap drives: its ids are looked up, every other set condition becomes
//     a correlated lookup for the candidate (`… AND customer_id = c.id`),
//     never a materialised set.
//   - Otherwise, when the sort has an index (id, createdAt, updatedAt,
//     name), the query walks that index in order and checks each customer
//     with correlated lookups, stopping after one page.
//
// On SQLite the choice is pinned with INDEXED BY (SQLite has no statistics
// unless ANALYZE ran); PostgreSQL gets the same SQL shape without the hint
// (a driving set as "= ANY (ARRAY(…))", which it runs once and probes an
// index with) and plans the rest with its own statistics. Counts use the
// cheapest exact source: the customer_counts counters for project/status-
// only filters, the token index (which carries the status) for "name
// fragment [+ status]", and otherwise the same driven query as the page.
// When the driving set is small, one pass over it yields every match's id
// and sort keys: the total and the page come from it together (Plan.IDsSQL)
// and only the page's rows are loaded. Deep page numbers (OFFSET ≥
// deepOffset) find the page's ids with an id-only, usually index-only,
// walk first.
//
// TestQueryPlansUseIndexes (internal/bench) EXPLAINs what this produces for
// every API on both databases.

// PlanCap bounds the capped counts that size the candidate sets, and is the
// largest set that drives a query by looking its customers up. (A variable
// so tests on small databases can make the planner choose as it would on a
// large one.)
var PlanCap = 4000

// deepOffset is the OFFSET from which page-number paging first finds the
// page's ids alone (an index-only walk) and only then loads the rows.
const deepOffset = 1000

// pkIndex is SQLite's name for the index of customers' primary key.
const pkIndex = "sqlite_autoindex_customers_1"

// choice is what the planner decided for one request.
type choice struct {
	conj     []*RNode // top-level conjuncts of the filter
	driver   int      // index in conj of the set that drives, or -1
	hint     string   // SQLite INDEXED BY index, "" for none
	estimate int      // capped size of the driving set
	strategy strategy // what drives the query
	// colDriver: the driving set is an owner, department or project
	// condition, answered through its index (hint) rather than as ids.
	colDriver bool
}

// strategy is what the planner found to drive a query.
type strategy int

const (
	// byPoint: a point condition (phone, email, id, …) through its index.
	byPoint strategy = iota
	// bySmallSet: the smallest set condition, at most PlanCap customers.
	bySmallSet
	// bySortOrder: walking the sort's index, one page at a time.
	bySortOrder
	// byLargeSets: no small set and no sort index; the database decides.
	byLargeSets
)

// String is the strategy's name in Plan.Choice, for EXPLAIN tests and logs.
func (s strategy) String() string {
	switch s {
	case byPoint:
		return "point condition"
	case bySmallSet:
		return "small set"
	case bySortOrder:
		return "sort order"
	}
	return "large sets"
}

// conjuncts flattens nested ANDs.
func conjuncts(n *RNode, out []*RNode) []*RNode {
	switch {
	case n == nil:
	case len(n.And) > 0:
		for _, c := range n.And {
			out = conjuncts(c, out)
		}
	default:
		out = append(out, n)
	}
	return out
}

// pointIndex names the index of a condition that matches a handful of
// customers at most, or "".
func pointIndex(n *RNode) string {
	l := n.Leaf
	if l == nil {
		return ""
	}
	switch l.Field.ID {
	case model.FieldPhone:
		switch l.Op {
		case cond.OpEq, cond.OpIn:
			return "customers_phone"
		case cond.OpEndsWith:
			if len(l.Values) == 1 && len(l.Values[0].(string)) >= 3 {
				return "customers_phone_rev"
			}
		}
	case model.FieldEmail:
		if l.Op == cond.OpEq || l.Op == cond.OpIn {
			return "customers_email"
		}
	case model.FieldIDNumber:
		if l.Op == cond.OpEq || l.Op == cond.OpIn {
			return "customers_id_number"
		}
	case model.FieldExternalID:
		if l.Op == cond.OpEq || l.Op == cond.OpIn {
			return "customers_external"
		}
	case model.FieldID:
		if l.Op == cond.OpEq || l.Op == cond.OpIn {
			return pkIndex
		}
	}
	return ""
}

// isOneProject: projectId equals one project (choice fields resolve eq to in).
func isOneProject(l *RLeaf) bool {
	return l != nil && l.Field.ID == model.FieldProject && (l.Op == cond.OpEq || l.Op == cond.OpIn) && len(l.Values) == 1
}

// isOneOwner: owner equals one staff member.
func isOneOwner(l *RLeaf) bool {
	return l != nil && l.Field.ID == model.FieldOwner && (l.Op == cond.OpEq || l.Op == cond.OpIn) && len(l.Values) == 1
}

// columnIndex is the index serving an owner, department or project set.
func columnIndex(n *RNode) string {
	switch {
	case ownerLeaf(n):
		return "customers_owner"
	case isOneProject(n.Leaf) && wholeNumbers(n.Leaf) != nil:
		return "customers_project"
	}
	return ""
}

// sortIndex is the index that yields customers in the order of keys, or "".
func sortIndex(keys []sortKey, conj []*RNode) string {
	if len(keys) == 0 {
		return ""
	}
	for _, k := range keys[1:] {
		if k.desc != keys[0].desc {
			return ""
		}
	}
	if len(keys) == 1 && keys[0].expr == "c.id" {
		return pkIndex
	}
	if len(keys) != 2 || keys[1].expr != "c.id" {
		return ""
	}
	switch keys[0].expr {
	case "c.created_at":
		for _, n := range conj {
			if l := n.Leaf; isOneOwner(l) {
				return "customers_owner" // (tenant, owner, created_at, id, project, status)
			}
		}
		for _, n := range conj {
			if l := n.Leaf; isOneProject(l) {
				return "customers_project" // (tenant, project, created_at, id, status, owner)
			}
		}
		return "customers_created"
	case "c.last_follow_at", "c.next_follow_at":
		// (tenant, [owner | project,] last/next_follow_at, id, …): migration 0012.
		col := strings.TrimPrefix(strings.TrimSuffix(keys[0].expr, "_at"), "c.")
		for _, n := range conj {
			if isOneOwner(n.Leaf) {
				return "customers_owner_" + col
			}
		}
		if col == "last_follow" {
			for _, n := range conj {
				if isOneProject(n.Leaf) {
					return "customers_project_last_follow"
				}
			}
		}
		return "customers_" + col
	case "c.updated_at":
		return "customers_updated"
	case "c.name":
		return "customers_name"
	}
	return ""
}

// idSet writes an uncorrelated subquery of candidate customer ids — a
// superset of the customers n matches — and reports whether n has one.
func (b *builder) idSet(n *RNode) bool {
	switch {
	case len(n.Or) > 0:
		for _, c := range n.Or {
			if !(&builder{dialect: b.dialect, tenant: b.tenant}).idSet(c) {
				return false
			}
		}
		for i, c := range n.Or {
			if i > 0 {
				b.w(" UNION ALL ") // duplicates are harmless in IN (…), and need no merge
			}
			b.w("SELECT * FROM (")
			b.idSet(c)
			b.w(") u" + strconv.Itoa(i))
		}
		return true
	case len(n.And) > 0:
		for _, c := range n.And {
			if (&builder{dialect: b.dialect, tenant: b.tenant}).idSet(c) {
				return b.idSet(c)
			}
		}
		return false
	case n.Leaf == nil:
		return false
	case b.columnSet(n):
		return true
	}
	l := phonePrefix(n.Leaf) // as builder.leaf compiles it
	f := l.Field
	switch {
	case f.ID == model.FieldName || f.ID == model.FieldCompany:
		if l.Op != cond.OpContains && l.Op != cond.OpStartsWith && l.Op != cond.OpEndsWith {
			return false
		}
		prefix, table, col := "", "customer_grams", "customer_id"
		if f.ID == model.FieldCompany {
			prefix, table, col = store.CompanyGramPrefix, "value_grams", "value"
		}
		grams, _ := textindex.FragmentGrams(prefix, textindex.Normalize(l.Values[0].(string)))
		if len(grams) == 0 {
			return false
		}
		if f.ID == model.FieldCompany {
			b.w("SELECT c2.id FROM customers c2" + b.indexedBy("customers_company") + " WHERE c2.tenant_id = ")
			b.arg(b.tenant)
			b.w(" AND c2.company_norm <> '' AND c2.company_norm" + b.inList())
		}
		for i, g := range grams {
			if i > 0 {
				b.w(" INTERSECT ")
			}
			if i == 0 && f.ID == model.FieldName {
				b.gramSelect("customer_id", g)
				continue
			}
			b.w("SELECT " + col + " FROM " + table + " WHERE tenant_id = ")
			b.arg(b.tenant)
			b.w(" AND gram = ")
			b.arg(g)
		}
		if f.ID == model.FieldCompany {
			b.w(b.inEnd())
		}
		return true
	case f.ID == model.FieldRemark && (l.Op == cond.OpContains || l.Op == cond.OpStartsWith || l.Op == cond.OpEndsWith):
		grams, _ := textindex.FoldFragmentGrams(store.RemarkGramPrefix, l.Values[0].(string))
		if len(grams) == 0 {
			return false
		}
		for i, g := range grams {
			if i > 0 {
				b.w(" INTERSECT ")
			}
			b.w("SELECT customer_id FROM customer_grams WHERE tenant_id = ")
			b.arg(b.tenant)
			b.w(" AND gram = ")
			b.arg(g)
			if i == 0 {
				b.scopeGrams()
			}
		}
		return true
	case f.ID == model.FieldPinyin:
		prefixes := textindex.PinyinPrefixes("", l.Values[0].(string))
		if len(prefixes) == 0 {
			return false
		}
		b.pinyinRanges(prefixes)
		return true
	case f.ID == model.FieldPhone && (l.Op == cond.OpEq || l.Op == cond.OpEndsWith):
		ix := "customers_phone"
		if l.Op == cond.OpEndsWith {
			ix = "customers_phone_rev"
		}
		b.w("SELECT c2.id FROM customers c2" + b.indexedBy(ix) + " WHERE c2.tenant_id = ")
		b.arg(b.tenant)
		if l.Op == cond.OpEq {
			b.w(" AND c2.phone IS NOT NULL AND c2.phone = ")
			b.arg(l.Values[0])
			return true
		}
		rev := reverse(l.Values[0].(string))
		if rev == "" {
			return false
		}
		b.w(" AND c2.phone_rev IS NOT NULL AND c2.phone_rev >= ")
		b.arg(rev)
		b.w(" AND c2.phone_rev < ")
		b.arg(textindex.PrefixUpperBound(rev))
		return true
	case f.ID == model.FieldTags || f.ID == model.FieldCollaborators:
		if l.Op != cond.OpHasAny && l.Op != cond.OpHasAll {
			return false
		}
		table, col := "customer_tags", "tag_id"
		if f.ID == model.FieldCollaborators {
			table, col = "customer_collaborators", "staff_id"
		}
		b.w("SELECT customer_id FROM " + table + " WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND " + col + " IN ")
		b.argList(l.Values, func(v any) any { return v })
		return true
	case !f.System:
		switch l.Op {
		case cond.OpIsEmpty, cond.OpNeq, cond.OpNotIn, cond.OpNotContains, cond.OpHasNone, cond.OpIsNotEmpty, opNotBetween:
			return false
		}
		table := valueTable(f.Type)
		conv := func(v any) any { return v }
		if table == "customer_values_num" {
			conv = toNum
		}
		b.w("SELECT customer_id FROM " + table + " WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND field_id = ")
		b.arg(f.ID)
		switch l.Op {
		case cond.OpHasAny, cond.OpHasAll:
			b.w(" AND value IN ")
			b.argList(l.Values, conv)
		default:
			b.w(" AND ")
			b.compare("value", l, conv)
		}
		return true
	}
	return false
}

// inList opens a membership test against a subquery: IN (…) on SQLite, and
// = ANY (ARRAY(…)) on PostgreSQL, where the subquery then runs once as an
// init plan and the outer side becomes an index scan over its values (a
// semi-join would be free to walk the whole outer index instead).
func (b *builder) inList() string {
	if b.dialect == store.Postgres {
		return " = ANY (ARRAY("
	}
	return " IN ("
}

func (b *builder) inEnd() string {
	if b.dialect == store.Postgres {
		return "))"
	}
	return ")"
}

// exactSet reports whether idSet(n) is exactly the customers n matches (no
// recheck needed), so the planned filter need not repeat n.
func exactSet(n *RNode) bool {
	if len(n.Or) > 0 {
		for _, c := range n.Or {
			if !exactSet(c) {
				return false
			}
		}
		return true
	}
	l := n.Leaf
	if l == nil {
		return false
	}
	switch f := l.Field; {
	case f.ID == model.FieldPinyin:
		return true
	case f.ID == model.FieldName:
		if l.Op != cond.OpContains {
			return false
		}
		grams, recheck := textindex.FragmentGrams("", textindex.Normalize(l.Values[0].(string)))
		return len(grams) > 0 && !recheck
	case f.ID == model.FieldTags || f.ID == model.FieldCollaborators:
		return l.Op == cond.OpHasAny
	case !f.System:
		switch l.Op {
		case cond.OpHasAny, cond.OpEq, cond.OpIn, cond.OpGt, cond.OpGte, cond.OpLt, cond.OpLte, cond.OpBetween:
			return true
		}
	}
	return false
}

// indexedBy is SQLite's index hint (nothing on PostgreSQL).
func (b *builder) indexedBy(index string) string {
	if b.dialect != store.SQLite {
		return ""
	}
	return " INDEXED BY " + index
}

// plan decides how to run a filter (see the comment at the top).
func (e *Engine) plan(ctx context.Context, tenantID int64, rn *RNode, keys []sortKey) (*choice, error) {
	ch := &choice{conj: conjuncts(rn, nil), driver: -1}
	dialect := e.Store.Dialect()
	for _, n := range ch.conj {
		if ix := pointIndex(n); ix != "" {
			ch.hint, ch.strategy = ix, byPoint
			return ch, nil
		}
	}
	best := PlanCap + 1
	for i, n := range ch.conj {
		b := &builder{dialect: dialect, tenant: tenantID, scope: scopeFor(ch.conj, i)}
		b.w("SELECT COUNT(*) FROM (")
		if !b.idSet(n) {
			continue
		}
		b.w(" LIMIT ")
		b.limit(PlanCap + 1)
		b.w(") AS e")
		var k int
		if err := e.Store.QueryRow(ctx, store.Rebind(dialect, b.sb.String()), b.args...).Scan(&k); err != nil {
			return nil, fmt.Errorf("query: size a condition: %w", err)
		}
		if ch.driver < 0 || k < best {
			ch.driver, best = i, k
		}
	}
	ch.estimate = best
	if ch.driver >= 0 && best <= PlanCap {
		ch.hint, ch.strategy = pkIndex, bySmallSet
		if ix := columnIndex(ch.conj[ch.driver]); ix != "" {
			// An owner, department or project set: walk its index, which
			// carries the scope columns, instead of looking ids up.
			ch.hint, ch.colDriver = ix, true
		}
		return ch, nil
	}
	if ix := sortIndex(keys, ch.conj); ix != "" {
		ch.hint, ch.strategy = ix, bySortOrder
		return ch, nil
	}
	ch.strategy = byLargeSets
	return ch, nil
}

// where writes the planned filter: the driving set (if any) as ids to look
// up, everything else with set conditions as correlated lookups. A count
// is always driven by the smallest set when there is one; a page only when
// it does not walk the sort order.
func (ch *choice) where(b *builder, count bool) {
	drive := ch.driver >= 0 && (count || ch.strategy != bySortOrder)
	for i, n := range ch.conj {
		b.w(" AND ")
		if drive && i == ch.driver && ch.colDriver {
			b.node(n) // a column condition, served by the hinted index
			continue
		}
		if drive && i == ch.driver {
			b.w("c.id" + b.inList())
			b.scope = scopeFor(ch.conj, i)
			b.idSet(n)
			b.scope = nil
			b.w(b.inEnd())
			if exactSet(n) {
				continue
			}
			b.w(" AND ")
		}
		b.probe = true
		b.node(n)
		b.probe = false
	}
}

// from is the FROM clause with the SQLite index hint for the page query.
func (ch *choice) from(dialect string, count bool) string {
	hint := ch.hint
	if count && ch.strategy == bySortOrder {
		hint = "" // the order is irrelevant to a count
	}
	if count && ch.strategy == byLargeSets && ch.driver >= 0 {
		hint = pkIndex // drive the count from the smallest set
	}
	if hint == "" || dialect != store.SQLite {
		return " FROM customers c"
	}
	return " FROM customers c INDEXED BY " + hint
}

// fastCount answers a count without touching customers when the filter
// allows: counters for project/status-only filters, the token index for a
// single name token with an optional status.
func fastCount(dialect string, tenantID int64, conj []*RNode) (string, []any, bool) {
	// Not for counters: one name token with scope conditions (from the
	// token rows alone), or scope conditions alone (an index-only count).
	scoped := func() (string, []any, bool) {
		if q, args, ok := gramCount(dialect, tenantID, conj); ok {
			return q, args, true
		}
		return scopedCount(dialect, tenantID, conj)
	}
	var status *RLeaf
	var projects []int64 // nil: any project; 0 stands for "no project"
	for _, n := range conj {
		if ps, ok := projectValues(n); ok && projects == nil {
			projects = ps
			continue
		}
		l := n.Leaf
		if l == nil {
			return scoped()
		}
		switch {
		case l.Field.ID == model.FieldStatus && (l.Op == cond.OpEq || l.Op == cond.OpIn) && status == nil:
			status = l
		default:
			return scoped()
		}
	}
	b := &builder{dialect: dialect, tenant: tenantID}
	statuses := func() {
		if status == nil {
			return
		}
		w := wholeNumbers(status)
		if w == nil {
			b.w(" AND 1 = 0")
			return
		}
		b.w(" AND status IN ")
		b.argList(w.Values, toInt)
	}
	{
		b.w("SELECT COALESCE(SUM(n), 0) FROM customer_counts WHERE tenant_id = ")
		b.arg(tenantID)
		if projects != nil && len(projects) == 0 {
			b.w(" AND 1 = 0")
		} else if projects != nil {
			vals := make([]any, len(projects))
			for i, p := range projects {
				vals[i] = p
			}
			b.w(" AND project_id IN ")
			b.argList(vals, func(v any) any { return v })
		}
		statuses()
	}
	return store.Rebind(dialect, b.sb.String()), b.args, true
}

// projectValues reads a condition on the project alone — one project, no
// project (isEmpty), or an OR of those — as counter keys (0: no project).
func projectValues(n *RNode) ([]int64, bool) {
	if len(n.Or) > 0 {
		var out []int64
		for _, c := range n.Or {
			ps, ok := projectValues(c)
			if !ok {
				return nil, false
			}
			out = append(out, ps...)
		}
		return out, true
	}
	l := n.Leaf
	switch {
	case isOneProject(l):
		w := wholeNumbers(l)
		if w == nil {
			return []int64{}, true // a fractional id: matches nothing
		}
		id := toInt(w.Values[0]).(int64)
		if id == 0 {
			return nil, false
		}
		return []int64{id}, true
	case l != nil && l.Field.ID == model.FieldProject && l.Op == cond.OpIsEmpty:
		return []int64{0}, true
	}
	return nil, false
}

// describe is a one-line summary of a choice, for tests and debugging.
func (ch *choice) describe() string {
	var s strings.Builder
	s.WriteString(ch.strategy.String())
	if ch.hint != "" {
		s.WriteString(" via " + strings.Replace(ch.hint, pkIndex, "primary key", 1))
	}
	if ch.driver >= 0 {
		fmt.Fprintf(&s, ", driving set ≈%d", ch.estimate)
	}
	return s.String()
}

// estimateSample is how many customers the SQLite estimate evaluates.
const estimateSample = 2000

// estimate fills res.Total for total=estimate: exact when at most PlanCap
// customers match (a capped count), otherwise an estimate — PostgreSQL's
// planner estimate, or on SQLite the share of matches in a sample of
// customers times the tenant's customer count — never below PlanCap+1.
func (e *Engine) estimate(ctx context.Context, p *Plan, res *Result) error {
	dialect := e.Store.Dialect()
	// Count at most PlanCap+1 rows of the count's filter.
	capped := store.Rebind(dialect, "SELECT COUNT(*) FROM (SELECT 1"+p.countFilter+" LIMIT "+strconv.Itoa(PlanCap+1)+") AS e")
	if err := e.Store.QueryRow(ctx, capped, p.CountArgs...).Scan(&res.Total); err != nil {
		return fmt.Errorf("query: count: %w", err)
	}
	if res.Total <= int64(PlanCap) {
		return nil
	}
	res.Estimated = true
	var est float64
	if dialect == store.Postgres {
		var js string
		if err := e.Store.QueryRow(ctx, store.Rebind(dialect, "EXPLAIN (FORMAT JSON) SELECT 1"+p.countFilter), p.CountArgs...).Scan(&js); err != nil {
			return fmt.Errorf("query: estimate: %w", err)
		}
		var out []struct {
			Plan struct {
				Rows float64 `json:"Plan Rows"`
			} `json:"Plan"`
		}
		if json.Unmarshal([]byte(js), &out) == nil && len(out) == 1 {
			est = out[0].Plan.Rows
		}
	} else if p.sample != "" {
		var total, hits sql.NullFloat64
		if err := e.Store.QueryRow(ctx, p.sample, p.sampleArgs...).Scan(&total, &hits); err != nil {
			return fmt.Errorf("query: estimate: %w", err)
		}
		if total.Float64 > 0 {
			est = hits.Float64 / estimateSample * total.Float64
		}
	}
	res.Total = max(res.Total, int64(est))
	return nil
}
