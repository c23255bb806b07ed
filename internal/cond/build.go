package cond

import (
	"strconv"

	"github.com/kehu/kehu/internal/model"
)

// Typed constructors for code that builds a tree instead of parsing one: the
// platform dialects translate their own filter shapes into these, so a tree
// built in Go has the same shape a parser would have produced. Values are
// what a parser yields (string, bool, nil, json.Number) or Go integers and
// floats (int, int64, float64), which internal/query coerces like numbers.

// Leaf is the condition field op values.
func Leaf(field string, op Op, values ...any) *Node {
	return &Node{Leaf: &Cond{Field: field, Op: op, Values: values}}
}

// LeafOf is the condition f op values on a field already resolved against
// the tenant's catalogue: the leaf names it by id and carries it (Resolved).
func LeafOf(f *model.Field, op Op, values ...any) *Node {
	return &Node{Leaf: &Cond{Field: strconv.FormatInt(f.ID, 10), Op: op, Values: values, Resolved: f}}
}

// Eq is field = value.
func Eq(field string, value any) *Node { return Leaf(field, OpEq, value) }

// Neq is field != value.
func Neq(field string, value any) *Node { return Leaf(field, OpNeq, value) }

// In is field in (values…).
func In(field string, values ...any) *Node { return Leaf(field, OpIn, values...) }

// Between is lo <= field <= hi.
func Between(field string, lo, hi any) *Node { return Leaf(field, OpBetween, lo, hi) }

// IsEmpty is field isEmpty.
func IsEmpty(field string) *Node { return Leaf(field, OpIsEmpty) }

// And joins nodes with "and"; nil members are dropped and a single member is
// returned as is.
func And(nodes ...*Node) *Node { return group(nodes, func(ns []*Node) *Node { return &Node{And: ns} }) }

// Or joins nodes with "or"; nil members are dropped and a single member is
// returned as is.
func Or(nodes ...*Node) *Node { return group(nodes, func(ns []*Node) *Node { return &Node{Or: ns} }) }

// Not negates n.
func Not(n *Node) *Node { return &Node{Not: n} }

func group(nodes []*Node, mk func([]*Node) *Node) *Node {
	kept := make([]*Node, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			kept = append(kept, n)
		}
	}
	switch len(kept) {
	case 0:
		return nil
	case 1:
		return kept[0]
	}
	return mk(kept)
}

// At sets the position error messages name (a JSON path such as
// "conditions[2]") on a leaf and returns n.
func (n *Node) At(pos string) *Node {
	if n != nil && n.Leaf != nil {
		n.Leaf.Pos = pos
	}
	return n
}
