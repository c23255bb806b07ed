package cond

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseStringValid(t *testing.T) {
	tests := []struct{ in, want string }{
		{`name ~ "张" && status = 1 && (tags ?= "vip" || createdAt >= "2025-01-01")`,
			`and(name contains "张", status eq 1, or(tags hasAny "vip", createdAt gte "2025-01-01"))`},
		{`a = 1`, `a eq 1`},
		{`  a=1  `, `a eq 1`},
		{`((a = 1))`, `a eq 1`},
		{`a != 'x'`, `a neq "x"`},
		{`a > 1 && a >= 2 && a < 3 && a <= 4`, `and(a gt 1, a gte 2, a lt 3, a lte 4)`},
		{`a ~ "x" || a !~ "x" || a ^= "x" || a $= "x"`, `or(a contains "x", a notContains "x", a startsWith "x", a endsWith "x")`},
		{`t ?= ["a"] && t ?& ("a", "b") && t ?! "c"`, `and(t hasAny "a", t hasAll "a" "b", t hasNone "c")`},
		{`score between (1, 5)`, `score between 1 5`},
		{`score BETWEEN [1,5]`, `score between 1 5`},
		{`email isEmpty`, `email isEmpty`},
		{`email isnotempty && x IsEmpty`, `and(email isNotEmpty, x isEmpty)`},
		{`createdAt lastDays 30`, `createdAt lastDays 30`},
		{`createdAt thisMonth || createdAt today`, `or(createdAt thisMonth, createdAt today)`},
		{`status in (1,2)`, `status in 1 2`},
		{`status notIn 1`, `status notIn 1`},
		{`tags hasAll ["a","b"]`, `tags hasAll "a" "b"`},
		{`a eq 1 && b CONTAINS "x" && c startswith "y"`, `and(a eq 1, b contains "x", c startsWith "y")`},
		{`30744 = 5`, `30744 eq 5`},
		{"`first name` = 1", `"first name" eq 1`},
		{"`a\\`b\\\\c` = 1", "\"a`b\\\\c\" eq 1"},
		{`名字 ~ "张" && 客户.等级 = 1 && _x2 = 2`, `and(名字 contains "张", 客户.等级 eq 1, _x2 eq 2)`},
		{`a = -1.5e+3 && b = +7 && c = 0 && d = -0.0 && e = 1E9`, `and(a eq -1.5e+3, b eq 7, c eq 0, d eq -0.0, e eq 1E9)`},
		{`a = true || b = FALSE || c = null || d in (true, Null)`, `or(a eq true, b eq false, c eq <nil>, d in true <nil>)`},
		{`a = "1"`, `a eq "1"`},
		{`!a = 1`, `not(a eq 1)`},
		{`! ! a = 1`, `not(not(a eq 1))`},
		{`!(a = 1 && b = 2)`, `not(and(a eq 1, b eq 2))`},
		{`!a = 1 && b = 2`, `and(not(a eq 1), b eq 2)`},
		{`a = 1 || b = 2 && c = 3`, `or(a eq 1, and(b eq 2, c eq 3))`},
		{`(a = 1 || b = 2) && c = 3`, `and(or(a eq 1, b eq 2), c eq 3)`},
		{`(a = 1 && b = 2) && c = 3`, `and(and(a eq 1, b eq 2), c eq 3)`},
		{`a = 1 && b = 2 && c = 3 && d = 4`, `and(a eq 1, b eq 2, c eq 3, d eq 4)`},
		{"a = 1\n\t&&\u3000b = 2", `and(a eq 1, b eq 2)`},
		{`a = "x" && b = 'y'`, `and(a eq "x", b eq "y")`},
		{`a in ( 1 , "2" , 3 )`, `a in 1 "2" 3`},
	}
	for _, tt := range tests {
		n, err := ParseString(tt.in, DefaultLimits)
		if err != nil {
			t.Errorf("ParseString(%q): %v", tt.in, err)
			continue
		}
		if got := dumpTree(n); got != tt.want {
			t.Errorf("ParseString(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
		checkLimits(t, n, DefaultLimits)
		checkRoundTrip(t, n, DefaultLimits)
	}
}

func TestParseStringPos(t *testing.T) {
	n, err := ParseString(`a = 1 && (b = 2 || !张 isEmpty)`, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{n.And[0].Leaf.Pos, n.And[1].Or[0].Leaf.Pos, n.And[1].Or[1].Not.Leaf.Pos}
	want := []string{"offset 0", "offset 10", "offset 20"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("position %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestParseStringVerbatim checks that string values come back exactly,
// whatever they hold.
func TestParseStringVerbatim(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"张三"`, "张三"},
		{`"😀𠀀"`, "😀𠀀"},
		{`"\ud83d\ude00\uD840\uDC00"`, "😀𠀀"},
		{`"x'; DROP TABLE customers; --"`, "x'; DROP TABLE customers; --"},
		{`'x"; DROP TABLE customers; --'`, `x"; DROP TABLE customers; --`},
		{`"it's"`, "it's"},
		{`'say \'hi\' "there"'`, `say 'hi' "there"`},
		{`"a\"b\\c\/d"`, `a"b\c/d`},
		{`"\n\t\r\b\f"`, "\n\t\r\b\f"},
		{`"\u0000"`, "\x00"},
		{"\"a\x00b\"", "a\x00b"},
		{"\"line1\nline2\"", "line1\nline2"},
		{`"/* */ OR 1=1 #"`, "/* */ OR 1=1 #"},
		{`"&& || ( ) !"`, "&& || ( ) !"},
		{`"%_\\"`, `%_\`},
		{`""`, ""},
		{"\"\u202e\u2028\ufeff\"", "\u202e\u2028\ufeff"},
	}
	for _, tt := range tests {
		in := "name = " + tt.in
		n, err := ParseString(in, DefaultLimits)
		if err != nil {
			t.Errorf("ParseString(%q): %v", in, err)
			continue
		}
		if got := n.Leaf.Values[0]; got != tt.want {
			t.Errorf("ParseString(%q) value = %q, want %q", in, got, tt.want)
		}
		checkRoundTrip(t, n, DefaultLimits)
		// The JSON form keeps it too.
		j, _ := json.Marshal(map[string]any{"field": "name", "op": "eq", "value": tt.want})
		n2, err := ParseJSON(j, DefaultLimits)
		if err != nil || n2.Leaf.Values[0] != tt.want {
			t.Errorf("ParseJSON(%s) = %v, %v", j, n2, err)
		}
	}
}

func TestParseStringErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		msg string
	}{
		{``, 0, "expected a condition, got end of input"},
		{`   `, 3, "expected a condition, got end of input"},
		{`name == "x"`, 5, `expected an operator after "name", got "=="`},
		{`name <> "x"`, 5, `got "<>" (use "!=")`},
		{`name =~ "x"`, 5, `got "=~"`},
		{`name`, 4, `expected an operator after "name", got end of input`},
		{`name "x"`, 5, `expected an operator after "name", got "\"x\""`},
		{`name eqq 1`, 5, `unknown operator "eqq"`},
		{`name = "x`, 7, `unterminated string`},
		{`name = 'x\'`, 7, `unterminated string`},
		{"`name = 1", 0, `unterminated field name`},
		{"`` = 1", 0, `empty field name`},
		{`)`, 0, `unexpected ")"`},
		{`a = 1)`, 5, `unexpected ")" without a matching "("`},
		{`(a = 1`, 6, `expected ")" to close the "(" at offset 0, got end of input`},
		{`(a = 1 b = 2)`, 7, `expected ")" to close the "(" at offset 0, got "b"`},
		{`()`, 1, `unexpected ")"`},
		{`name =`, 6, `expected a value for op "eq", got end of input`},
		{`name = && b = 1`, 7, `expected a value for op "eq", got "&&"`},
		{`name = foo`, 7, `got "foo" (quote text, e.g. "foo")`},
		{"name = `x`", 7, `backticks quote field names`},
		{`name = “x”`, 7, `straight quotes`},
		{`a = 2025-01-01`, 4, `invalid number "2025-01-01"`},
		{`a = 0123`, 4, `invalid number "0123"`},
		{`a = 1.`, 4, `invalid number "1."`},
		{`a = .5`, 4, `expected a value for op "eq", got ".5"`},
		{`a = 1e`, 4, `invalid number "1e"`},
		{`a = -`, 4, `invalid number "-"`},
		{`a = +-1`, 4, `invalid number "+-1"`},
		{`a = 12abc`, 4, `invalid number "12abc"`},
		{`a = "x" && b = 1 &&`, 19, `expected a condition, got end of input`},
		{`a = 1 & b = 2`, 6, `got "&" (use "&&" for and)`},
		{`a = 1 | b = 2`, 6, `got "|" (use "||" for or)`},
		{`a = 1 AND b = 2`, 6, `got "AND" (use "&&" for and)`},
		{`a = 1 b = 2`, 6, `expected "&&", "||" or end of input after a condition, got "b"`},
		{`a = 1 && && b = 1`, 9, `expected a field name, got "&&"`},
		{`"name" = 1`, 0, "quote field names with backticks"},
		{`1abc = 1`, 0, `invalid field name "1abc": a name cannot start with a digit`},
		{`= 1`, 0, `expected a field name, got "="`},
		{`a = (1)`, 4, `op "eq" takes a single value, not a list (use "in" for a list)`},
		{`a != [1, 2]`, 5, `(use "notIn" for a list)`},
		{`a in ()`, 5, `op "in" needs at least 1 value, got an empty list`},
		{`a in (1,)`, 8, `expected a value for op "in", got ")"`},
		{`a in (1 2)`, 8, `expected "," or ")" in the list at offset 5, got "2"`},
		{`a in (1, 2]`, 10, `expected "," or ")" in the list at offset 5, got "]"`},
		{`a in (1, 2`, 10, `unterminated list`},
		{`a in (1, (2))`, 9, `lists cannot be nested`},
		{`a between 1`, 10, `op "between" needs exactly 2 values, as a list`},
		{`a between`, 9, `expected a value for op "between", got end of input`},
		{`a between (1)`, 10, `op "between" needs exactly 2 values, got 1`},
		{`a between (1, 2, 3)`, 10, `op "between" needs exactly 2 values, got 3`},
		{`a isEmpty 1`, 10, `op "isEmpty" takes no value`},
		{`a today ("x")`, 8, `op "today" takes no value`},
		{`a thisMonth true`, 12, `op "thisMonth" takes no value`},
		{`a lastDays`, 10, `expected a value for op "lastDays", got end of input`},
		{`a = "\x"`, 5, `invalid escape "\\x"`},
		{`a = "\u12"`, 5, `\u needs 4 hex digits`},
		{`a = "\ud83d"`, 5, `half of a surrogate pair`},
		{`a = "\ude00\ud83d"`, 5, `half of a surrogate pair`},
		{"a = \"\xff\"", 5, `invalid UTF-8`},
		{`a = 1 && !`, 10, `expected a condition, got end of input`},
		{`a = 1 && b`, 10, `expected an operator after "b", got end of input`},
	}
	for _, tt := range tests {
		n, err := ParseString(tt.in, DefaultLimits)
		if err == nil {
			t.Errorf("ParseString(%q) = %s, want an error", tt.in, dumpTree(n))
			continue
		}
		se := syntaxErr(t, err)
		if se.Pos != offsetPos(tt.pos) || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("ParseString(%q)\n got %s: %s\nwant offset %d: …%s…", tt.in, se.Pos, se.Msg, tt.pos, tt.msg)
		}
	}
}

func repeatJoin(s, sep string, n int) string {
	return strings.TrimSuffix(strings.Repeat(s+sep, n), sep)
}

func TestParseStringLimits(t *testing.T) {
	small := Limits{MaxDepth: 3, MaxConds: 4, MaxValues: 3, MaxStringLen: 3, MaxFilterSize: 40}
	big := DefaultLimits
	big.MaxFilterSize = 1 << 20
	values := func(n int) string { return "a in (" + repeatJoin("1", ",", n) + ")" }
	tests := []struct {
		name    string
		lim     Limits
		ok, bad string
		pos     int
		msg     string
	}{
		{"nots", small, `!!!a = 1`, `!!!!a = 1`, 3, "too deeply nested: the limit is 3 levels"},
		{"parens", small, `(((a = 1)))`, `((((a = 1))))`, 3, "too deeply nested"},
		{"not parens", small, `!(!(!(a = 1)))`, `!(!(!(!(a = 1))))`, 6, "too deeply nested"},
		{"tree", small, `a = 1 && (b = 1 || !c = 1)`, `a = 1 && (b = 1 || !(c = 1 && d = 1))`, 0, "too deeply nested"},
		{"default depth", DefaultLimits, strings.Repeat("!", 16) + "a = 1", strings.Repeat("!", 17) + "a = 1", 16, "the limit is 16 levels"},
		{"default parens", DefaultLimits, strings.Repeat("(", 16) + "a = 1" + strings.Repeat(")", 16),
			strings.Repeat("(", 17) + "a = 1" + strings.Repeat(")", 17), 16, "the limit is 16 levels"},
		{"conds", small, `a=1||b=1||c=1||d=1`, `a=1||b=1||c=1||d=1||e=1`, 20, "too many conditions: the limit is 4"},
		{"default conds", big, repeatJoin("a = 1", " && ", 200), repeatJoin("a = 1", " && ", 201), 200 * 9, "too many conditions: the limit is 200"},
		{"values", small, values(3), values(4), 12, "too many values in one condition: the limit is 3"},
		{"default values", DefaultLimits, values(1000), values(1001), 6 + 2000, "the limit is 1000"},
		{"string runes", small, `a = "张😀𠀀"`, `a = "张😀𠀀x"`, 4, "string too long: the limit is 3 characters"},
		{"escaped runes", small, `a in ("\ud840\udc00ab")`, `a in (1, "\ud840\udc00abc")`, 9, "string too long"},
		{"default string", DefaultLimits, `a = "` + strings.Repeat("𠀀", 1000) + `"`, `a = "` + strings.Repeat("𠀀", 1001) + `"`, 4, "the limit is 1000 characters"},
		{"field", small, `张三李 isEmpty`, `张三李四 isEmpty`, 0, "field name too long: the limit is 3 characters"},
		{"quoted field", small, "`a b` isEmpty", "`a bc` isEmpty", 0, "field name too long"},
		{"field id", small, `123 isEmpty`, `1234 isEmpty`, 0, "field name too long"},
		{"size", small, `a = "` + strings.Repeat("x", 3) + `"` + strings.Repeat(" ", 31), `a = "xxx"` + strings.Repeat(" ", 32), 40, "filter too long: the limit is 40 bytes"},
		{"default size", DefaultLimits, "a = 1" + strings.Repeat(" ", 65536-5), "a = 1" + strings.Repeat(" ", 65536-4), 65536, "the limit is 65536 bytes"},
	}
	for _, tt := range tests {
		n, err := ParseString(tt.ok, tt.lim)
		if err != nil {
			t.Errorf("%s: at the limit: %v", tt.name, err)
		} else {
			checkLimits(t, n, tt.lim)
			checkRoundTrip(t, n, tt.lim)
		}
		_, err = ParseString(tt.bad, tt.lim)
		if err == nil {
			t.Errorf("%s: over the limit: no error", tt.name)
			continue
		}
		se := syntaxErr(t, err)
		if se.Pos != offsetPos(tt.pos) || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: got %s: %s\nwant offset %d: …%s…", tt.name, se.Pos, se.Msg, tt.pos, tt.msg)
		}
	}
}

// TestRoundTrip prints trees both ways and parses them back, including trees
// the string form only reaches through parentheses and JSON-only spellings.
func TestRoundTrip(t *testing.T) {
	strs := []string{
		`name ~ "张" && status = 1 && (tags ?= "vip" || createdAt >= "2025-01-01")`,
		`!(a = 1) && !!(b = 2) && !(c = 1 || !(d isEmpty && e today))`,
		`((a = 1 && b = 2) && (c = 3 || (d = 4 || e = 5))) || !f isNotEmpty`,
		"`weird \\` name` = \"x\\u0000y\" && ` \\\\` = 1 && `3d` = 1 && 007 = 1",
		`a in ("😀", "𠀀", 'é', -0, 1e-7, true, false, null) && b between ("2025-01-01", "2025-12-31")`,
		`x lastDays 7 || x nextDays 3 || x thisWeek || x lastMonth || x thisYear || x lastYear || x yesterday`,
	}
	for _, s := range strs {
		n, err := ParseString(s, DefaultLimits)
		if err != nil {
			t.Errorf("ParseString(%q): %v", s, err)
			continue
		}
		checkRoundTrip(t, n, DefaultLimits)
	}
	jsons := []string{
		`{"field":"a\u2028b\u0001\u007f\ud83d\ude00","op":"eq","value":"\ud800"}`,
		`{"field":"","op":"eq","value":1}`, // rejected, see below
		`{"not":{"and":[{"field":"a","op":"in","value":[1]},{"or":[{"field":"b","op":"eq","value":"\"'` + "`" + `\\"},{"field":"c.d","op":"isEmpty"}]}]}}`,
		`{"field":"日期","op":"between","value":["2025-01-01","2025-01-31"]}`,
		`{"field":"a","op":"eq","value":"\u00a0\u3000 \t"}`,
	}
	for _, s := range jsons {
		n, err := ParseJSON([]byte(s), DefaultLimits)
		if err != nil {
			if !strings.Contains(s, `"field":""`) {
				t.Errorf("ParseJSON(%s): %v", s, err)
			}
			continue
		}
		checkRoundTrip(t, n, DefaultLimits)
	}
}

func FuzzParseString(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for _, lim := range []Limits{DefaultLimits, fuzzLimits} {
			n, err := ParseString(s, lim)
			if err != nil {
				se := syntaxErr(t, err)
				if !strings.HasPrefix(se.Pos, "offset ") {
					t.Fatalf("Pos %q", se.Pos)
				}
				if n != nil {
					t.Fatalf("node and error")
				}
				continue
			}
			checkLimits(t, n, lim)
			checkRoundTrip(t, n, lim)
		}
	})
}

// TestStringHandBuilt covers trees built by code rather than a parser.
func TestStringHandBuilt(t *testing.T) {
	leaf := func(v ...any) *Node { return &Node{Leaf: &Cond{Field: "a", Op: OpIn, Values: v}} }
	tests := []struct {
		n    *Node
		want string
	}{
		{&Node{And: []*Node{leaf(1)}}, `a in (1)`},
		{&Node{Or: []*Node{{And: []*Node{leaf(1)}}, leaf(int64(-2), uint8(3), 1.5, float32(0.25))}}, `a in (1) || a in (-2, 3, 1.5, 0.25)`},
		{&Node{Not: &Node{Or: []*Node{leaf(true)}}}, `!(a in (true))`},
		{&Node{Not: &Node{Not: leaf("x")}}, `!!(a in ("x"))`},
		{leaf("\U000E0001\u00ad\xff\ufffd"), `a in ("\udb40\udc01\u00ad\ufffd\ufffd")`},
		{&Node{Leaf: &Cond{Field: "a-b", Op: OpIsEmpty}}, "`a-b` isEmpty"},
		{&Node{Leaf: &Cond{Field: "a`b\n", Op: OpToday}}, "`a\\`b\\n` today"},
	}
	for _, tt := range tests {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
		if _, err := ParseString(tt.n.String(), DefaultLimits); err != nil {
			t.Errorf("ParseString(%s): %v", tt.n.String(), err)
		}
	}
}
