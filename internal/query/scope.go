package query

import (
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/textindex"
)

// Scoped searches.
//
// Most searches users make are scoped: every 达实 page to a project, every
// call of a project-bound client to its project, and a staff member's calls
// to their own customers or their department's (数据权限, which crm adds to
// the filter as ordinary conditions on projectId, owner, collaborators and
// department). Such a scope is a large set (a project may hold most
// customers), and intersecting it with a name fragment by looking up every
// customer with the fragment to test its project took 1.5 s for 张 at a
// million customers.
//
// So the token rows carry the customer columns scopes are made of —
// status, project, owner and creation time (store.GramColumns) — and every
// top-level condition on those columns alone ("scope conditions", scopable)
// is pushed into the token-table range scan of the set it drives or sizes:
// "name ~ 张 && projectId = P && owner in (…) && createdAt between …" reads
// the 张 range of customer_grams and nothing else. Its count is a count of
// that range (fastCount), and when it is small the page's ids and sort keys
// come from it too (gramIDs), so not one customer row is read before the
// page's own rows. Without a name, the creation-time, project and owner
// indexes carry the same columns, so scoped walks test the scope inside the
// index and scoped counts are index-only range scans (scopedCount).

// gramCols are the customer columns a customer_grams row carries, as
// conditions on the token row compile them (no project, no owner: 0).
var gramCols = map[int64]sysCol{
	model.FieldStatus:    {expr: "status", intCol: true},
	model.FieldProject:   {expr: "project_id", zeroEmpty: true, intCol: true},
	model.FieldOwner:     {expr: "owner_id", zeroEmpty: true, intCol: true},
	model.FieldCreatedAt: {expr: "created_at", intCol: true},
	model.FieldPool:      {expr: "pool_id", zeroEmpty: true, intCol: true},
}

// scopable reports whether n only tests columns a token row carries (plus
// collaborators, a small uncorrelated set), so it can be evaluated on
// customer_grams rows.
func scopable(n *RNode) bool {
	switch {
	case n == nil:
		return false
	case n.Not != nil:
		return scopable(n.Not)
	case len(n.And) > 0 || len(n.Or) > 0:
		for _, c := range append(append([]*RNode{}, n.And...), n.Or...) {
			if !scopable(c) {
				return false
			}
		}
		return true
	case n.Leaf == nil:
		return false
	}
	l := n.Leaf
	switch l.Field.ID {
	case model.FieldInPool:
		return l.Op == cond.OpEq || l.Op == cond.OpIsEmpty
	case model.FieldStatus, model.FieldProject, model.FieldOwner, model.FieldCreatedAt, model.FieldPool:
		switch l.Op {
		case cond.OpEq, cond.OpIn, cond.OpNeq, cond.OpNotIn, cond.OpGt, cond.OpGte, cond.OpLt, cond.OpLte, cond.OpBetween, opNotBetween, cond.OpIsEmpty, cond.OpIsNotEmpty:
			return true
		}
	case model.FieldDepartment:
		return true
	case model.FieldCollaborators:
		return l.Op == cond.OpHasAny || l.Op == cond.OpHasNone
	}
	return false
}

// scopeFor lists the scope conditions among conj other than conj[skip].
func scopeFor(conj []*RNode, skip int) []*RNode {
	var out []*RNode
	for i, n := range conj {
		if i != skip && scopable(n) {
			out = append(out, n)
		}
	}
	return out
}

// scopeLeaf compiles a scope condition on a customer_grams row.
func (b *builder) scopeLeaf(l *RLeaf) {
	switch l.Field.ID {
	case model.FieldDepartment:
		b.w("(")
		b.ownerInDepartments(l.Values, "owner_id")
		b.w(")")
	case model.FieldCollaborators: // hasAny (hasNone arrives negated)
		b.w("customer_id IN (SELECT cc.customer_id FROM customer_collaborators cc WHERE cc.tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND cc.staff_id IN ")
		b.argList(l.Values, func(v any) any { return v })
		b.w(")")
	case model.FieldInPool:
		b.inPool(l, "pool_id <> 0")
	default:
		b.column(l, gramCols[l.Field.ID])
	}
}

// scopeGrams restricts a customer_grams select to the builder's scope.
func (b *builder) scopeGrams() {
	for _, n := range b.scope {
		b.w(" AND ")
		b.scopedNode(n)
	}
}

// scopedNode compiles n on a customer_grams row.
func (b *builder) scopedNode(n *RNode) {
	was := b.scoped
	b.scoped = true
	b.node(n)
	b.scoped = was
}

// A staff member's data scope (owner, department, "or collaborator", the
// OR crm builds) narrows a name fragment's token range to a small part of
// it: a 销售 with 5,000 customers sees 370 of the 74,000 张 rows of a
// million customers. Tested as a filter on the range, every scoped search
// read the whole range, twice (sizing, then the ids or count): 2–5× the
// tenant-wide query, which reads the same range with a cheaper filter.
// Instead the scope becomes index seeks: the token rows' owner index
// (customer_grams_owner: tenant, owner, gram, …, migration 0019) for owner
// and department sets, one primary-key probe per customer for
// collaborator sets, so the work follows the size of the answer.

// seekBranches lists the parts of a scope condition that are each a set of
// index seeks on customer_grams — the condition itself, or the branches of
// an OR, nested ORs flattened (crm's "(owner or collaborator) or pool" of a
// 销售 once a pool exists) — or nil when some part is not (a status alone).
func seekBranches(n *RNode) []*RNode {
	if seekable(n) {
		return []*RNode{n}
	}
	if len(n.Or) == 0 {
		return nil
	}
	var out []*RNode
	for _, c := range n.Or {
		br := seekBranches(c)
		if br == nil {
			return nil
		}
		out = append(out, br...)
	}
	return out
}

// seekable: an owner or department set, a collaborator set, a pool set
// (公海: a staff member also sees the pools open to them), or an AND of
// scope conditions holding one of those (the seek; the rest filters).
func seekable(n *RNode) bool {
	switch {
	case ownerLeaf(n), collabLeaf(n), poolLeaf(n):
		return true
	case len(n.And) > 0:
		for _, c := range n.And {
			if ownerLeaf(c) || collabLeaf(c) {
				return scopable(n)
			}
		}
	}
	return false
}

// poolLeaf: "pool in (…)". Its seek is the token rows of the pool's
// customers (customer_grams_pool, partial: pooled customers only): a
// customer in a pool may still carry an owner, so the owner index cannot
// stand in for it, and probing the token once per pool customer grows with
// the pool (0.6 s for 100,000).
func poolLeaf(n *RNode) bool {
	l := n.Leaf
	return l != nil && l.Field.ID == model.FieldPool && (l.Op == cond.OpEq || l.Op == cond.OpIn) && wholeNumbers(l) != nil
}

// collabLeaf: "collaborators hasAny (…)".
func collabLeaf(n *RNode) bool {
	l := n.Leaf
	return l != nil && l.Field.ID == model.FieldCollaborators && l.Op == cond.OpHasAny
}

// ownerSeeks reports whether n (a seekable branch) seeks the owner index.
func ownerSeeks(n *RNode) bool {
	if ownerLeaf(n) {
		return true
	}
	for _, c := range n.And {
		if ownerLeaf(c) {
			return true
		}
	}
	return false
}

// scopeSeek finds the scope condition that is a set of seeks in the fewest
// branches (its index and branches), or -1: "pool = P" beside a 销售's
// "owner or collaborator or pool" seeks the pool alone.
func (b *builder) scopeSeek() (int, []*RNode) {
	at, best := -1, []*RNode(nil)
	for i, n := range b.scope {
		if br := seekBranches(n); br != nil && (at < 0 || len(br) < len(best)) {
			at, best = i, br
		}
	}
	return at, best
}

// gramSelect writes a select of cols from the customer_grams rows of one
// token that satisfy the builder's scope: one range of the primary key
// filtered by the scope, or — when a scope condition is a set of seeks —
// "SELECT * FROM (…) AS g" over one select per seek branch, each excluding
// the rows of the branches before it, so the parts are disjoint and UNION
// ALL needs no de-duplication (a count of it is exact, its ids distinct).
//
// With cols "" it writes a count instead: of the range, or the sum of one
// COUNT(*) per branch (a count over the UNION ALL would pass every row
// through it).
func (b *builder) gramSelect(cols, gram string) {
	seek, branches := b.scopeSeek()
	if !strings.HasPrefix(gram, seekGramKind) {
		seek = -1 // not in the seek indexes (migration 0023): the range
	}
	if seek < 0 {
		if cols == "" {
			cols = "COUNT(*)"
		}
		b.w("SELECT " + cols + " FROM customer_grams WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND gram = ")
		b.arg(gram)
		b.scopeGrams()
		return
	}
	sel, sep := "SELECT "+cols, " UNION ALL "
	if cols == "" {
		sel, sep = "(SELECT COUNT(*)", " + "
		b.w("SELECT ")
	} else {
		b.w("SELECT * FROM (")
	}
	for i, br := range branches {
		if i > 0 {
			b.w(sep)
		}
		table := "customer_grams"
		switch {
		case ownerSeeks(br):
			table += b.indexedBy("customer_grams_owner")
		case poolLeaf(br):
			table += b.indexedBy("customer_grams_pool")
		}
		b.w(sel + " FROM " + table + " WHERE tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND gram = ")
		b.arg(gram)
		b.w(" AND ")
		b.scopedNode(br)
		// The seek indexes hold name gram tokens only (migration 0023);
		// the partial indexes' condition, spelled out as they spell it.
		b.w(seekGramRange)
		switch {
		case ownerSeeks(br):
			// customer_grams_owner is partial too (migration 0022: the
			// token rows of owned customers only), so recycling a customer
			// deletes its entries there instead of moving them to owner
			// 0. An owner or department set never holds 0 (a staff id),
			// so the condition drops no row the branch selects.
			b.w(" AND owner_id <> 0")
		case poolLeaf(br):
			// The partial index's own condition, spelled out: neither
			// database proves it from a bound pool id.
			b.w(" AND pool_id <> 0")
		}
		for _, prev := range branches[:i] {
			b.w(" AND NOT ")
			b.scopedNode(prev)
		}
		for j, n := range b.scope {
			if j != seek {
				b.w(" AND ")
				b.scopedNode(n)
			}
		}
		if cols == "" {
			b.w(")")
		}
	}
	if cols != "" {
		b.w(") AS g")
	}
}

// seekGramKind is the token kind the seek indexes hold, and seekGramRange
// their condition on the token (migration 0023): name grams, "g:" + a
// unigram or bigram (textindex's kind prefix), the only tokens a seek is
// for — the 1–2 character fragment singleGram answers. Pinyin and remark
// tokens are left out, so a claim or recycle moves a third fewer entries.
const (
	seekGramKind  = "g:"
	seekGramRange = " AND gram >= 'g:' AND gram < 'g;'"
)

// singleGram is the one token a condition is exactly answered by (a 1–2
// character name fragment), if it is.
func singleGram(n *RNode) (string, bool) {
	l := n.Leaf
	if l == nil || l.Field.ID != model.FieldName || l.Op != cond.OpContains {
		return "", false
	}
	grams, recheck := textindex.FragmentGrams("", textindex.Normalize(l.Values[0].(string)))
	if len(grams) != 1 || recheck {
		return "", false
	}
	return grams[0], true
}

// gramAndScope finds the conjunct that is one name token (its index and
// token) when every other conjunct is a scope condition.
func gramAndScope(conj []*RNode) (int, string, bool) {
	for i, n := range conj {
		if g, ok := singleGram(n); ok {
			return i, g, len(scopeFor(conj, i)) == len(conj)-1
		}
	}
	return -1, "", false
}

// gramCount counts "one name token + scope conditions" from customer_grams
// alone: one range scan, no customer read.
func gramCount(dialect string, tenantID int64, conj []*RNode) (string, []any, bool) {
	gi, gram, ok := gramAndScope(conj)
	if !ok {
		return "", nil, false
	}
	b := &builder{dialect: dialect, tenant: tenantID, scope: scopeFor(conj, gi)}
	b.gramSelect("", gram)
	return store.Rebind(dialect, b.sb.String()), b.args, true
}

// gramIDs is the one-pass ids query of a small driving token set when
// every other condition is a scope condition and the order is by creation
// time or id: ids and sort keys straight from customer_grams.
func gramIDs(dialect string, tenantID int64, conj []*RNode, driver int, keys []sortKey) (string, []any, bool) {
	if driver < 0 {
		return "", nil, false
	}
	gram, ok := singleGram(conj[driver])
	if !ok || len(scopeFor(conj, driver)) != len(conj)-1 {
		return "", nil, false
	}
	cols := map[string]string{"c.created_at": "created_at", "c.id": "customer_id"}
	for _, k := range keys {
		if cols[k.expr] == "" {
			return "", nil, false
		}
	}
	b := &builder{dialect: dialect, tenant: tenantID, scope: scopeFor(conj, driver)}
	sel := "customer_id"
	for i, k := range keys {
		sel += ", " + cols[k.expr] + " AS k" + strconv.Itoa(i)
	}
	b.gramSelect(sel, gram)
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
	return store.Rebind(dialect, b.sb.String()), b.args, true
}

// ownerLeaf reports whether n is "owner in (…)" or a department condition:
// a set of customers the owner index serves.
func ownerLeaf(n *RNode) bool {
	l := n.Leaf
	if l == nil {
		return false
	}
	switch l.Field.ID {
	case model.FieldOwner:
		return l.Op == cond.OpEq || l.Op == cond.OpIn
	case model.FieldDepartment:
		return l.Op == cond.OpEq || l.Op == cond.OpIn
	}
	return false
}

// createdRange reports whether n bounds the creation time.
func createdRange(n *RNode) bool {
	l := n.Leaf
	if l == nil || l.Field.ID != model.FieldCreatedAt {
		return false
	}
	switch l.Op {
	case cond.OpGt, cond.OpGte, cond.OpLt, cond.OpLte, cond.OpBetween, cond.OpEq, cond.OpIn:
		return true
	}
	return false
}

// scopedCount counts a filter made only of scope conditions through the
// customers index that holds every column they test (index-only): the
// owner index when one names owners or a department, else the project
// index for one project, else the creation-time index for a time range.
// Counters answer project/status-only filters before this (fastCount).
func scopedCount(dialect string, tenantID int64, conj []*RNode) (string, []any, bool) {
	if len(conj) == 0 {
		return "", nil, false
	}
	// One condition on the follow-up state may join the scope conditions:
	// its indexes (migration 0012) carry the scope columns too.
	follow := ""
	for _, n := range conj {
		if c := followColumn(n); c != "" && follow == "" {
			follow = c
			continue
		}
		if !scopable(n) {
			return "", nil, false
		}
	}
	ix := ""
	for _, n := range conj {
		switch {
		case ownerLeaf(n):
			ix = "customers_owner"
		case isOneProject(n.Leaf) && ix != "customers_owner":
			ix = "customers_project"
		case createdRange(n) && ix == "":
			ix = "customers_created"
		}
	}
	switch {
	case follow == "last_follow_user":
		if len(conj) > 1 {
			return "", nil, false // its index carries no scope columns
		}
		ix = "customers_last_follow_user"
	case follow != "" && ix == "customers_owner":
		ix = "customers_owner_" + follow
	case follow == "last_follow" && ix == "customers_project":
		ix = "customers_project_last_follow"
	case follow != "":
		ix = "customers_" + follow
	}
	if ix == "" {
		return "", nil, false
	}
	b := &builder{dialect: dialect, tenant: tenantID}
	b.w("SELECT COUNT(*) FROM customers c" + b.indexedBy(ix) + " WHERE c.tenant_id = ")
	b.arg(tenantID)
	for _, n := range conj {
		b.w(" AND ")
		b.node(n)
	}
	return store.Rebind(dialect, b.sb.String()), b.args, true
}

// followColumn names the follow-up column (without "_at") a condition on
// lastFollowAt, nextFollowAt or lastFollowUser tests, or "".
func followColumn(n *RNode) string {
	l := n.Leaf
	if l == nil {
		return ""
	}
	switch l.Field.ID {
	case model.FieldLastFollowAt:
		return "last_follow"
	case model.FieldNextFollowAt:
		return "next_follow"
	case model.FieldLastFollowUser:
		if l.Op == cond.OpEq || l.Op == cond.OpIn {
			return "last_follow_user"
		}
	}
	return ""
}

// columnSet writes the candidate ids of an owner, department or project
// condition through its index, and reports whether n is one.
func (b *builder) columnSet(n *RNode) bool {
	l := n.Leaf
	switch {
	case l == nil:
		return false
	case ownerLeaf(n):
		b.w("SELECT c2.id FROM customers c2" + b.indexedBy("customers_owner") + " WHERE c2.tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND c2.owner_id IS NOT NULL AND ")
		if l.Field.ID == model.FieldDepartment {
			b.ownerInDepartments(l.Values, "c2.owner_id")
		} else {
			b.w("c2.owner_id IN ")
			b.argList(l.Values, toInt)
		}
		return true
	case isOneProject(l):
		w := wholeNumbers(l)
		if w == nil {
			return false
		}
		b.w("SELECT c2.id FROM customers c2" + b.indexedBy("customers_project") + " WHERE c2.tenant_id = ")
		b.arg(b.tenant)
		b.w(" AND c2.project_id = ")
		b.arg(toInt(w.Values[0]))
		return true
	}
	return false
}

// gramWalk is the page query of "one name token + scope conditions" in id
// order when no small set drives it: the token's primary-key range
// (tenant, gram, customer_id) is walked in id order, the scope tested on
// each token row, until the page is full; only then are the page's
// customers read. Walking the customers in id order instead, and probing
// each one's tokens, read 3,000 customer rows for one page of a 主管 who
// sees 0.6 % of a million. A walk is only chosen when more than PlanCap
// customers match, so at least one token row in (range size / PlanCap)
// does: a page never walks far.
//
// idsOnly lists the page's ids (and its key, the id) from the token rows
// alone, for a streamed page.
func gramWalk(dialect string, tenantID int64, conj []*RNode, keys []sortKey, cursor []any, pageSize int, offset int64, idsOnly bool) (string, []any, bool) {
	if len(keys) != 1 || keys[0].expr != "c.id" {
		return "", nil, false
	}
	gi, gram, ok := gramAndScope(conj)
	if !ok {
		return "", nil, false
	}
	dir, op := "", " > "
	if keys[0].desc {
		dir, op = " DESC", " < "
	}
	b := &builder{dialect: dialect, tenant: tenantID, scope: scopeFor(conj, gi)}
	if idsOnly {
		b.w("SELECT customer_id, customer_id AS k0 FROM customer_grams WHERE tenant_id = ")
	} else {
		b.w("SELECT " + store.CustomerColumns(dialect) + ", c.id AS k0 FROM customers c" + b.indexedBy(pkIndex) + " WHERE c.tenant_id = ")
		b.arg(tenantID)
		b.w(" AND c.id" + b.inList() + "SELECT customer_id FROM customer_grams WHERE tenant_id = ")
	}
	b.arg(tenantID)
	b.w(" AND gram = ")
	b.arg(gram)
	b.scopeGrams()
	if cursor != nil {
		b.w(" AND customer_id" + op)
		b.arg(cursor[0])
	}
	b.w(" ORDER BY customer_id" + dir + " LIMIT ")
	b.limit(pageSize + 1)
	if offset > 0 {
		b.w(" OFFSET ")
		b.arg(offset)
	}
	if idsOnly {
		return store.Rebind(dialect, b.sb.String()), b.args, true
	}
	b.w(b.inEnd() + " ORDER BY k0" + dir + " LIMIT ")
	b.limit(pageSize + 1)
	return store.Rebind(dialect, b.sb.String()), b.args, true
}
