package query

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/textindex"
)

// This file is the reference semantics of the condition language: a plain
// in-memory evaluator of a resolved tree over one model.Customer, written
// without looking at the SQL the compiler produces, so the property tests
// can hold the compiler (and the index tables behind it) to it.
//
// The rules, per field family:
//
//   - text eq/in are exact (byte) comparisons; contains/startsWith/endsWith
//     fold ASCII letters only (SQLite LIKE, PostgreSQL ILIKE under the "C"
//     collation). Empty values: a nullable column (phone, email, idNumber,
//     externalId) and every custom field are "absent" when empty and then
//     match no comparison at all; the other text columns hold "" and compare
//     as "".
//   - name and company fragments (contains/startsWith/endsWith) compare
//     textindex.Normalize of both sides; eq/in/isEmpty use the raw value.
//   - pinyin (eq, contains, startsWith alike) is textindex.MatchesPinyin on
//     the name.
//   - phone fragments compare digits with the digits of the stored E.164
//     number (country code included, "+" dropped).
//   - numbers, dates (yyyymmdd), datetimes (epoch ms) compare as float64.
//     Columns where 0 means unknown (age, bornDate) never satisfy a
//     comparison when 0; sex, idType, marriage and education compare 0 like
//     any other option but are also "empty" when 0.
//   - choices compare ids; sets (tags, collaborators, multiselect) have
//     any/all/none semantics; department matches the owner's (any
//     collaborator's) department subtree.
//   - custom area values match on their code or their label.
//   - every negative operator is the exact complement of its positive twin,
//     including on empty values (neq matches a customer without a value).

// World is what the SQL side reads from tables other than customers: the
// department tree and the department of every staff member.
type World struct {
	// StaffDept maps a staff id to the path of its department ("/12/34/");
	// staff without a department are absent.
	StaffDept map[int64]string
	// DeptPath maps a department id to its path.
	DeptPath map[int64]string

	mu     sync.Mutex
	custom map[string]map[string]any // decoded Customer.Custom by raw JSON
}

func (w *World) customValues(c *model.Customer) map[string]any {
	if w == nil {
		v, _ := c.CustomValues()
		return v
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if v, ok := w.custom[string(c.Custom)]; ok {
		return v
	}
	v, err := c.CustomValues()
	if err != nil {
		v = map[string]any{}
	}
	if w.custom == nil {
		w.custom = map[string]map[string]any{}
	}
	w.custom[string(c.Custom)] = v
	return v
}

func (w *World) inSubtree(staffID int64, depts []any) bool {
	if w == nil || staffID == 0 {
		return false
	}
	p := w.StaffDept[staffID]
	if p == "" {
		return false
	}
	for _, d := range depts {
		id, _ := d.(int64)
		if dp, ok := w.DeptPath[id]; ok && strings.HasPrefix(p, dp) {
			return true
		}
	}
	return false
}

// Eval reports whether customer c satisfies the resolved condition n (nil:
// every customer does).
func Eval(n *RNode, c *model.Customer, w *World) bool {
	switch {
	case n == nil:
		return true
	case n.Leaf != nil:
		return evalLeaf(n.Leaf, c, w)
	case n.Not != nil:
		return !Eval(n.Not, c, w)
	case len(n.And) > 0:
		for _, k := range n.And {
			if !Eval(k, c, w) {
				return false
			}
		}
		return true
	case len(n.Or) > 0:
		for _, k := range n.Or {
			if Eval(k, c, w) {
				return true
			}
		}
		return false
	}
	return true
}

// positiveOf pairs every negative operator with the one it complements.
func positiveOf(op cond.Op) (cond.Op, bool) {
	switch op {
	case cond.OpNeq:
		return cond.OpEq, true
	case cond.OpNotIn:
		return cond.OpIn, true
	case cond.OpNotContains:
		return cond.OpContains, true
	case cond.OpHasNone:
		return cond.OpHasAny, true
	case cond.OpIsNotEmpty:
		return cond.OpIsEmpty, true
	case opNotBetween:
		return cond.OpBetween, true
	}
	return op, false
}

func evalLeaf(l *RLeaf, c *model.Customer, w *World) bool {
	if pos, neg := positiveOf(l.Op); neg {
		return !evalLeaf(&RLeaf{Field: l.Field, Op: pos, Values: l.Values}, c, w)
	}
	if l.Field.System {
		return evalSystem(l, c, w)
	}
	return evalCustom(l, c, w)
}

// A value as a comparison sees it: absent (matches nothing but isEmpty),
// or one or more texts / numbers / ids (any of them may match).
type evalValue struct {
	present bool
	empty   bool // present but "" (text columns that are never NULL)
	texts   []string
	nums    []float64
	ids     []int64
	isPhone bool
}

func textVal(s string, nullable bool) evalValue {
	if nullable && s == "" {
		return evalValue{}
	}
	return evalValue{present: true, empty: s == "", texts: []string{s}}
}

func numVal(x float64, zeroIsEmpty bool) evalValue {
	if zeroIsEmpty && x == 0 {
		return evalValue{}
	}
	return evalValue{present: true, nums: []float64{x}}
}

func idVal(id int64, zeroIsEmpty bool) evalValue {
	if zeroIsEmpty && id == 0 {
		return evalValue{}
	}
	return evalValue{present: true, ids: []int64{id}}
}

func evalSystem(l *RLeaf, c *model.Customer, w *World) bool {
	switch l.Field.ID {
	case model.FieldName, model.FieldCompany:
		s := c.Name
		if l.Field.ID == model.FieldCompany {
			s = c.Company
		}
		switch l.Op {
		case cond.OpContains, cond.OpStartsWith, cond.OpEndsWith:
			return fragmentMatch(l.Op, textindex.Normalize(s), textindex.NormalizeFragment(l.Values[0].(string)))
		}
		return match(l, textVal(s, false))
	case model.FieldPinyin:
		return textindex.MatchesPinyin(c.Name, l.Values[0].(string))
	case model.FieldTags:
		return setMatch(l, c.TagIDs)
	case model.FieldCollaborators:
		return setMatch(l, c.CollaboratorIDs)
	case model.FieldInPool:
		return l.Op == cond.OpEq && l.Values[0] == (c.PoolID != 0)
	case model.FieldDepartment:
		return l.Op == cond.OpIn && w.inSubtree(c.OwnerID, l.Values)
	case model.FieldCollaboratorDepartment:
		if l.Op != cond.OpIn {
			return false
		}
		for _, s := range c.CollaboratorIDs {
			if w.inSubtree(s, l.Values) {
				return true
			}
		}
		return false
	}
	if d := model.SystemFieldDesc(l.Field.ID); d != nil && d.Column != "" {
		return evalColumn(l, d.Get(c), d)
	}
	panic(fmt.Sprintf("query.Eval: system field %d (%s) has no semantics", l.Field.ID, l.Field.Key))
}

// evalColumn is the meaning of a condition on a plain-column system field
// with value v, by its descriptor: what the compiler's column does in SQL.
func evalColumn(l *RLeaf, v any, d *model.SystemField) bool {
	switch v := v.(type) {
	case string:
		ev := textVal(v, d.Empty == model.EmptyNull)
		ev.isPhone = d.Type == model.TypePhone
		return match(l, ev)
	case int64:
		switch {
		case d.Type == model.TypeDateTime || d.Type == model.TypeNumber:
			return match(l, numVal(float64(v), d.Empty != model.EmptyBlank))
		case d.Empty == model.EmptyZero: // a select whose 0 is an option like the others
			if l.Op == cond.OpIsEmpty {
				return v == 0
			}
			return match(l, idVal(v, false))
		}
		return match(l, idVal(v, d.Empty == model.EmptyNull))
	}
	panic(fmt.Sprintf("query.Eval: system field %s holds a %T", d.Key, v))
}

func evalCustom(l *RLeaf, c *model.Customer, w *World) bool {
	raw, ok := w.customValues(c)[strconv.FormatInt(l.Field.ID, 10)]
	var v evalValue
	switch l.Field.Type {
	case model.TypeText, model.TypeTextarea, model.TypeEmail, model.TypePhone:
		s, _ := raw.(string)
		v = textVal(s, true)
		v.isPhone = l.Field.Type == model.TypePhone
	case model.TypeArea:
		m, _ := raw.(map[string]any)
		code, _ := m["code"].(string)
		label, _ := m["label"].(string)
		for _, s := range []string{code, label} {
			if s != "" {
				v.present = true
				v.texts = append(v.texts, s)
			}
		}
	case model.TypeNumber, model.TypeDateTime:
		if x, isNum := evalNumber(raw); ok && isNum {
			v = numVal(x, false)
		}
	case model.TypeDate:
		if s, isStr := raw.(string); isStr {
			if x, ok := store.DateNumber(s); ok {
				v = numVal(x, false)
			}
		}
	case model.TypeBool:
		if b, isBool := raw.(bool); isBool {
			if l.Op == cond.OpIsEmpty {
				return false
			}
			return l.Op == cond.OpEq && l.Values[0] == b
		}
	case model.TypeSelect:
		if x, isNum := evalNumber(raw); ok && isNum {
			v = idVal(int64(x), false)
		}
	case model.TypeMultiSelect:
		list, _ := raw.([]any)
		var ids []int64
		for _, e := range list {
			if x, isNum := evalNumber(e); isNum {
				ids = append(ids, int64(x))
			}
		}
		return setMatch(l, ids)
	default:
		panic(fmt.Sprintf("query.Eval: custom field type %s has no semantics", l.Field.Type))
	}
	return match(l, v)
}

func evalNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}

// match applies a positive operator to a value.
func match(l *RLeaf, v evalValue) bool {
	if l.Op == cond.OpIsEmpty {
		return !v.present || v.empty
	}
	if !v.present {
		return false
	}
	for _, s := range v.texts {
		if textMatch(l.Op, l.Values, s, v.isPhone) {
			return true
		}
	}
	for _, x := range v.nums {
		if numMatch(l.Op, l.Values, x) {
			return true
		}
	}
	for _, id := range v.ids {
		if l.Op == cond.OpIn {
			for _, want := range l.Values {
				if want == id {
					return true
				}
			}
		}
	}
	return false
}

func textMatch(op cond.Op, vals []any, s string, isPhone bool) bool {
	switch op {
	case cond.OpEq:
		return s == vals[0].(string)
	case cond.OpIn:
		for _, v := range vals {
			if s == v.(string) {
				return true
			}
		}
		return false
	case cond.OpContains, cond.OpStartsWith, cond.OpEndsWith:
		q := vals[0].(string)
		if isPhone { // digits against the digits of the E.164 number
			return fragmentMatch(op, phone.Digits(s), phone.Digits(q))
		}
		return fragmentMatch(op, foldASCII(s), foldASCII(q))
	}
	return false
}

func fragmentMatch(op cond.Op, s, q string) bool {
	switch op {
	case cond.OpContains:
		return strings.Contains(s, q)
	case cond.OpStartsWith:
		return strings.HasPrefix(s, q)
	case cond.OpEndsWith:
		return strings.HasSuffix(s, q)
	}
	return false
}

func numMatch(op cond.Op, vals []any, x float64) bool {
	f := func(i int) float64 { return vals[i].(float64) }
	switch op {
	case cond.OpEq:
		return x == f(0)
	case cond.OpIn:
		for i := range vals {
			if x == f(i) {
				return true
			}
		}
		return false
	case cond.OpGt:
		return x > f(0)
	case cond.OpGte:
		return x >= f(0)
	case cond.OpLt:
		return x < f(0)
	case cond.OpLte:
		return x <= f(0)
	case cond.OpBetween:
		return f(0) <= x && x <= f(1)
	}
	return false
}

func setMatch(l *RLeaf, have []int64) bool {
	in := func(v any) bool {
		for _, h := range have {
			if v == h {
				return true
			}
		}
		return false
	}
	switch l.Op {
	case cond.OpIsEmpty:
		return len(have) == 0
	case cond.OpHasAny:
		for _, v := range l.Values {
			if in(v) {
				return true
			}
		}
		return false
	case cond.OpHasAll:
		for _, v := range l.Values {
			if !in(v) {
				return false
			}
		}
		return true
	}
	return false
}

// SortCustomers orders cs as a search with these sort keys returns them:
// keys compare in turn (texts bytewise, numbers numerically; a missing
// custom number sorts as -1e300, a missing text or nullable column as ""
// or 0); a repeated field counts once; id is unique, so keys after it never
// apply; remaining ties go by id in the direction of the last key. Without
// keys the order is newest id first.
func SortCustomers(cs []*model.Customer, specs []SortSpec, cat *store.Catalog, w *World) error {
	type key struct {
		f    *model.Field
		desc bool
	}
	var keys []key
	seen := map[int64]bool{}
	for _, s := range specs {
		f := cat.Field(s.Field)
		if f == nil || !f.Sortable {
			return fmt.Errorf("cannot sort on %q", s.Field)
		}
		if seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		keys = append(keys, key{f, s.Desc})
		if f.ID == model.FieldID {
			break
		}
	}
	lastDesc := len(keys) == 0 || keys[len(keys)-1].desc
	vals := make(map[*model.Customer][]any, len(cs))
	for _, c := range cs {
		for _, k := range keys {
			vals[c] = append(vals[c], sortValue(k.f, c, w))
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		for n, k := range keys {
			if d := compareSortValues(vals[a][n], vals[b][n]); d != 0 {
				return d < 0 != k.desc
			}
		}
		if lastDesc {
			return a.ID > b.ID
		}
		return a.ID < b.ID
	})
	return nil
}

func compareSortValues(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case int64:
		y := b.(int64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return 0
}

// sortValue is the value customer c sorts by on field f.
func sortValue(f *model.Field, c *model.Customer, w *World) any {
	if f.System {
		if d := model.SystemFieldDesc(f.ID); d != nil && d.Column != "" && f.Sortable {
			return d.Get(c)
		}
		panic(fmt.Sprintf("query.SortCustomers: system field %s has no sort value", f.Key))
	}
	raw, ok := w.customValues(c)[strconv.FormatInt(f.ID, 10)]
	switch f.Type {
	case model.TypeText, model.TypeTextarea, model.TypeEmail, model.TypePhone:
		s, _ := raw.(string)
		return s
	case model.TypeArea: // the smaller of code and label
		m, _ := raw.(map[string]any)
		out := ""
		for _, k := range []string{"code", "label"} {
			if s, _ := m[k].(string); s != "" && (out == "" || s < out) {
				out = s
			}
		}
		return out
	case model.TypeDate:
		if s, isStr := raw.(string); isStr {
			if x, ok := store.DateNumber(s); ok {
				return x
			}
		}
	case model.TypeBool:
		if b, isBool := raw.(bool); isBool {
			if b {
				return 1.0
			}
			return 0.0
		}
	default:
		if x, isNum := evalNumber(raw); ok && isNum {
			return x
		}
	}
	return missingNum
}

// foldASCII lower-cases ASCII letters only, as LIKE/ILIKE do here.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
