package query_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// TestScopedNameSeeksMatchEval: a name fragment under the conditions crm's
// data scopes add — owner, department (with and without the subtrees below
// it), "or collaborator", "or one of these pools" — answered by the token
// rows' owner index, collaborator and pool seeks (scope.go gramSelect),
// and, when no small set drives, by walking the token range in id order
// (gramWalk). Every page (cursor) and the exact total must be the
// in-memory evaluator's, on both databases, for the planner's choices at a
// million customers (PlanCap 3) and at a few (4000).
func TestScopedNameSeeksMatchEval(t *testing.T) {
	defer func(c int) { query.PlanCap = c }(query.PlanCap)
	forEachDB(t, func(t *testing.T, st *store.Store) {
		p := newPropWorld(t, st, *propSeed)
		// Put every fifth customer in a pool; some of them keep an owner
		// (an owner set through an update does not clear the pool), so a
		// pool's seek must not assume pooled customers are unowned.
		pool := &model.Pool{TenantID: p.tenant, Name: "公海", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := st.InTx(p.ctx, func(tx *store.Tx) error {
			if err := tx.CreatePool(p.ctx, pool); err != nil {
				return err
			}
			for i, c := range p.customers {
				if i%5 != 0 {
					continue
				}
				c.PoolID = pool.ID
				if _, err := tx.Exec(p.ctx, `UPDATE customers SET pool_id = ? WHERE tenant_id = ? AND id = ?`, pool.ID, p.tenant, c.ID); err != nil {
					return err
				}
				if _, err := tx.Exec(p.ctx, `UPDATE customer_grams SET pool_id = ? WHERE tenant_id = ? AND customer_id = ?`, pool.ID, p.tenant, c.ID); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		frags := map[string]bool{}
		for _, c := range p.customers {
			r := []rune(c.Name)
			if len(r) >= 1 {
				frags[string(r[:1])] = true
			}
			if len(r) >= 2 {
				frags[string(r[len(r)-2:])] = true
			}
		}
		var filters []string
		keys := slices.Sorted(maps.Keys(frags))
		for i, f := range keys {
			if i%max(1, len(keys)/10) != 0 {
				continue
			}
			q := fmt.Sprintf("%q", f)
			for _, m := range p.staff[:3] {
				filters = append(filters,
					fmt.Sprintf(`name ~ %s && (owner = %d || collaborators ?= (%d))`, q, m.ID, m.ID),
					fmt.Sprintf(`name ~ %s && status = 1 && (owner = %d || collaborators ?= (%d) || pool = %d)`, q, m.ID, m.ID, pool.ID),
				)
			}
			for _, d := range p.depts[:2] {
				filters = append(filters,
					fmt.Sprintf(`name ~ %s && department = %d`, q, d.ID),
					fmt.Sprintf(`name ~ %s && (department = %d && !(department = %d) || collaborators ?= (%d))`, q, d.ID, p.depts[len(p.depts)-1].ID, p.staff[0].ID),
				)
			}
		}
		seeks, walks := 0, 0
		p.eng.Trace = func(pl *query.Plan) {
			if strings.Contains(pl.CountSQL+pl.IDsSQL, "customer_grams_owner") || strings.Contains(pl.CountSQL+pl.IDsSQL, "pool_id <> 0") {
				seeks++
			}
			if strings.Contains(pl.SQL, "ORDER BY customer_id") {
				walks++
			}
		}
		defer func() { p.eng.Trace = nil }()
		checked, nonEmpty := 0, 0
		for _, planCap := range []int{4000, 3} {
			query.PlanCap = planCap
			for _, f := range filters {
				n, err := cond.ParseString(f, cond.DefaultLimits)
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				k := p.check(t, fmt.Sprintf("PlanCap %d", planCap), n)
				if k < 0 {
					t.FailNow()
				}
				checked++
				if k > 0 {
					nonEmpty++
				}
				// Small pages, newest and oldest first: the walk's keyset.
				want, _ := p.evalIDs(n)
				for _, sort := range [][]query.SortSpec{nil, {{Field: "id"}}} {
					req := &query.Request{TenantID: p.tenant, Filter: n, Sort: sort, PageSize: 7, Total: query.TotalExact}
					var got []int64
					for {
						res, err := p.eng.SearchWith(p.ctx, req, p.env)
						if err != nil {
							t.Fatalf("%s: %v", f, err)
						}
						if req.Total == query.TotalExact && res.Total != int64(len(want)) {
							t.Fatalf("PlanCap %d, %s, sort %v: total %d, Eval %d", planCap, f, sort, res.Total, len(want))
						}
						for _, c := range res.Customers {
							got = append(got, c.ID)
						}
						if res.NextCursor == "" {
							break
						}
						req.Cursor, req.Total = res.NextCursor, query.TotalNone
					}
					if a, b := idDiff(got, want); len(a)+len(b) > 0 || len(got) != len(want) {
						t.Fatalf("PlanCap %d, %s, sort %v: pages gave %d, Eval %d; only pages %v, only Eval %v", planCap, f, sort, len(got), len(want), a, b)
					}
					for i := 1; i < len(got); i++ {
						if (sort == nil) != (got[i] < got[i-1]) {
							t.Fatalf("PlanCap %d, %s, sort %v: out of order at %d", planCap, f, sort, i)
						}
					}
				}
			}
		}
		if seeks < checked/2 || walks == 0 {
			t.Errorf("%d searches: %d plans used the seeks, %d walked the token range", checked, seeks, walks)
		}
		if nonEmpty < checked/4 {
			t.Errorf("only %d of %d scoped name searches matched anything", nonEmpty, checked)
		}
	})
}
