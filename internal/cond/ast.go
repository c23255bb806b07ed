// Package cond is kehu's condition language, pure syntax: one AST with two
// spellings (a JSON form for POST /v1/customers/search and a compact string
// form for ?filter=), the formatter that prints either spelling back, the
// limits that bound a tree, and typed constructors (Eq, In, And, …) that the
// platform dialects use to build trees from what they decoded.
//
// It knows nothing about catalogues or SQL: internal/query resolves a tree
// against the tenant's catalogue (unknown field or bad operator = error),
// plans it and compiles it to SQL with bound parameters. Nothing a client
// typed ever reaches SQL text. The one thing it holds of the domain is a
// leaf's Resolved field, so that a dialect which looked a field up while
// translating hands it on instead of a name to look up again.
package cond

import "github.com/kehu/kehu/internal/model"

// Node is one node of a condition tree. Exactly one of And, Or, Not, Leaf is set.
type Node struct {
	And  []*Node `json:"and,omitempty"`
	Or   []*Node `json:"or,omitempty"`
	Not  *Node   `json:"not,omitempty"`
	Leaf *Cond   `json:"-"`
}

// Cond is a leaf condition: field op value(s).
type Cond struct {
	// Field is a field key ("name", "createdAt", "score") or a numeric field
	// id written as decimal digits ("30744").
	Field string
	Op    Op
	// Values holds the operand(s) as decoded: string, json.Number, bool or
	// nil. Single-value operators carry one element; isEmpty/today carry none.
	Values []any
	// Pos says where the condition stands in the input, for error messages:
	// a JSON path like "and[1].or[0]" or "offset 17" for the string form.
	Pos string
	// Resolved is the catalogue field Field names, when the code that built
	// the leaf has already looked it up in the tenant's catalogue (a dialect
	// translating its own filter, LeafOf): internal/query and crm take it
	// instead of resolving Field again. Parsers never set it; Field stays
	// set, for messages and the formatter.
	Resolved *model.Field
}

// Op is an operator name; the JSON spelling and the string form's word
// spelling are the same.
type Op string

// The operators. Relative-date operators take no value except the N-day ones.
const (
	OpEq          Op = "eq"
	OpNeq         Op = "neq"
	OpIn          Op = "in"
	OpNotIn       Op = "notIn"
	OpContains    Op = "contains"
	OpNotContains Op = "notContains"
	OpStartsWith  Op = "startsWith"
	OpEndsWith    Op = "endsWith"
	OpGt          Op = "gt"
	OpGte         Op = "gte"
	OpLt          Op = "lt"
	OpLte         Op = "lte"
	OpBetween     Op = "between"
	OpIsEmpty     Op = "isEmpty"
	OpIsNotEmpty  Op = "isNotEmpty"
	OpHasAny      Op = "hasAny"
	OpHasAll      Op = "hasAll"
	OpHasNone     Op = "hasNone"
	// Relative dates, evaluated in the tenant's time zone at query time.
	OpToday     Op = "today"
	OpYesterday Op = "yesterday"
	OpThisWeek  Op = "thisWeek"
	OpThisMonth Op = "thisMonth"
	OpLastMonth Op = "lastMonth"
	OpThisYear  Op = "thisYear"
	OpLastYear  Op = "lastYear"
	OpLastDays  Op = "lastDays" // value N: from the start of the day N-1 days ago to now
	OpNextDays  Op = "nextDays" // value N: from now to the end of the day N-1 days ahead
)

// Arity is how many values an operator takes.
type Arity int

// Arities.
const (
	ArityNone Arity = iota // isEmpty, today, …
	ArityOne               // eq, gt, contains, lastDays, …
	ArityTwo               // between
	ArityMany              // in, hasAny, … (one or more)
)

// Ops lists every operator with its arity; parsers reject anything else.
var Ops = map[Op]Arity{
	OpEq: ArityOne, OpNeq: ArityOne, OpIn: ArityMany, OpNotIn: ArityMany,
	OpContains: ArityOne, OpNotContains: ArityOne, OpStartsWith: ArityOne, OpEndsWith: ArityOne,
	OpGt: ArityOne, OpGte: ArityOne, OpLt: ArityOne, OpLte: ArityOne, OpBetween: ArityTwo,
	OpIsEmpty: ArityNone, OpIsNotEmpty: ArityNone,
	OpHasAny: ArityMany, OpHasAll: ArityMany, OpHasNone: ArityMany,
	OpToday: ArityNone, OpYesterday: ArityNone, OpThisWeek: ArityNone, OpThisMonth: ArityNone,
	OpLastMonth: ArityNone, OpThisYear: ArityNone, OpLastYear: ArityNone,
	OpLastDays: ArityOne, OpNextDays: ArityOne,
}

// Limits bound a condition tree; every parser enforces them and answers a
// *SyntaxError naming the limit when one is crossed.
type Limits struct {
	MaxDepth      int // nesting of and/or/not
	MaxConds      int // leaf conditions in the whole tree
	MaxValues     int // values in one condition
	MaxStringLen  int // characters in one string value
	MaxFilterSize int // bytes of the string form or JSON body
}

// DefaultLimits are generous on purpose: HubSpot stops at 5 groups of 6.
var DefaultLimits = Limits{MaxDepth: 16, MaxConds: 200, MaxValues: 1000, MaxStringLen: 1000, MaxFilterSize: 64 << 10}

// SyntaxError is a parse failure with the position it was found at.
type SyntaxError struct {
	Pos string // "offset 12" or a JSON path such as "and[0].value"
	Msg string
}

func (e *SyntaxError) Error() string { return e.Pos + ": " + e.Msg }
