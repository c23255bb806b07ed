package cond

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// ---- helpers shared by the parser tests ----

// dumpTree prints a tree unambiguously for comparisons, ignoring Cond.Pos:
// and(…), or(…), not(…), leaves as `field op v1 v2` with strings quoted and
// numbers bare.
func dumpTree(n *Node) string {
	var b strings.Builder
	var walk func(n *Node)
	group := func(name string, kids []*Node) {
		b.WriteString(name + "(")
		for i, k := range kids {
			if i > 0 {
				b.WriteString(", ")
			}
			walk(k)
		}
		b.WriteString(")")
	}
	walk = func(n *Node) {
		switch {
		case n == nil:
			b.WriteString("<nil>")
		case n.And != nil:
			group("and", n.And)
		case n.Or != nil:
			group("or", n.Or)
		case n.Not != nil:
			group("not", []*Node{n.Not})
		case n.Leaf != nil:
			c := n.Leaf
			if isIdent(c.Field) {
				b.WriteString(c.Field)
			} else {
				b.WriteString(strconv.Quote(c.Field))
			}
			b.WriteString(" " + string(c.Op))
			for _, v := range c.Values {
				b.WriteByte(' ')
				switch v := v.(type) {
				case string:
					b.WriteString(strconv.Quote(v))
				case json.Number:
					b.WriteString(string(v))
				case bool, nil:
					fmt.Fprint(&b, v)
				default:
					fmt.Fprintf(&b, "%T(%v)", v, v)
				}
			}
		default:
			b.WriteString("<empty>")
		}
	}
	walk(n)
	return b.String()
}

// checkLimits fails t unless n is well formed and within lim.
func checkLimits(t testing.TB, n *Node, lim Limits) {
	t.Helper()
	lim = lim.effective()
	conds := 0
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		set := 0
		if n.And != nil {
			set++
		}
		if n.Or != nil {
			set++
		}
		if n.Not != nil {
			set++
		}
		if n.Leaf != nil {
			set++
		}
		if set != 1 {
			t.Fatalf("node with %d of and/or/not/leaf set: %s", set, dumpTree(n))
		}
		if depth > lim.MaxDepth {
			t.Fatalf("depth %d over the limit %d", depth, lim.MaxDepth)
		}
		for _, kids := range [][]*Node{n.And, n.Or} {
			if kids != nil && len(kids) < 2 {
				t.Fatalf("group with %d members", len(kids))
			}
			for _, k := range kids {
				walk(k, depth+1)
			}
		}
		if n.Not != nil {
			walk(n.Not, depth+1)
		}
		if c := n.Leaf; c != nil {
			conds++
			if c.Field == "" || utf8.RuneCountInString(c.Field) > lim.MaxStringLen {
				t.Fatalf("bad field %q", c.Field)
			}
			if c.Pos == "" {
				t.Fatalf("leaf without Pos")
			}
			arity, ok := Ops[c.Op]
			if !ok {
				t.Fatalf("unknown op %q", c.Op)
			}
			n := len(c.Values)
			if (arity == ArityNone && n != 0) || (arity == ArityOne && n != 1) || (arity == ArityTwo && n != 2) || (arity == ArityMany && n < 1) {
				t.Fatalf("op %s with %d values", c.Op, n)
			}
			if n > lim.MaxValues {
				t.Fatalf("%d values over the limit %d", n, lim.MaxValues)
			}
			for _, v := range c.Values {
				switch v := v.(type) {
				case string:
					if utf8.RuneCountInString(v) > lim.MaxStringLen {
						t.Fatalf("string of %d runes over the limit", utf8.RuneCountInString(v))
					}
				case json.Number:
					if !isJSONNumber(string(v)) {
						t.Fatalf("bad number %q", v)
					}
				case bool, nil:
				default:
					t.Fatalf("value of type %T", v)
				}
			}
		}
	}
	walk(n, 0)
	if conds > lim.MaxConds {
		t.Fatalf("%d conditions over the limit %d", conds, lim.MaxConds)
	}
}

// checkRoundTrip prints n both ways and parses it back under lim (with room
// for the printed form being longer than the input).
func checkRoundTrip(t testing.TB, n *Node, lim Limits) {
	t.Helper()
	lim = lim.effective()
	lim.MaxFilterSize = 1 << 30
	want := dumpTree(n)

	s := n.String()
	n2, err := ParseString(s, lim)
	if err != nil {
		t.Fatalf("ParseString(String()) = %v\nString(): %s\ntree: %s", err, s, want)
	}
	if got := dumpTree(n2); got != want {
		t.Fatalf("string round trip changed the tree\nString(): %s\n got %s\nwant %s", s, got, want)
	}
	if s2 := n2.String(); s2 != s {
		t.Fatalf("String() is not canonical:\n%s\n%s", s, s2)
	}

	j, err := n.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v (tree %s)", err, want)
	}
	if !json.Valid(j) {
		t.Fatalf("MarshalJSON gave invalid JSON: %s", j)
	}
	n3, err := ParseJSON(j, lim)
	if err != nil {
		t.Fatalf("ParseJSON(MarshalJSON()) = %v\nJSON: %s", err, j)
	}
	if got := dumpTree(n3); got != want {
		t.Fatalf("JSON round trip changed the tree\nJSON: %s\n got %s\nwant %s", j, got, want)
	}
	// encoding/json must use the method too.
	j2, err := json.Marshal(n)
	var esc bytes.Buffer
	json.HTMLEscape(&esc, j) // json.Marshal escapes <, >, & in what methods return
	if err != nil || string(j2) != esc.String() {
		t.Fatalf("json.Marshal = %s, %v; want %s", j2, err, esc.String())
	}
}

// syntaxErr fails t unless err is a *SyntaxError, and returns it.
func syntaxErr(t testing.TB, err error) *SyntaxError {
	t.Helper()
	se, ok := err.(*SyntaxError)
	if !ok {
		t.Fatalf("error %v is a %T, not a *SyntaxError", err, err)
	}
	if se.Pos == "" || se.Msg == "" {
		t.Fatalf("SyntaxError without Pos or Msg: %#v", se)
	}
	return se
}

// ---- ParseJSON ----

func TestParseJSONValid(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"field":"name","op":"eq","value":"张三"}`, `name eq "张三"`},
		{`{"field":30744,"op":"eq","value":1}`, `30744 eq 1`},
		{`{"field":"30744","op":"eq","value":1.50}`, `30744 eq 1.50`},
		{`{"op":"gte","value":-1e3,"field":"score"}`, `score gte -1e3`},
		{`{"field":"vip","op":"eq","value":true}`, `vip eq true`},
		{`{"field":"email","op":"eq","value":null}`, `email eq <nil>`},
		{`{"field":"email","op":"isEmpty"}`, `email isEmpty`},
		{`{"field":"createdAt","op":"thisMonth"}`, `createdAt thisMonth`},
		{`{"field":"createdAt","op":"lastDays","value":30}`, `createdAt lastDays 30`},
		{`{"field":"a","op":"eq","values":["x"]}`, `a eq "x"`},
		{`{"field":"score","op":"between","values":[1,5]}`, `score between 1 5`},
		{`{"field":"score","op":"between","value":[1,5]}`, `score between 1 5`},
		{`{"field":"status","op":"in","values":[1,"2",true,null]}`, `status in 1 "2" true <nil>`},
		{`{"field":"status","op":"in","value":1}`, `status in 1`},
		{`{"field":"tags","op":"hasAll","value":["a","b"]}`, `tags hasAll "a" "b"`},
		{`{"field":"a","op":"NotIn","values":[1]}`, `a notIn 1`},
		{`{"and":[{"field":"a","op":"eq","value":1},{"field":"b","op":"eq","value":2}]}`, `and(a eq 1, b eq 2)`},
		{`{"or":[{"field":"a","op":"eq","value":1},{"not":{"field":"b","op":"isEmpty"}}]}`, `or(a eq 1, not(b isEmpty))`},
		{`{"and":[{"field":"a","op":"eq","value":1}]}`, `a eq 1`}, // single member collapses
		{`{"and":[{"and":[{"field":"a","op":"eq","value":1},{"field":"b","op":"eq","value":2}]},{"field":"c","op":"eq","value":3}]}`,
			`and(and(a eq 1, b eq 2), c eq 3)`}, // no flattening
		{` {"not":{"not":{"field":"a b","op":"eq","value":"x"}}} `, `not(not("a b" eq "x"))`},
		{`{"field":"name","op":"eq","value":"\ud83d\ude00\u0000'\"; -- DROP"}`, `name eq "😀\x00'\"; -- DROP"`},
	}
	for _, tt := range tests {
		n, err := ParseJSON([]byte(tt.in), DefaultLimits)
		if err != nil {
			t.Errorf("ParseJSON(%s): %v", tt.in, err)
			continue
		}
		if got := dumpTree(n); got != tt.want {
			t.Errorf("ParseJSON(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
		checkLimits(t, n, DefaultLimits)
		checkRoundTrip(t, n, DefaultLimits)
	}
}

func TestParseJSONPos(t *testing.T) {
	in := `{"and":[{"field":"a","op":"eq","value":1},{"or":[{"field":"b","op":"in","values":[1,2]},{"not":{"field":"c","op":"isEmpty"}}]}]}`
	n, err := ParseJSON([]byte(in), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{n.And[0].Leaf.Pos, n.And[1].Or[0].Leaf.Pos, n.And[1].Or[1].Not.Leaf.Pos}
	want := []string{"and[0]", "and[1].or[0]", "and[1].or[1].not"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("positions %v, want %v", got, want)
	}
	n, err = ParseJSON([]byte(`{"field":"a","op":"isEmpty"}`), DefaultLimits)
	if err != nil || n.Leaf.Pos != "$" {
		t.Errorf("root leaf: %v %v", n, err)
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ in, pos, msg string }{
		{``, "$", "empty input"},
		{`  `, "$", "empty input"},
		{`null`, "$", "expected an object"},
		{`[]`, "$", "expected an object"},
		{`{}`, "$", "empty object"},
		{`{"field":"a","op":"eq","value":1`, "$", "unexpected end of JSON input"},
		{`{"field":"a","op":"eq","value":1} {}`, "$", "unexpected data after the condition at byte offset 34"},
		{`{"field":"a","op":"eq","value":1} x`, "$", "unexpected data after the condition at byte offset 34"},
		{`{"field":"a","op":"eq","value":tru}`, "value", "invalid JSON at byte offset 34"},
		{`{"field":"a","op":"eqq","value":1}`, "op", `unknown operator "eqq"`},
		{`{"field":"a","op":1,"value":1}`, "op", `"op" must be a string`},
		{`{"field":"a","op":"eq","value":1,"x":2}`, "x", `unknown key "x"`},
		{`{"":2}`, `$[""]`, `unknown key ""`},
		{`{"not":{"a b":2}}`, `not["a b"]`, `unknown key "a b"`},
		{`{"Field":"a","op":"eq","value":1}`, "Field", `unknown key "Field" (keys are case-sensitive: did you mean "field"?)`},
		{`{"field":"a","op":"eq","value":1,"op":"neq"}`, "op", `duplicate key "op"`},
		{`{"op":"eq","value":1}`, "$", `missing "field"`},
		{`{"field":"a","value":1}`, "$", `missing "op"`},
		{`{"field":"","op":"eq","value":1}`, "field", `empty field name`},
		{`{"field":1.5,"op":"eq","value":1}`, "field", `whole-number field id`},
		{`{"field":-1,"op":"eq","value":1}`, "field", `whole-number field id`},
		{`{"field":["a"],"op":"eq","value":1}`, "field", `whole-number field id, got a list`},
		{`{"field":"a","op":"eq"}`, "$", `op "eq" needs a value`},
		{`{"field":"a","op":"eq","value":[1,2]}`, "value", `op "eq" takes a single value, not a list (use "in" for a list)`},
		{`{"field":"a","op":"eq","values":[1,2]}`, "values", `op "eq" needs exactly 1 value, got 2`},
		{`{"field":"a","op":"eq","values":[]}`, "values", `op "eq" needs exactly 1 value, got 0`},
		{`{"field":"a","op":"eq","value":{"x":1}}`, "value", `not an object`},
		{`{"field":"a","op":"in","values":[1,[2]]}`, "values[1]", `not a list`},
		{`{"field":"a","op":"in","values":1}`, "values", `"values" must be a list`},
		{`{"field":"a","op":"in","values":[]}`, "values", `op "in" needs at least 1 value`},
		{`{"field":"a","op":"in"}`, "$", `op "in" needs at least 1 value`},
		{`{"field":"a","op":"between","values":[1]}`, "values", `op "between" needs exactly 2 values`},
		{`{"field":"a","op":"between","values":[1,2,3]}`, "values", `op "between" needs exactly 2 values`},
		{`{"field":"a","op":"between","value":1}`, "value", `op "between" needs exactly 2 values`},
		{`{"field":"a","op":"between"}`, "$", `op "between" needs exactly 2 values`},
		{`{"field":"a","op":"isEmpty","value":null}`, "value", `op "isEmpty" takes no value`},
		{`{"field":"a","op":"eq","value":1,"values":[1]}`, "values", `use either "value" or "values", not both`},
		{`{"and":[]}`, "and", `"and" needs at least one condition`},
		{`{"or":{}}`, "or", `"or" must be a list of conditions, got an object`},
		{`{"not":[]}`, "not", `expected an object`},
		{`{"and":[{"field":"a","op":"eq","value":1}],"or":[]}`, "or", `"or" cannot be combined with "and"`},
		{`{"field":"a","op":"eq","value":1,"not":{}}`, "not", `"not" cannot be combined with "field"`},
		{`{"and":[{"field":"a","op":"eq","value":1},{"or":[{"field":"b","op":"eq","value":1},{"field":"c","op":"in","values":[1,2,3,{}]}]}]}`,
			"and[1].or[1].values[3]", "not an object"},
		{`{"and":[{"field":"a","op":"eq","value":1},1]}`, "and[1]", "expected an object"},
	}
	for _, tt := range tests {
		n, err := ParseJSON([]byte(tt.in), DefaultLimits)
		if err == nil {
			t.Errorf("ParseJSON(%s) = %s, want an error", tt.in, dumpTree(n))
			continue
		}
		se := syntaxErr(t, err)
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("ParseJSON(%s)\n got %s: %s\nwant %s: …%s…", tt.in, se.Pos, se.Msg, tt.pos, tt.msg)
		}
	}
}

// jsonLeaf is a leaf condition in the JSON form.
const jsonLeaf = `{"field":"a","op":"eq","value":1}`

func nestJSON(depth int) string {
	s := jsonLeaf
	for i := 0; i < depth; i++ {
		if i%2 == 0 {
			s = `{"not":` + s + `}`
		} else {
			s = `{"and":[` + jsonLeaf + `,` + s + `]}`
		}
	}
	return s
}

func jsonConds(n int) string {
	return `{"or":[` + strings.TrimSuffix(strings.Repeat(jsonLeaf+",", n), ",") + `]}`
}

func jsonValues(n int) string {
	return `{"field":"a","op":"in","values":[` + strings.TrimSuffix(strings.Repeat(`1,`, n), ",") + `]}`
}

func TestParseJSONLimits(t *testing.T) {
	small := Limits{MaxDepth: 3, MaxConds: 4, MaxValues: 3, MaxStringLen: 3, MaxFilterSize: 200}
	big := DefaultLimits
	big.MaxFilterSize = 1 << 20
	tests := []struct {
		name    string
		lim     Limits
		ok, bad string
		pos     string
		msg     string
	}{
		{"depth", small, nestJSON(3), nestJSON(4), "and[1].not.and[1]", "too deeply nested: the limit is 3 levels"},
		{"depth default", DefaultLimits, nestJSON(16), nestJSON(17), "not" + strings.Repeat(".and[1].not", 7) + ".and[1]", "the limit is 16 levels"},
		{"conds", small, jsonConds(4), jsonConds(5), "or[4]", "too many conditions: the limit is 4"},
		{"conds default", big, jsonConds(200), jsonConds(201), "or[200]", "too many conditions: the limit is 200"},
		{"values", small, jsonValues(3), jsonValues(4), "values[3]", "too many values in one condition: the limit is 3"},
		{"values default", DefaultLimits, jsonValues(1000), jsonValues(1001), "values[1000]", "the limit is 1000"},
		{"string runes", small, `{"field":"a","op":"eq","value":"张😀𠀀"}`, `{"field":"a","op":"eq","value":"张😀𠀀a"}`, "value", "string too long: the limit is 3 characters"},
		{"escaped runes", small, `{"field":"a","op":"eq","value":"\ud840\udc00ab"}`, `{"field":"a","op":"in","values":["\ud840\udc00abc"]}`, "values[0]", "string too long"},
		{"string default", DefaultLimits, `{"field":"a","op":"eq","value":"` + strings.Repeat("𠀀", 1000) + `"}`,
			`{"field":"a","op":"eq","value":"` + strings.Repeat("𠀀", 1001) + `"}`, "value", "the limit is 1000 characters"},
		{"field name", small, `{"field":"张三李","op":"isEmpty"}`, `{"field":"张三李四","op":"isEmpty"}`, "field", "field name too long: the limit is 3 characters"},
		{"field id", small, `{"field":123,"op":"isEmpty"}`, `{"field":1234,"op":"isEmpty"}`, "field", "field name too long"},
		{"size", small, jsonLeaf + strings.Repeat(" ", 200-len(jsonLeaf)), jsonLeaf + strings.Repeat(" ", 201-len(jsonLeaf)), "$", "filter too large: the limit is 200 bytes"},
	}
	for _, tt := range tests {
		n, err := ParseJSON([]byte(tt.ok), tt.lim)
		if err != nil {
			t.Errorf("%s: at the limit: %v", tt.name, err)
		} else {
			checkLimits(t, n, tt.lim)
			checkRoundTrip(t, n, tt.lim)
		}
		_, err = ParseJSON([]byte(tt.bad), tt.lim)
		if err == nil {
			t.Errorf("%s: over the limit: no error", tt.name)
			continue
		}
		se := syntaxErr(t, err)
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: got %s: %s\nwant %s: …%s…", tt.name, se.Pos, se.Msg, tt.pos, tt.msg)
		}
	}
	// The default size limit.
	pad := DefaultLimits.MaxFilterSize - len(jsonLeaf)
	if _, err := ParseJSON([]byte(jsonLeaf+strings.Repeat(" ", pad)), Limits{}); err != nil {
		t.Errorf("64 KiB: %v", err)
	}
	if _, err := ParseJSON([]byte(jsonLeaf+strings.Repeat(" ", pad+1)), Limits{}); err == nil || !strings.Contains(err.Error(), "the limit is 65536 bytes") {
		t.Errorf("64 KiB + 1: %v", err)
	}
}

func TestZeroLimitsMeanDefaults(t *testing.T) {
	if _, err := ParseJSON([]byte(jsonConds(201)), Limits{MaxFilterSize: 1 << 20}); err == nil || !strings.Contains(err.Error(), "the limit is 200") {
		t.Errorf("JSON: %v", err)
	}
	s := strings.TrimSuffix(strings.Repeat("a = 1 || ", 201), " || ")
	if _, err := ParseString(s, Limits{MaxDepth: -1}); err == nil || !strings.Contains(err.Error(), "the limit is 200") {
		t.Errorf("string: %v", err)
	}
}

func TestMarshalJSON(t *testing.T) {
	n := &Node{And: []*Node{
		{Leaf: &Cond{Field: "name", Op: OpContains, Values: []any{"张<&>\"\\\n\x00"}}},
		{Not: &Node{Leaf: &Cond{Field: "30744", Op: OpIsEmpty}}},
		{Or: []*Node{
			{Leaf: &Cond{Field: "score", Op: OpBetween, Values: []any{json.Number("1"), json.Number("5.5")}}},
			{Leaf: &Cond{Field: "tags", Op: OpHasAny, Values: []any{"vip"}}},
			{Leaf: &Cond{Field: "n", Op: OpIn, Values: []any{3, 2.5, true, nil}}},
		}},
	}}
	_, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"and":[{"field":"name","op":"contains","value":"张<&>\"\\\n\u0000"},{"not":{"field":"30744","op":"isEmpty"}},` +
		`{"or":[{"field":"score","op":"between","values":[1,5.5]},{"field":"tags","op":"hasAny","values":["vip"]},{"field":"n","op":"in","values":[3,2.5,true,null]}]}]}`
	// json.Marshal HTML-escapes the method's output; compare the method's own.
	j, _ := n.MarshalJSON()
	if string(j) != want {
		t.Errorf("MarshalJSON\n got %s\nwant %s", j, want)
	}
	if s, want := n.String(), `name ~ "张<&>\"\\\n\u0000" && !(30744 isEmpty) && (score between (1, 5.5) || tags ?= ("vip") || n in (3, 2.5, true, null))`; s != want {
		t.Errorf("String\n got %s\nwant %s", s, want)
	}
	if _, err := (&Node{}).MarshalJSON(); err == nil {
		t.Error("empty node: no error")
	}
	if _, err := (&Node{Leaf: &Cond{Field: "a", Op: OpEq, Values: []any{json.Number("1x")}}}).MarshalJSON(); err == nil {
		t.Error("bad number: no error")
	}
	var nilNode *Node
	if j, err := nilNode.MarshalJSON(); string(j) != "null" || err != nil {
		t.Errorf("nil: %s %v", j, err)
	}
	if s := nilNode.String(); s != "" {
		t.Errorf("nil String = %q", s)
	}
}

// ---- fuzzing ----

// fuzzLimits are small enough for the fuzzer to cross every limit.
var fuzzLimits = Limits{MaxDepth: 4, MaxConds: 6, MaxValues: 4, MaxStringLen: 8, MaxFilterSize: 256}

func FuzzParseJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []Limits{DefaultLimits, fuzzLimits} {
			n, err := ParseJSON(data, lim)
			if err != nil {
				syntaxErr(t, err)
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

// TestFuzzCorpora makes sure the seed corpora exist and parse as corpus files.
func TestFuzzCorpora(t *testing.T) {
	for _, target := range []string{"FuzzParseString", "FuzzParseJSON"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		if len(files) < 10 {
			t.Errorf("%s: %d seed files, want at least 10", target, len(files))
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
			if len(lines) != 2 || lines[0] != "go test fuzz v1" {
				t.Errorf("%s: not a corpus file", file)
			}
		}
	}
}
