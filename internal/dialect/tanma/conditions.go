package tanma

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/query"
)

// 探马 op codes (README.md, "op codes"). opRange is the JSON null op.
const (
	opEqAny      = 0
	opNoneOf     = 1
	opContains   = 2
	opNotContain = 3
	opEmpty      = 4
	opNotEmpty   = 5
	opHasTags    = 6
	opGt         = 7
	opLt         = 8
	opGte        = 9
	opLte        = 10
	opRange      = -1
)

var opNames = map[int]string{
	opEqAny: "等于其中之一", opNoneOf: "不等于任何一个", opContains: "包含/属于其中之一", opNotContain: "不包含/不属于",
	opEmpty: "为空", opNotEmpty: "不为空", opHasTags: "包含任一", opGt: "大于", opLt: "小于", opGte: "大于等于",
	opLte: "小于等于", opRange: "区间(null)",
}

func opName(op int) string {
	if op == opRange {
		return "null(" + opNames[op] + ")"
	}
	return strconv.Itoa(op) + "(" + opNames[op] + ")"
}

func ops(list ...int) map[int]bool {
	m := map[int]bool{}
	for _, o := range list {
		m[o] = true
	}
	return m
}

// kindOps are the op codes each kind of field accepts (model.Field.Kind).
var kindOps = map[model.Kind]map[int]bool{
	model.KindText:     ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty),
	model.KindPinyin:   ops(opEqAny, opContains),
	model.KindArea:     ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty),
	model.KindChoice:   ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty, opHasTags),
	model.KindBool:     ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty),
	model.KindSet:      ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty, opHasTags),
	model.KindDept:     ops(opEqAny, opNoneOf, opContains, opNotContain),
	model.KindNumber:   ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty, opGt, opLt, opGte, opLte, opRange),
	model.KindDate:     ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty, opGt, opLt, opGte, opLte, opRange),
	model.KindDateTime: ops(opEqAny, opNoneOf, opContains, opNotContain, opEmpty, opNotEmpty, opGt, opLt, opGte, opLte, opRange),
}

// Limits of one condition item.
const (
	maxItemValues = 1000
	maxMonthDays  = 31 // "MM-dd" values in one date condition
	firstYear     = 1900
	lastYear      = 2100
)

// parseOp reads an op code: a JSON integer 0–10, a numeric string, or
// null/absent for a range.
func parseOp(raw json.RawMessage, path string) (int, error) {
	if isNull(raw) {
		return opRange, nil
	}
	n, ok, err := parseInt(raw, path)
	if err != nil {
		return 0, err
	}
	if !ok {
		return opRange, nil
	}
	if _, known := opNames[int(n)]; !known || n < 0 {
		return 0, invalid(CodeBadOp, path, "不支持操作符 %d(可用:0–10 或 null)", n)
	}
	return int(n), nil
}

// node helpers

// leaf carries f itself (cond.LeafOf): the query engine does not look the
// field up again.
func leaf(f *model.Field, op cond.Op, pos string, vals ...any) *cond.Node {
	return cond.LeafOf(f, op, vals...).At(pos)
}

func anyOf(ns []*cond.Node) *cond.Node {
	if len(ns) == 1 {
		return ns[0]
	}
	return &cond.Node{Or: ns}
}

func allOf(ns []*cond.Node) *cond.Node {
	if len(ns) == 1 {
		return ns[0]
	}
	return &cond.Node{And: ns}
}

func not(n *cond.Node) *cond.Node { return &cond.Node{Not: n} }

// matchNothing is a condition no customer meets (c.id is never empty).
func matchNothing(pos string) *cond.Node {
	return &cond.Node{Leaf: &cond.Cond{Field: sysField(model.FieldID), Op: cond.OpIsEmpty, Pos: pos}}
}

// translateItem turns one condition item into a query node; nil means the
// item constrains nothing (a range with two open bounds).
// opPath and vpath name the op and the values in messages.
func translateItem(env *query.Env, f *model.Field, op int, vals []any, opPath, vpath string) (*cond.Node, error) {
	kind := f.Kind()
	if !kindOps[kind][op] {
		return nil, invalid(CodeBadOp, opPath, "%s 不适用于%s字段 %s(%d)", opName(op), typeName(f), f.Label, f.ID)
	}
	switch op {
	case opEmpty:
		return leaf(f, cond.OpIsEmpty, vpath), nil
	case opNotEmpty:
		return leaf(f, cond.OpIsNotEmpty, vpath), nil
	case opRange:
		if len(vals) != 2 {
			return nil, invalid(CodeOutOfRange, vpath, "区间条件(op 为 null)需要 2 个值 [开始, 结束],收到 %d 个", len(vals))
		}
		return rangeNode(f, kind, vals[0], vals[1], vpath)
	case opGt, opLt, opGte, opLte:
		if len(vals) != 1 || vals[0] == nil {
			return nil, invalid(CodeOutOfRange, vpath, "操作符 %s 需要 1 个值,收到 %d 个", opName(op), len(vals))
		}
		return compareNode(f, kind, op, vals[0], vpath)
	}
	if len(vals) == 0 {
		return nil, invalid(CodeRequired, vpath, "不能为空:操作符 %s 至少需要 1 个值", opName(op))
	}
	if len(vals) > maxItemValues {
		return nil, invalid(CodeOutOfRange, vpath, "最多 %d 个值,收到 %d 个", maxItemValues, len(vals))
	}
	for i, v := range vals {
		switch v.(type) {
		case nil:
			return nil, invalid(CodeBadValue, index(vpath, i), "不能为 null")
		case []any, map[string]any:
			return nil, invalid(CodeBadValue, index(vpath, i), "应为字符串或数字,收到 %s", kindOf(v))
		}
	}
	positive := op == opEqAny || op == opContains || op == opHasTags
	switch kind {
	case model.KindText:
		texts, err := textValues(f, op, vals, vpath)
		if err != nil {
			return nil, err
		}
		switch op {
		case opEqAny:
			return leaf(f, cond.OpIn, vpath, texts...), nil
		case opNoneOf:
			return leaf(f, cond.OpNotIn, vpath, texts...), nil
		}
		var ns []*cond.Node
		for _, t := range texts {
			if positive {
				ns = append(ns, leaf(f, cond.OpContains, vpath, t))
			} else {
				ns = append(ns, leaf(f, cond.OpNotContains, vpath, t))
			}
		}
		if positive {
			return anyOf(ns), nil
		}
		return allOf(ns), nil
	case model.KindPinyin:
		texts, err := textValues(f, op, vals, vpath)
		if err != nil {
			return nil, err
		}
		var ns []*cond.Node
		for _, t := range texts {
			ns = append(ns, leaf(f, cond.OpStartsWith, vpath, t))
		}
		return anyOf(ns), nil
	case model.KindArea:
		texts, err := textValues(f, op, vals, vpath)
		if err != nil {
			return nil, err
		}
		if positive {
			return leaf(f, cond.OpIn, vpath, texts...), nil
		}
		return leaf(f, cond.OpNotIn, vpath, texts...), nil
	case model.KindChoice, model.KindDept:
		for i, v := range vals {
			if _, ok := v.(bool); ok {
				return nil, invalid(CodeBadValue, index(vpath, i), "应为选项id或名称,收到 %s", kindOf(v))
			}
		}
		if positive {
			return leaf(f, cond.OpIn, vpath, vals...), nil
		}
		return leaf(f, cond.OpNotIn, vpath, vals...), nil
	case model.KindSet:
		for i, v := range vals {
			if _, ok := v.(bool); ok {
				return nil, invalid(CodeBadValue, index(vpath, i), "应为id或名称,收到 %s", kindOf(v))
			}
		}
		if f.Type == model.TypeTags {
			// 探马's tag ids are strings ("d430ec91…:2l"): one that names no tag
			// here names a platform tag no customer carries in kehu.
			known := vals[:0:0]
			for _, v := range vals {
				if s, ok := v.(string); !ok || len(env.TagIDs[strings.TrimSpace(s)]) > 0 || isDigits(s) {
					known = append(known, v)
				}
			}
			if len(known) == 0 {
				if positive {
					return matchNothing(vpath), nil
				}
				return nil, nil
			}
			vals = known
		}
		if positive {
			return leaf(f, cond.OpHasAny, vpath, vals...), nil
		}
		return leaf(f, cond.OpHasNone, vpath, vals...), nil
	case model.KindBool:
		var ns []*cond.Node
		for i, v := range vals {
			b, err := boolValue(v, index(vpath, i))
			if err != nil {
				return nil, err
			}
			if positive {
				ns = append(ns, leaf(f, cond.OpEq, vpath, b))
			} else {
				ns = append(ns, leaf(f, cond.OpNeq, vpath, b))
			}
		}
		if positive {
			return anyOf(ns), nil
		}
		return allOf(ns), nil
	case model.KindNumber:
		nums := make([]any, len(vals))
		for i, v := range vals {
			n, err := numberValue(v, index(vpath, i))
			if err != nil {
				return nil, err
			}
			nums[i] = n
		}
		if positive {
			return leaf(f, cond.OpIn, vpath, nums...), nil
		}
		return leaf(f, cond.OpNotIn, vpath, nums...), nil
	case model.KindDate:
		n, err := dateAnyNode(f, vals, vpath)
		if err != nil || positive {
			return n, err
		}
		return not(n), nil
	case model.KindDateTime:
		var ns []*cond.Node
		for i, v := range vals {
			lo, hi, err := dateTimeValue(v, index(vpath, i))
			if err != nil {
				return nil, err
			}
			ns = append(ns, leaf(f, cond.OpBetween, vpath, lo, hi))
		}
		if positive {
			return anyOf(ns), nil
		}
		return not(anyOf(ns)), nil
	}
	return nil, invalid(CodeBadOp, opPath, "%s 不适用于字段 %d", opName(op), f.ID)
}

func textValues(f *model.Field, op int, vals []any, path string) ([]any, error) {
	out := make([]any, len(vals))
	for i, v := range vals {
		s, ok := model.ScalarText(v)
		if !ok {
			return nil, invalid(CodeBadValue, index(path, i), "应为字符串,收到 %s", kindOf(v))
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, invalid(CodeBadValue, index(path, i), "不能为空字符串(查空值请用 op 4)")
		}
		if f.Type == model.TypePhone && (op == opContains || op == opNotContain) && phone.Digits(s) == "" {
			return nil, invalid(CodeBadValue, index(path, i), "电话号码条件应包含数字,收到 %s", clip(strconv.Quote(s), 40))
		}
		out[i] = s
	}
	return out, nil
}

func boolValue(v any, path string) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case json.Number:
		switch x.String() {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "1", "true", "是":
			return true, nil
		case "0", "false", "否":
			return false, nil
		}
	}
	return false, invalid(CodeBadValue, path, "应为 1(是) 或 0(否),收到 %s", kindOf(v))
}

func numberValue(v any, path string) (float64, error) {
	s, ok := model.ScalarText(v)
	if ok {
		s = strings.TrimSpace(s)
		if f, err := strconv.ParseFloat(s, 64); err == nil && !isInfOrNaN(f) {
			return f, nil
		}
	}
	return 0, invalid(CodeBadValue, path, "应为数值,收到 %s", kindOf(v))
}

func isInfOrNaN(f float64) bool { return f != f || f > 1e308 || f < -1e308 }

// dateValue reads a date: "yyyy-MM-dd" (a time part is dropped) or epoch
// ms; monthDay is set instead for "MM-dd" (an anniversary in any year).
func dateValue(v any, path string) (date, monthDay string, err error) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err == nil && n > 1e11 {
			return time.UnixMilli(n).In(shanghai).Format(dateLayout), "", nil
		}
	case string:
		s := strings.TrimSpace(x)
		if t, err := time.Parse("01-02", s); err == nil && len(s) == 5 {
			return "", t.Format("01-02"), nil
		}
		if lo, _, ok := timeBounds(s); ok {
			return time.UnixMilli(lo).In(shanghai).Format(dateLayout), "", nil
		}
		for _, l := range []string{"2006/01/02", "2006/1/2", "2006-1-2"} {
			if t, err := time.Parse(l, s); err == nil {
				return t.Format(dateLayout), "", nil
			}
		}
	}
	return "", "", invalid(CodeBadValue, path, "日期格式应为 yyyy-MM-dd(或 MM-dd 表示每年的这一天),收到 %s", kindOf(v))
}

// dateAnyNode matches a date equal to one of vals; "MM-dd" values match
// that day of any year from firstYear to lastYear.
func dateAnyNode(f *model.Field, vals []any, path string) (*cond.Node, error) {
	var dates []any
	var days []string
	for i, v := range vals {
		d, md, err := dateValue(v, index(path, i))
		if err != nil {
			return nil, err
		}
		if md != "" {
			days = append(days, md)
		} else {
			dates = append(dates, d)
		}
	}
	if len(days) > maxMonthDays {
		return nil, invalid(CodeOutOfRange, path, "MM-dd 形式的值最多 %d 个,收到 %d 个", maxMonthDays, len(days))
	}
	var ns []*cond.Node
	if len(dates) > 0 {
		ns = append(ns, leaf(f, cond.OpIn, path, dates...))
	}
	var chunk []any
	for _, md := range days {
		for y := firstYear; y <= lastYear; y++ {
			s := fmt.Sprintf("%04d-%s", y, md)
			if _, err := time.Parse(dateLayout, s); err != nil {
				continue // 02-29 outside leap years
			}
			chunk = append(chunk, s)
			if len(chunk) == maxItemValues {
				ns = append(ns, leaf(f, cond.OpIn, path, chunk...))
				chunk = nil
			}
		}
	}
	if len(chunk) > 0 {
		ns = append(ns, leaf(f, cond.OpIn, path, chunk...))
	}
	return anyOf(ns), nil
}

// dateTimeValue reads a date-time as the span it names (see timeBounds),
// or epoch ms as an instant.
func dateTimeValue(v any, path string) (lo, hi int64, err error) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, n, nil
		}
	case string:
		if lo, hi, ok := timeBounds(x); ok {
			return lo, hi, nil
		}
	}
	return 0, 0, invalid(CodeBadValue, path, "时间格式应为 yyyy-MM-dd HH:mm:ss 或 yyyy-MM-dd,收到 %s", kindOf(v))
}

func isOpen(v any) bool {
	s, ok := v.(string)
	return v == nil || ok && strings.TrimSpace(s) == ""
}

// rangeNode is the closed range [a, b]; an open (null or "") bound is
// unbounded. Date and date-time ranges include the whole of their end.
func rangeNode(f *model.Field, kind model.Kind, a, b any, path string) (*cond.Node, error) {
	if isOpen(a) && isOpen(b) {
		return nil, nil
	}
	switch kind {
	case model.KindNumber:
		var l, h any // nil: open
		var lo, hi float64
		if !isOpen(a) {
			x, err := numberValue(a, index(path, 0))
			if err != nil {
				return nil, err
			}
			lo, l = x, x
		}
		if !isOpen(b) {
			y, err := numberValue(b, index(path, 1))
			if err != nil {
				return nil, err
			}
			hi, h = y, y
		}
		return bounded(f, path, l, h, l != nil && h != nil && hi < lo)
	case model.KindDate:
		var lo, hi string
		for i, v := range []any{a, b} {
			if isOpen(v) {
				continue
			}
			d, md, err := dateValue(v, index(path, i))
			if err != nil {
				return nil, err
			}
			if md != "" {
				return nil, invalid(CodeBadValue, index(path, i), "区间条件需要完整日期 yyyy-MM-dd,收到 %q", md)
			}
			if i == 0 {
				lo = d
			} else {
				hi = d
			}
		}
		var l, h any
		if lo != "" {
			l = lo
		}
		if hi != "" {
			h = hi
		}
		return bounded(f, path, l, h, lo != "" && hi != "" && hi < lo)
	case model.KindDateTime:
		var l, h any
		var lo, hi int64
		if !isOpen(a) {
			x, _, err := dateTimeValue(a, index(path, 0))
			if err != nil {
				return nil, err
			}
			lo, l = x, x
		}
		if !isOpen(b) {
			_, y, err := dateTimeValue(b, index(path, 1))
			if err != nil {
				return nil, err
			}
			hi, h = y, y
		}
		return bounded(f, path, l, h, l != nil && h != nil && hi < lo)
	}
	return nil, invalid(CodeBadOp, path, "区间条件不适用于字段 %d", f.ID)
}

// bounded builds between / gte / lte from the bounds that are set (a nil
// interface or "" string is open).
func bounded[T comparable](f *model.Field, path string, lo, hi T, reversed bool) (*cond.Node, error) {
	var zero T
	if reversed {
		return nil, invalid(CodeOutOfRange, path, "区间开始值大于结束值")
	}
	switch {
	case lo != zero && hi != zero:
		return leaf(f, cond.OpBetween, path, lo, hi), nil
	case lo != zero:
		return leaf(f, cond.OpGte, path, lo), nil
	case hi != zero:
		return leaf(f, cond.OpLte, path, hi), nil
	}
	return nil, nil
}

// compareNode is gt/lt/gte/lte; a date-time value compares by the span it
// names (> its end, ≥ its start, < its start, ≤ its end).
func compareNode(f *model.Field, kind model.Kind, op int, v any, path string) (*cond.Node, error) {
	qop := map[int]cond.Op{opGt: cond.OpGt, opLt: cond.OpLt, opGte: cond.OpGte, opLte: cond.OpLte}[op]
	p0 := index(path, 0)
	switch kind {
	case model.KindNumber:
		n, err := numberValue(v, p0)
		if err != nil {
			return nil, err
		}
		return leaf(f, qop, path, n), nil
	case model.KindDate:
		d, md, err := dateValue(v, p0)
		if err != nil {
			return nil, err
		}
		if md != "" {
			return nil, invalid(CodeBadValue, p0, "比较条件需要完整日期 yyyy-MM-dd,收到 %q", md)
		}
		return leaf(f, qop, path, d), nil
	case model.KindDateTime:
		lo, hi, err := dateTimeValue(v, p0)
		if err != nil {
			return nil, err
		}
		if op == opGt || op == opLte {
			return leaf(f, qop, path, hi), nil
		}
		return leaf(f, qop, path, lo), nil
	}
	return nil, invalid(CodeBadOp, path, "比较条件不适用于字段 %d", f.ID)
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
