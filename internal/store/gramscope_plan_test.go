package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestGramScopeUpdatePlan: on SQLite a pool move changes a customer's token
// rows in one pass — every row where its primary-key seek lands, the table
// opened for writing only — not in two (a read cursor that collects the keys
// first, then a seek of each again), which is what SQLite makes of the same
// UPDATE with a row-value IN (VALUES …). The second statement is the
// control: the test recognises a two-pass update when it sees one.
func TestGramScopeUpdatePlan(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	for _, c := range []struct {
		name     string
		q        string
		args     []any
		onePass  bool
		planWant string
	}{
		{"per customer", store.GramScopeEachSQL(8), append([]any{int64(0), int64(7), int64(1), int64(42)}, grams(8)...), true,
			"SEARCH customer_grams USING PRIMARY KEY (tenant_id=? AND gram=? AND customer_id=?)"},
		{"row values (control)", `UPDATE OR FAIL customer_grams SET owner_id = ?, pool_id = ? WHERE tenant_id = ? AND (gram, customer_id) IN (VALUES (?, CAST(? AS BIGINT)), (?, CAST(? AS BIGINT)))`,
			[]any{int64(0), int64(7), int64(1), "g:张", int64(42), "g:三", int64(42)}, false,
			"SEARCH customer_grams USING PRIMARY KEY (tenant_id=? AND gram=? AND customer_id=?)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var root int64
			var plan, code strings.Builder
			err := st.InTx(ctx, func(tx *store.Tx) error {
				if err := explainRows(ctx, tx, `SELECT rootpage FROM sqlite_master WHERE name = 'customer_grams'`, nil, func(v []any) { root, _ = v[0].(int64) }); err != nil {
					return err
				}
				if err := explainRows(ctx, tx, "EXPLAIN QUERY PLAN "+c.q, c.args, func(v []any) { plan.WriteString(toString(v[3]) + "\n") }); err != nil {
					return err
				}
				return explainRows(ctx, tx, "EXPLAIN "+c.q, c.args, func(v []any) {
					// addr, opcode, p1, p2, …: the cursors on the table's root page.
					if op := toString(v[1]); (op == "OpenRead" || op == "OpenWrite") && fmt.Sprint(v[3]) == fmt.Sprint(root) {
						code.WriteString(op + "\n")
					}
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan.String(), c.planWant) {
				t.Fatalf("the plan does not have %q:\n%s", c.planWant, plan.String())
			}
			opens := code.String()
			if got := !strings.Contains(opens, "OpenRead"); got != c.onePass || !strings.Contains(opens, "OpenWrite") {
				t.Fatalf("one pass: %v, want %v (cursors on customer_grams: %q)", got, c.onePass, opens)
			}
		})
	}
}

func grams(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("g:%d", i)
	}
	return out
}

func explainRows(ctx context.Context, tx *store.Tx, q string, args []any, each func([]any)) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals, err := rowValues(rows, len(cols))
		if err != nil {
			return err
		}
		each(vals)
	}
	return rows.Err()
}

// rowValues scans the current row's n columns, whatever their types.
func rowValues(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}
