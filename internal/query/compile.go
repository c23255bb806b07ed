package query

import (
	"math"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/textindex"
)

// sysCol describes how a system field maps onto the customers table.
type sysCol struct {
	expr      string // column expression
	nullable  bool   // empty is NULL (comparisons are guarded so they are never NULL)
	zeroEmpty bool   // empty is 0
	guardZero bool   // comparisons exclude 0 (dates and ages where 0 means unknown)
	intCol    bool   // bind numbers as int64
}

// sysCols are the plain-column system fields, read from their descriptors
// (model.SystemFieldDescs). Fields without a column, and tags and
// collaborators (queried through their link tables), are compiled by id in
// leaf.
var sysCols = map[int64]sysCol{}

func init() {
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		if _, isList := d.Get(&model.Customer{}).([]int64); d.Column == "" || isList {
			continue
		}
		sysCols[d.ID] = sysCol{expr: "c." + d.Column, nullable: d.Empty == model.EmptyNull,
			zeroEmpty: d.Empty == model.EmptyZero, guardZero: d.GuardZero, intCol: d.IntColumn()}
	}
}

// builder accumulates SQL text and its bound arguments. Only constant SQL
// fragments from this file are ever written into sb; every value is an arg.
type builder struct {
	dialect string
	tenant  int64
	sb      strings.Builder
	args    []any
	// probe makes set conditions (tokens, custom values, tags,
	// collaborators) correlated lookups for the current customer instead
	// of materialised sets: the planner (plan.go) uses it for every
	// condition except the one that drives the query.
	probe bool
	// scope are the scope conditions (scope.go) pushed into the token-table
	// selects idSet writes; scoped compiles conditions on a customer_grams
	// row instead of on c.
	scope  []*RNode
	scoped bool
}

// correlate restricts a set subquery to the current customer in probe mode.
func (b *builder) correlate(col, outer string) {
	if b.probe {
		b.w(" AND " + col + " = " + outer)
	}
}

func (b *builder) w(s string) { b.sb.WriteString(s) }

func (b *builder) arg(v any) {
	b.sb.WriteByte('?')
	b.args = append(b.args, v)
}

// limit writes a LIMIT count as an integer literal, not a bound
// parameter: SQLite (3.47 on) plans with a bound LIMIT's value, which
// marks the statement to be prepared again whenever that parameter is
// bound — on every run of a cached statement, so a phone lookup was parsed
// and planned twice per request (issue 14). n is the engine's own page size
// or cap, never request text; OFFSET stays bound (one statement for every
// page number).
func (b *builder) limit(n int) {
	b.sb.WriteString(strconv.Itoa(n))
}

func (b *builder) argList(vals []any, conv func(any) any) {
	b.w("(")
	for i, v := range vals {
		if i > 0 {
			b.w(", ")
		}
		b.arg(conv(v))
	}
	b.w(")")
}

func (b *builder) like() string {
	if b.dialect == store.Postgres {
		return " ILIKE "
	}
	return " LIKE "
}

// Compile turns a resolved tree into a WHERE fragment over customers c
// (without the tenant predicate, which the caller adds) with ? placeholders.
func Compile(dialect string, tenantID int64, n *RNode) (string, []any) {
	b := &builder{dialect: dialect, tenant: tenantID}
	if n == nil {
		return "", nil
	}
	b.node(n)
	return b.sb.String(), b.args
}

func (b *builder) node(n *RNode) {
	switch {
	case n.Leaf != nil:
		b.leaf(n.Leaf)
	case n.Not != nil:
		b.w("NOT (")
		b.node(n.Not)
		b.w(")")
	case len(n.And) > 0:
		b.group(n.And, " AND ")
	case len(n.Or) > 0:
		b.group(n.Or, " OR ")
	}
}

func (b *builder) group(ns []*RNode, sep string) {
	b.w("(")
	for i, c := range ns {
		if i > 0 {
			b.w(sep)
		}
		b.node(c)
	}
	b.w(")")
}

// negated maps each negative operator to its positive twin: the compiler
// only emits positives and wraps them in NOT, and every positive is
// two-valued (never NULL), so NOT is an exact complement.
var negated = map[cond.Op]cond.Op{cond.OpNeq: cond.OpEq, cond.OpNotIn: cond.OpIn, cond.OpNotContains: cond.OpContains, cond.OpHasNone: cond.OpHasAny,
	cond.OpIsNotEmpty: cond.OpIsEmpty, opNotBetween: cond.OpBetween}

func (b *builder) leaf(l *RLeaf) {
	if pos, ok := negated[l.Op]; ok {
		b.w("NOT (")
		b.leaf(&RLeaf{Field: l.Field, Op: pos, Values: l.Values, Pos: l.Pos})
		b.w(")")
		return
	}
	if b.scoped {
		b.scopeLeaf(l)
		return
	}
	l = phonePrefix(l)
	f := l.Field
	switch {
	case f.ID == model.FieldName || f.ID == model.FieldCompany:
		b.gramField(l)
	case f.ID == model.FieldRemark && (l.Op == cond.OpContains || l.Op == cond.OpStartsWith || l.Op == cond.OpEndsWith):
		b.remarkGrams(l)
	case f.ID == model.FieldPinyin:
		b.pinyin(l)
	case f.ID == model.FieldPhone && (l.Op == cond.OpEndsWith):
		b.phoneSuffix(l)
	case f.ID == model.FieldTags:
		b.linkSet(l, "customer_tags", "tag_id")
	case f.ID == model.FieldCollaborators:
		b.linkSet(l, "customer_collaborators", "staff_id")
	case f.ID == model.FieldDepartment:
		b.w("(c.owner_id IS NOT NULL AND ")
		b.ownerInDepartments(l.Values, "c.owner_id")
		b.w(")")
	case f.ID == model.FieldCollaboratorDepartment:
		b.w("c.id IN (SELECT cc.customer_id FROM customer_collaborators cc WHERE cc.tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND ")
		b.ownerInDepartments(l.Values, "cc.staff_id")
		b.w(")")
	case f.ID == model.FieldInPool:
		// Not "c.pool_id IS NOT NULL": that is customers_pool's partial
		// index predicate, and PostgreSQL then walked the whole index (every
		// pool customer of the tenant) to recheck a handful of driven ids.
		// inPool is only ever a filter on customers (the token rows carry
		// pool_id for the searches it narrows; a pool id seeks the index).
		b.inPool(l, "COALESCE(c.pool_id, 0) <> 0")
	case f.System:
		b.column(l, sysCols[f.ID])
	default:
		b.custom(l)
	}
}

// phonePrefix rewrites startsWith on a phone field: numbers are stored in
// E.164, so the digits searched for follow the "+".
func phonePrefix(l *RLeaf) *RLeaf {
	if l.Field.Type == model.TypePhone && l.Op == cond.OpStartsWith {
		return &RLeaf{Field: l.Field, Op: l.Op, Values: []any{"+" + l.Values[0].(string)}, Pos: l.Pos}
	}
	return l
}

// column compiles a condition on a plain customers column.
func (b *builder) column(l *RLeaf, col sysCol) {
	conv := func(v any) any { return v }
	if col.intCol {
		conv = toInt
	}
	if l.Op == cond.OpIsEmpty {
		switch {
		case col.nullable && !col.intCol:
			b.w("(" + col.expr + " IS NULL OR " + col.expr + " = '')")
		case col.nullable:
			b.w(col.expr + " IS NULL")
		case col.zeroEmpty:
			b.w(col.expr + " = 0")
		case col.intCol:
			b.w("1 = 0") // never empty
		default:
			b.w(col.expr + " = ''")
		}
		return
	}
	if col.intCol {
		if l = wholeNumbers(l); l == nil {
			b.w("1 = 0")
			return
		}
	}
	b.w("(")
	if col.nullable {
		b.w(col.expr + " IS NOT NULL AND ")
	}
	if col.guardZero {
		b.w(col.expr + " <> 0 AND ")
	}
	b.compare(col.expr, l, conv)
	b.w(")")
}

// compare writes expr <op> values for the comparison operators.
func (b *builder) compare(expr string, l *RLeaf, conv func(any) any) {
	switch l.Op {
	case cond.OpEq:
		b.w(expr + " = ")
		b.arg(conv(l.Values[0]))
	case cond.OpIn:
		b.w(expr + " IN ")
		b.argList(l.Values, conv)
	case cond.OpGt, cond.OpGte, cond.OpLt, cond.OpLte:
		b.w(expr + map[cond.Op]string{cond.OpGt: " > ", cond.OpGte: " >= ", cond.OpLt: " < ", cond.OpLte: " <= "}[l.Op])
		b.arg(conv(l.Values[0]))
	case cond.OpBetween:
		b.w(expr + " BETWEEN ")
		b.arg(conv(l.Values[0]))
		b.w(" AND ")
		b.arg(conv(l.Values[1]))
	case cond.OpContains, cond.OpStartsWith, cond.OpEndsWith:
		b.w(expr + b.like())
		b.arg(likePattern(l.Op, l.Values[0].(string)))
		b.w(` ESCAPE '\'`)
	default:
		b.w("1 = 0")
	}
}

// wholeNumbers rewrites a comparison of an integer column with float64
// operands into one with whole operands that selects the same rows: a
// fraction rounds towards the side the operator keeps (age > 29.5 is
// age > 29, age >= 29.5 is age >= 30), eq/in drop fractional values, and
// bounds beyond any column value are clamped (converting them to int64
// would wrap around). It returns nil when no row can match.
func wholeNumbers(l *RLeaf) *RLeaf {
	const limit = 1 << 62
	out := &RLeaf{Field: l.Field, Op: l.Op, Pos: l.Pos}
	for i, v := range l.Values {
		x, ok := v.(float64)
		if !ok {
			out.Values = append(out.Values, v)
			continue
		}
		switch {
		case l.Op == cond.OpEq || l.Op == cond.OpIn:
			if x != math.Trunc(x) || math.Abs(x) > limit {
				continue
			}
		case l.Op == cond.OpGt || l.Op == cond.OpLte || l.Op == cond.OpBetween && i == 1:
			x = math.Floor(x)
		default: // gte, lt, the lower bound of between
			x = math.Ceil(x)
		}
		out.Values = append(out.Values, math.Max(-limit, math.Min(limit, x)))
	}
	if len(out.Values) == 0 {
		return nil
	}
	return out
}

func toInt(v any) any {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

func toNum(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case bool:
		if x {
			return float64(1)
		}
		return float64(0)
	}
	return v
}

// likePattern escapes s for LIKE … ESCAPE '\' and adds the wildcards of op.
func likePattern(op cond.Op, s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	e := r.Replace(s)
	switch op {
	case cond.OpStartsWith:
		return e + "%"
	case cond.OpEndsWith:
		return "%" + e
	}
	return "%" + e + "%"
}

// gramField answers name/company fragment conditions from the token
// tables, rechecking against the normalised column when the grams
// over-approximate.
func (b *builder) gramField(l *RLeaf) {
	prefix, norm, col := "", "c.name_norm", "c.name"
	if l.Field.ID == model.FieldCompany {
		prefix, norm, col = "c", "c.company_norm", "c.company"
	}
	switch l.Op {
	case cond.OpContains, cond.OpStartsWith, cond.OpEndsWith:
	default:
		b.column(l, sysCol{expr: col})
		return
	}
	q := textindex.NormalizeFragment(l.Values[0].(string)) // " " for a blank fragment: names with inner whitespace
	grams, recheck := textindex.FragmentGrams(prefix, q)
	if l.Op != cond.OpContains {
		recheck = true
	}
	if len(grams) == 0 { // nothing indexable (punctuation only, or empty): plain match
		b.w("(" + norm + " LIKE ")
		b.arg(likePattern(l.Op, q))
		b.w(` ESCAPE '\')`)
		return
	}
	// Name tokens are per customer (customer_grams); company tokens are per
	// distinct normalised company name (value_grams), joined back through
	// the customers_company index.
	key, sel := "c.id", "SELECT customer_id FROM customer_grams"
	if l.Field.ID == model.FieldCompany {
		key, sel = "c.company_norm", "SELECT value FROM value_grams"
		b.w("(c.company_norm <> '' AND ")
	} else {
		b.w("(")
	}
	b.w(key + " IN (")
	for i, g := range grams {
		if i > 0 {
			b.w(" INTERSECT ")
		}
		b.w(sel + " WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND gram = ")
		b.arg(g)
		if l.Field.ID == model.FieldCompany {
			b.correlate("value", "c.company_norm")
		} else {
			b.correlate("customer_id", "c.id")
		}
	}
	b.w(")")
	if recheck {
		b.w(" AND " + norm + " LIKE ")
		b.arg(likePattern(l.Op, q))
		b.w(` ESCAPE '\'`)
	}
	b.w(")")
}

// remarkGrams answers remark fragment conditions from the remark's tokens
// in customer_grams (textindex.FoldTokens under store.RemarkGramPrefix),
// always rechecked with the column's own LIKE, whose semantics they keep.
func (b *builder) remarkGrams(l *RLeaf) {
	grams, _ := textindex.FoldFragmentGrams(store.RemarkGramPrefix, l.Values[0].(string))
	if len(grams) == 0 {
		b.column(l, sysCols[model.FieldRemark])
		return
	}
	b.w("(c.id IN (")
	for i, g := range grams {
		if i > 0 {
			b.w(" INTERSECT ")
		}
		b.w("SELECT customer_id FROM customer_grams WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND gram = ")
		b.arg(g)
		b.correlate("customer_id", "c.id")
	}
	b.w(") AND ")
	b.column(l, sysCols[model.FieldRemark])
	b.w(")")
}

// pinyin answers a pinyin prefix search (full pinyin or initials) as two
// range scans of customer_grams.
func (b *builder) pinyin(l *RLeaf) {
	prefixes := textindex.PinyinPrefixes("", l.Values[0].(string))
	if len(prefixes) == 0 {
		b.w("1 = 0")
		return
	}
	b.w("c.id IN (")
	b.pinyinRanges(prefixes)
	b.w(")")
}

// pinyinRanges selects the customers with a token in any of the prefix
// ranges, one range scan per prefix (UNION ALL: SQLite cannot serve an OR
// of ranges on a WITHOUT ROWID table from its key, and would read every
// token of the tenant).
func (b *builder) pinyinRanges(prefixes []string) {
	for i, p := range prefixes {
		if i > 0 {
			b.w(" UNION ALL ")
		}
		b.w("SELECT customer_id FROM customer_grams WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND gram >= ")
		b.arg(p)
		b.w(" AND gram < ")
		b.arg(textindex.PrefixUpperBound(p))
		b.scopeGrams()
	}
}

// phoneSuffix finds numbers ending in the given digits through the
// reversed-digits index.
func (b *builder) phoneSuffix(l *RLeaf) {
	rev := reverse(l.Values[0].(string))
	if rev == "" {
		b.w("1 = 0")
		return
	}
	b.w("(c.phone_rev IS NOT NULL AND c.phone_rev >= ")
	b.arg(rev)
	b.w(" AND c.phone_rev < ")
	b.arg(textindex.PrefixUpperBound(rev))
	b.w(")")
}

func reverse(s string) string {
	r := []byte(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// linkSet compiles hasAny/hasAll/isEmpty over a link table.
func (b *builder) linkSet(l *RLeaf, table, col string) {
	b.w("c.id ")
	if l.Op == cond.OpIsEmpty {
		b.w("NOT ")
	}
	b.w("IN (SELECT customer_id FROM " + table + " WHERE tenant_id = ")
	b.arg(b.tenant)
	b.correlate("customer_id", "c.id")
	if l.Op != cond.OpIsEmpty {
		b.w(" AND " + col + " IN ")
		b.argList(l.Values, func(v any) any { return v })
		if l.Op == cond.OpHasAll {
			b.w(" GROUP BY customer_id HAVING COUNT(DISTINCT " + col + ") = ")
			b.arg(int64(len(distinct(l.Values))))
		}
	}
	b.w(")")
}

func distinct(vals []any) []any {
	seen := map[any]bool{}
	var out []any
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// ownerInDepartments: staffExpr IN (staff of the subtrees of the departments).
func (b *builder) ownerInDepartments(depts []any, staffExpr string) {
	b.w(staffExpr + " IN (SELECT s.id FROM staff s JOIN departments d ON d.tenant_id = s.tenant_id AND d.id = s.department_id WHERE s.tenant_id = ")
	b.arg(b.tenant)
	b.w(" AND (")
	for i, d := range depts {
		if i > 0 {
			b.w(" OR ")
		}
		b.w("(d.path >= (SELECT path FROM departments WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND id = ")
		b.arg(d)
		b.w(") AND d.path < (SELECT path || '~' FROM departments WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND id = ")
		b.arg(d)
		b.w("))")
	}
	b.w("))")
}

// valueTable says where a custom field's values are indexed.
func valueTable(t model.FieldType) string {
	switch t {
	case model.TypeText, model.TypeTextarea, model.TypePhone, model.TypeEmail, model.TypeArea:
		return "customer_values_text"
	}
	return "customer_values_num"
}

// custom compiles a condition on a custom field as a lookup in its typed
// value table: (tenant, field, value) is the index prefix.
func (b *builder) custom(l *RLeaf) {
	table := valueTable(l.Field.Type)
	conv := func(v any) any { return v }
	if table == "customer_values_num" {
		conv = toNum
	}
	b.w("c.id ")
	if l.Op == cond.OpIsEmpty {
		b.w("NOT ")
	}
	b.w("IN (SELECT customer_id FROM " + table + " WHERE tenant_id = ")
	b.arg(b.tenant)
	b.correlate("customer_id", "c.id")
	b.w(" AND field_id = ")
	b.arg(l.Field.ID)
	switch l.Op {
	case cond.OpIsEmpty:
	case cond.OpHasAny:
		b.w(" AND value IN ")
		b.argList(l.Values, conv)
	case cond.OpHasAll:
		b.w(" AND value IN ")
		b.argList(l.Values, conv)
		b.w(" GROUP BY customer_id HAVING COUNT(DISTINCT value) = ")
		b.arg(int64(len(distinct(l.Values))))
	default:
		b.w(" AND ")
		b.compare("value", l, conv)
	}
	b.w(")")
}

// inPool compiles inPool = true/false (isEmpty never holds): in is the
// condition "the customer is in a pool" on the row at hand.
func (b *builder) inPool(l *RLeaf, in string) {
	switch {
	case l.Op == cond.OpEq && l.Values[0] == true:
		b.w("(" + in + ")")
	case l.Op == cond.OpEq:
		b.w("NOT (" + in + ")")
	default:
		b.w("1 = 0")
	}
}
