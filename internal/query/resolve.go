package query

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/textindex"
)

// Env is what resolution needs to know about a tenant.
type Env struct {
	Catalog *store.Catalog
	// TagIDs maps a tag name to the ids of the tags with that name (tags may
	// repeat a name across groups); StageIDs maps a stage name to its id.
	TagIDs   map[string][]int64
	StageIDs map[string]int64
	Loc      *time.Location // tenant time zone for dates; Asia/Shanghai if nil
	Now      time.Time      // for relative dates; time.Now if zero
	Region   string         // default phone region, "CN" if empty
}

func (e *Env) loc() *time.Location {
	if e.Loc != nil {
		return e.Loc
	}
	return shanghai
}

func (e *Env) now() time.Time {
	if e.Now.IsZero() {
		return time.Now()
	}
	return e.Now
}

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// Error is a resolution failure: the field and operator at fault and where
// the condition stands in the input. APIs show it as a 400.
type Error struct {
	Pos   string
	Field string
	Op    cond.Op
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos != "" {
		b.WriteString(e.Pos + ": ")
	}
	if e.Field != "" {
		b.WriteString("field " + strconv.Quote(e.Field))
		if e.Op != "" {
			b.WriteString(" op " + string(e.Op))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// RNode is a resolved condition tree: every leaf bound to a catalogue field
// with values coerced to the field's type.
type RNode struct {
	And  []*RNode
	Or   []*RNode
	Not  *RNode
	Leaf *RLeaf
}

// RLeaf is a resolved condition. Values hold float64 for numbers, dates
// (yyyymmdd) and datetimes (epoch ms), int64 for ids and options, string for
// text, bool for bool.
type RLeaf struct {
	Field  *model.Field
	Op     cond.Op
	Values []any
	Pos    string
}

var relativeOps = map[cond.Op]bool{cond.OpToday: true, cond.OpYesterday: true, cond.OpThisWeek: true, cond.OpThisMonth: true,
	cond.OpLastMonth: true, cond.OpThisYear: true, cond.OpLastYear: true, cond.OpLastDays: true, cond.OpNextDays: true}

// allowed lists the operators each kind accepts.
var allowed = map[model.Kind]map[cond.Op]bool{
	model.KindText:     set(cond.OpEq, cond.OpNeq, cond.OpIn, cond.OpNotIn, cond.OpContains, cond.OpNotContains, cond.OpStartsWith, cond.OpEndsWith, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindPinyin:   set(cond.OpEq, cond.OpContains, cond.OpStartsWith),
	model.KindArea:     set(cond.OpEq, cond.OpNeq, cond.OpIn, cond.OpNotIn, cond.OpContains, cond.OpNotContains, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindNumber:   set(cond.OpEq, cond.OpNeq, cond.OpIn, cond.OpNotIn, cond.OpGt, cond.OpGte, cond.OpLt, cond.OpLte, cond.OpBetween, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindDate:     withRelative(cond.OpEq, cond.OpNeq, cond.OpIn, cond.OpNotIn, cond.OpGt, cond.OpGte, cond.OpLt, cond.OpLte, cond.OpBetween, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindDateTime: withRelative(cond.OpEq, cond.OpNeq, cond.OpGt, cond.OpGte, cond.OpLt, cond.OpLte, cond.OpBetween, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindChoice:   set(cond.OpEq, cond.OpNeq, cond.OpIn, cond.OpNotIn, cond.OpHasAny, cond.OpHasNone, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindSet:      set(cond.OpEq, cond.OpNeq, cond.OpIn, cond.OpNotIn, cond.OpHasAny, cond.OpHasAll, cond.OpHasNone, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindBool:     set(cond.OpEq, cond.OpNeq, cond.OpIsEmpty, cond.OpIsNotEmpty),
	model.KindDept:     set(cond.OpEq, cond.OpNeq, cond.OpIn, cond.OpNotIn),
}

func set(ops ...cond.Op) map[cond.Op]bool {
	m := map[cond.Op]bool{}
	for _, o := range ops {
		m[o] = true
	}
	return m
}

func withRelative(ops ...cond.Op) map[cond.Op]bool {
	m := set(ops...)
	for o := range relativeOps {
		m[o] = true
	}
	return m
}

// Resolve binds every leaf of n to the catalogue and coerces its values.
// Some operators are rewritten to simpler ones here (a date-only eq on a
// datetime becomes a between over the day; relative dates become between;
// eq/in on sets become hasAny), so the compiler and the in-memory evaluator
// see a small core.
func Resolve(n *cond.Node, env *Env) (*RNode, error) {
	if n == nil {
		return nil, nil
	}
	switch {
	case n.Leaf != nil:
		if rn, ok, err := splitSharedTagNames(n.Leaf, env); ok {
			return rn, err
		}
		l, err := resolveLeaf(n.Leaf, env)
		if err != nil {
			return nil, err
		}
		if national := nationalPhonePrefix(l, env); national != nil {
			return &RNode{Or: []*RNode{{Leaf: l}, {Leaf: national}}}, nil
		}
		return &RNode{Leaf: l}, nil
	case n.Not != nil:
		c, err := Resolve(n.Not, env)
		if err != nil {
			return nil, err
		}
		return &RNode{Not: c}, nil
	case len(n.And) > 0 || len(n.Or) > 0:
		r := &RNode{}
		for _, c := range n.And {
			rc, err := Resolve(c, env)
			if err != nil {
				return nil, err
			}
			r.And = append(r.And, rc)
		}
		for _, c := range n.Or {
			rc, err := Resolve(c, env)
			if err != nil {
				return nil, err
			}
			r.Or = append(r.Or, rc)
		}
		return r, nil
	}
	return nil, &Error{Msg: "empty condition"}
}

// splitSharedTagNames handles hasAll over tags when a value is a tag name
// several tags share (the same name in different groups): the name means
// "any of those tags", so each value must be matched on its own. Such a
// condition becomes an AND of one hasAny per value; ok is false when the
// condition needs no splitting.
func splitSharedTagNames(c *cond.Cond, env *Env) (_ *RNode, ok bool, _ error) {
	if c.Op != cond.OpHasAll {
		return nil, false, nil
	}
	if f := leafField(c, env); f == nil || f.Type != model.TypeTags {
		return nil, false, nil
	}
	shared := false
	for _, v := range c.Values {
		if s, isStr := v.(string); isStr {
			if _, isNum := scalarInt(v); !isNum && len(env.TagIDs[s]) > 1 {
				shared = true
			}
		}
	}
	if !shared {
		return nil, false, nil
	}
	r := &RNode{}
	for _, v := range c.Values {
		l, err := resolveLeaf(&cond.Cond{Field: c.Field, Op: cond.OpHasAny, Values: []any{v}, Pos: c.Pos, Resolved: c.Resolved}, env)
		if err != nil {
			if e, isErr := err.(*Error); isErr {
				e.Op = c.Op
			}
			return nil, true, err
		}
		r.And = append(r.And, &RNode{Leaf: l})
	}
	return r, true, nil
}

// leafField is the field a leaf names: the one it carries when its builder
// resolved it already (cond.LeafOf), else the catalogue's.
func leafField(c *cond.Cond, env *Env) *model.Field {
	if c.Resolved != nil {
		return c.Resolved
	}
	return env.Catalog.Field(c.Field)
}

func resolveLeaf(c *cond.Cond, env *Env) (*RLeaf, error) {
	f := leafField(c, env)
	fail := func(format string, args ...any) error {
		return &Error{Pos: c.Pos, Field: c.Field, Op: c.Op, Msg: fmt.Sprintf(format, args...)}
	}
	if f == nil {
		return nil, &Error{Pos: c.Pos, Field: c.Field, Msg: "unknown field"}
	}
	k := f.Kind()
	if !allowed[k][c.Op] {
		return nil, fail("operator not supported for %s fields (allowed: %s)", f.Type, opList(allowed[k]))
	}
	arity, ok := cond.Ops[c.Op]
	if !ok {
		return nil, fail("unknown operator")
	}
	switch arity {
	case cond.ArityNone:
		if len(c.Values) != 0 {
			return nil, fail("takes no value")
		}
	case cond.ArityOne:
		if len(c.Values) != 1 {
			return nil, fail("needs exactly one value")
		}
	case cond.ArityTwo:
		if len(c.Values) != 2 {
			return nil, fail("needs exactly two values")
		}
	case cond.ArityMany:
		if len(c.Values) == 0 {
			return nil, fail("needs at least one value")
		}
	}
	l := &RLeaf{Field: f, Op: c.Op, Pos: c.Pos}
	if relativeOps[c.Op] {
		return resolveRelative(l, c, env, k, fail)
	}
	if c.Op == cond.OpIsEmpty || c.Op == cond.OpIsNotEmpty {
		return l, nil
	}
	for i, v := range c.Values {
		cv, err := coerce(f, k, c.Op, v, env)
		if err != nil {
			return nil, fail("value %d: %v", i+1, err)
		}
		if list, ok := cv.([]int64); ok { // a tag name matching several tags
			for _, id := range list {
				l.Values = append(l.Values, id)
			}
			continue
		}
		l.Values = append(l.Values, cv)
	}
	// Date-only values on a datetime field mean whole days.
	if k == model.KindDateTime {
		if err := widenDays(l, c, env); err != nil {
			return nil, fail("%v", err)
		}
	}
	if c.Op == cond.OpBetween && lessAny(l.Values[1], l.Values[0]) {
		return nil, fail("between needs the lower bound first")
	}
	// Normalise set/choice synonyms.
	switch {
	case k == model.KindSet && (l.Op == cond.OpEq || l.Op == cond.OpIn):
		l.Op = cond.OpHasAny
	case k == model.KindSet && (l.Op == cond.OpNeq || l.Op == cond.OpNotIn):
		l.Op = cond.OpHasNone
	case k == model.KindChoice && l.Op == cond.OpHasAny, k == model.KindChoice && l.Op == cond.OpEq:
		l.Op = cond.OpIn
	case k == model.KindChoice && l.Op == cond.OpHasNone, k == model.KindChoice && l.Op == cond.OpNeq:
		l.Op = cond.OpNotIn
	case k == model.KindDept && l.Op == cond.OpEq:
		l.Op = cond.OpIn
	case k == model.KindDept && l.Op == cond.OpNeq:
		l.Op = cond.OpNotIn
	}
	return l, nil
}

func opList(m map[cond.Op]bool) string {
	var out []string
	for o := range cond.Ops {
		if m[o] {
			out = append(out, string(o))
		}
	}
	sortStrings(out)
	return strings.Join(out, ", ")
}

func lessAny(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, _ := b.(float64)
		return x < y
	case int64:
		y, _ := b.(int64)
		return x < y
	case string:
		y, _ := b.(string)
		return x < y
	}
	return false
}

// dateOnly marks a datetime value that was written as a bare date.
type dateOnly struct{ start, end float64 } // [start, end] in ms, end = last ms of the day

func coerce(f *model.Field, k model.Kind, op cond.Op, v any, env *Env) (any, error) {
	if v == nil {
		return nil, fmt.Errorf("null is not a value here (use isEmpty)")
	}
	switch k {
	case model.KindText, model.KindArea, model.KindPinyin:
		s, ok := scalarText(v)
		if !ok {
			return nil, fmt.Errorf("want a string")
		}
		if utf8.RuneCountInString(s) > cond.DefaultLimits.MaxStringLen {
			return nil, fmt.Errorf("string longer than %d characters", cond.DefaultLimits.MaxStringLen)
		}
		if err := checkSearchText(s); err != nil {
			return nil, err
		}
		switch f.Type {
		case model.TypeEmail:
			// Trimmed like every fragment — but a fragment of only
			// whitespace stays itself (and finds no email) instead of
			// becoming "" and matching every email.
			if t := strings.TrimSpace(s); t != "" || !isFragmentOp(op) {
				s = t
			}
			s = strings.ToLower(s)
		case model.TypePhone:
			if op == cond.OpEq || op == cond.OpNeq || op == cond.OpIn || op == cond.OpNotIn {
				if n, err := phone.Normalize(s, env.region()); err == nil {
					s = n
				}
			} else {
				s = phone.Digits(s)
				if s == "" { // would match every number (or, for endsWith, none)
					return nil, fmt.Errorf("want digits to search phone numbers by")
				}
			}
		}
		if k == model.KindPinyin {
			s = strings.ToLower(strings.ReplaceAll(s, " ", ""))
		}
		return s, nil
	case model.KindNumber:
		n, ok := scalarFloat(v)
		if !ok {
			return nil, fmt.Errorf("want a number")
		}
		return n, nil
	case model.KindDate:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a date \"YYYY-MM-DD\"")
		}
		t, err := time.ParseInLocation("2006-01-02", s, env.loc())
		if err != nil {
			return nil, fmt.Errorf("want a date \"YYYY-MM-DD\", got %q", s)
		}
		n, _ := store.DateNumber(t.Format("2006-01-02"))
		return n, nil
	case model.KindDateTime:
		switch x := v.(type) {
		case int, int64, float64:
			if ms, ok := scalarInt(x); ok {
				return float64(ms), nil
			}
			return nil, fmt.Errorf("want epoch milliseconds or a date-time string")
		case json.Number:
			ms, err := x.Int64()
			if err != nil {
				return nil, fmt.Errorf("want epoch milliseconds or a date-time string")
			}
			return float64(ms), nil
		case string:
			return parseDateTime(x, env.loc())
		}
		return nil, fmt.Errorf("want a date-time")
	case model.KindChoice, model.KindSet, model.KindDept:
		return coerceID(f, v, env)
	case model.KindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		case json.Number:
			if x == "1" || x == "0" {
				return x == "1", nil
			}
		case int, int64:
			if n, _ := scalarInt(x); n == 0 || n == 1 {
				return n == 1, nil
			}
		}
		return nil, fmt.Errorf("want true or false")
	}
	return nil, fmt.Errorf("unsupported field type %s", f.Type)
}

// checkSearchText refuses what no stored text contains (writes reject it)
// and what must not reach the databases: invalid UTF-8 and NUL, which
// PostgreSQL cannot receive and SQLite's LIKE reads as the end of the
// pattern, and the other control characters except tab and line breaks.
func checkSearchText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0 {
		return fmt.Errorf("contains control characters")
	}
	return nil
}

func (e *Env) region() string {
	if e.Region == "" {
		return "CN"
	}
	return e.Region
}

// coerceID turns an option id or label, tag name, stage name or id into
// int64 ([]int64 for a tag name shared by several tags).
func coerceID(f *model.Field, v any, env *Env) (any, error) {
	id, isNum := scalarInt(v)
	s, _ := v.(string)
	switch f.Type {
	case model.TypeSelect, model.TypeMultiSelect:
		if isNum {
			if _, ok := f.OptionByID(id); !ok {
				return nil, fmt.Errorf("no option with id %d", id)
			}
			return id, nil
		}
		for _, o := range f.Options {
			if o.Label == s && !o.Deleted {
				return o.ID, nil
			}
		}
		return nil, fmt.Errorf("no option %q", s)
	case model.TypeTags:
		if isNum {
			return id, nil
		}
		if ids := env.TagIDs[s]; len(ids) > 0 {
			return ids, nil
		}
		return nil, fmt.Errorf("no tag named %q", s)
	case model.TypeStage:
		if isNum {
			return id, nil
		}
		if sid, ok := env.StageIDs[s]; ok {
			return sid, nil
		}
		return nil, fmt.Errorf("no stage named %q", s)
	}
	if isNum {
		return id, nil
	}
	return nil, fmt.Errorf("want an id (integer)")
}

// parseDateTime accepts RFC 3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"
// (tenant time) and a bare date (returned as dateOnly).
func parseDateTime(s string, loc *time.Location) (any, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return float64(t.UnixMilli()), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return float64(t.UnixMilli()), nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		start := t.UnixMilli()
		end := t.AddDate(0, 0, 1).UnixMilli() - 1
		return dateOnly{float64(start), float64(end)}, nil
	}
	return nil, fmt.Errorf("want a date-time like \"2025-01-02 15:04:05\", RFC 3339 or \"2025-01-02\", got %q", s)
}

// widenDays rewrites bare dates on a datetime field into millisecond bounds.
func widenDays(l *RLeaf, c *cond.Cond, env *Env) error {
	hasDay := false
	for _, v := range l.Values {
		if _, ok := v.(dateOnly); ok {
			hasDay = true
		}
	}
	if !hasDay {
		return nil
	}
	lo := func(v any) any {
		if d, ok := v.(dateOnly); ok {
			return d.start
		}
		return v
	}
	hi := func(v any) any {
		if d, ok := v.(dateOnly); ok {
			return d.end
		}
		return v
	}
	switch l.Op {
	case cond.OpEq, cond.OpNeq:
		d, _ := l.Values[0].(dateOnly)
		neg := l.Op == cond.OpNeq
		l.Op, l.Values = cond.OpBetween, []any{d.start, d.end}
		if neg {
			l.Op = opNotBetween
		}
	case cond.OpGt, cond.OpLte:
		l.Values[0] = hi(l.Values[0])
	case cond.OpGte, cond.OpLt:
		l.Values[0] = lo(l.Values[0])
	case cond.OpBetween:
		l.Values[0], l.Values[1] = lo(l.Values[0]), hi(l.Values[1])
	default:
		return fmt.Errorf("a bare date is not supported with %s", l.Op)
	}
	return nil
}

// opNotBetween is internal: the negation of between, produced by widenDays.
const opNotBetween cond.Op = "notBetween"

// resolveRelative turns today/lastDays/… into a between over the tenant's calendar.
func resolveRelative(l *RLeaf, c *cond.Cond, env *Env, k model.Kind, fail func(string, ...any) error) (*RLeaf, error) {
	loc := env.loc()
	now := env.now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var start, end time.Time // [start, end)
	switch c.Op {
	case cond.OpToday:
		start, end = day, day.AddDate(0, 0, 1)
	case cond.OpYesterday:
		start, end = day.AddDate(0, 0, -1), day
	case cond.OpThisWeek:
		wd := (int(day.Weekday()) + 6) % 7 // Monday first
		start = day.AddDate(0, 0, -wd)
		end = start.AddDate(0, 0, 7)
	case cond.OpThisMonth:
		start = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		end = start.AddDate(0, 1, 0)
	case cond.OpLastMonth:
		end = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		start = end.AddDate(0, -1, 0)
	case cond.OpThisYear:
		start = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc)
		end = start.AddDate(1, 0, 0)
	case cond.OpLastYear:
		end = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc)
		start = end.AddDate(-1, 0, 0)
	case cond.OpLastDays, cond.OpNextDays:
		n, ok := scalarInt(c.Values[0])
		if !ok || n < 1 || n > 36600 {
			return nil, fail("needs a whole number of days between 1 and 36600")
		}
		if c.Op == cond.OpLastDays {
			start, end = day.AddDate(0, 0, -int(n-1)), day.AddDate(0, 0, 1)
		} else {
			start, end = day, day.AddDate(0, 0, int(n))
		}
	}
	l.Op = cond.OpBetween
	if k == model.KindDate {
		a, _ := store.DateNumber(start.Format("2006-01-02"))
		b, _ := store.DateNumber(end.AddDate(0, 0, -1).Format("2006-01-02"))
		l.Values = []any{a, b}
	} else {
		l.Values = []any{float64(start.UnixMilli()), float64(end.UnixMilli() - 1)}
	}
	return l, nil
}

// NormalizeFragment is the folding applied to name/company fragments.
func NormalizeFragment(s string) string { return textindex.NormalizeFragment(s) }

func isFragmentOp(op cond.Op) bool {
	return op == cond.OpContains || op == cond.OpNotContains || op == cond.OpStartsWith || op == cond.OpEndsWith
}

// nationalPhonePrefix is the second reading of a startsWith on a phone
// field: numbers are stored in E.164, and a prefix typed as people type
// numbers — 138…, or 0755… with the trunk 0 — means the national number, so
// it is also matched after the default region's country code (+86 138…,
// +86 755…). A prefix typed with the country code (86138…) still matches
// through the first reading. nil when there is no second reading.
func nationalPhonePrefix(l *RLeaf, env *Env) *RLeaf {
	if l.Field.Type != model.TypePhone || l.Op != cond.OpStartsWith || len(l.Values) != 1 {
		return nil
	}
	digits, _ := l.Values[0].(string)
	cc := phone.CountryCode(env.region())
	if cc == "" || digits == "" {
		return nil
	}
	national := cc + strings.TrimPrefix(digits, "0")
	if national == digits {
		return nil
	}
	return &RLeaf{Field: l.Field, Op: l.Op, Values: []any{national}, Pos: l.Pos}
}

// Values come as a parser decodes them (string, json.Number, bool, nil) or
// as Go numbers from a tree built with cond's constructors (int, int64,
// float64); these read a Go number like the JSON number with the same
// digits and leave the rest to model's scalar helpers.

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return model.ScalarText(v)
}

func scalarFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, !math.IsInf(x, 0) && !math.IsNaN(x)
	}
	return model.ScalarFloat(v)
}

func scalarInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		return model.ScalarInt(strconv.FormatFloat(x, 'f', -1, 64))
	}
	return model.ScalarInt(v)
}
