package query

import (
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
)

// TestEverySystemFieldCompiles: each system field with a plain column is a
// sysCol on that column, and a condition on every system field compiles
// (on both SQL dialects) and has a meaning in the oracle.
func TestEverySystemFieldCompiles(t *testing.T) {
	w := &World{StaffDept: map[int64]string{}, DeptPath: map[int64]string{}}
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		_, isList := d.Get(&model.Customer{}).([]int64)
		col, ok := sysCols[d.ID]
		switch {
		case d.Column != "" && !isList && (!ok || col.expr != "c."+d.Column):
			t.Errorf("%s: sysCol %+v, want column %s", d.Key, col, d.Column)
		case (d.Column == "" || isList) && ok:
			t.Errorf("%s: sysCol for a field without a plain column", d.Key)
		}
		l := &RLeaf{Field: &d.Field, Op: cond.OpIsEmpty}
		switch {
		case d.ID == model.FieldPinyin:
			l = &RLeaf{Field: &d.Field, Op: cond.OpStartsWith, Values: []any{"zh"}}
		case d.Type == model.TypeDepartment:
			l = &RLeaf{Field: &d.Field, Op: cond.OpIn, Values: []any{int64(1)}}
		}
		for _, dialect := range []string{"sqlite", "postgres"} {
			if sql, _ := Compile(dialect, 1, &RNode{Leaf: l}); strings.TrimSpace(sql) == "" {
				t.Errorf("%s: %s compiles to nothing", d.Key, dialect)
			}
		}
		Eval(&RNode{Leaf: l}, &model.Customer{}, w) // panics on a field without semantics
	}
}
