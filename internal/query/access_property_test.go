package query_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// TestPropertyScopedSearchMatchesEval: random callers (project binding,
// staff member, data scope, 协作) × random condition trees. What crm's
// Search returns — every page walked through the cursor, and the exact
// total — must be the in-memory evaluator's answer restricted to the
// customers the caller may see, where "may see" is computed here from the
// rules as the README states them, not from crm's query tree.
func TestPropertyScopedSearchMatchesEval(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		p := newPropWorld(t, st, *propSeed)
		r := rand.New(rand.NewPCG(*propSeed, 11))
		scopes := []model.DataScope{model.DataSelf, model.DataDept, model.DataDeptTree, model.DataAll}
		cases := max(*propCases/8, 50)
		failures := 0
		var nonEmpty, restricted int
		for i := 0; i < cases && failures < 5; i++ {
			caller := &model.Caller{TenantID: p.tenant, Via: model.ViaNative}
			if chance(r, 0.4) {
				caller.ProjectID = pick(r, p.projects)
			}
			if chance(r, 0.8) {
				m := pick(r, p.staff)
				caller.StaffID, caller.StaffName, caller.DeptID = m.ID, m.Name, m.DepartmentID
				caller.Role = &model.Role{Name: "随机", Scope: pick(r, scopes), Collab: chance(r, 0.5),
					Perms: []model.Permission{model.PermUnmask}}
			}
			var n *cond.Node
			if !chance(r, 0.15) {
				n = p.genNode(r, 0)
			}
			all, err := p.evalIDs(n)
			if err != nil {
				t.Fatalf("resolve %s: %v", render(n), err)
			}
			var want []int64
			for _, id := range all {
				if p.visibleTo(caller, id) {
					want = append(want, id)
				}
			}
			if len(want) < len(all) {
				restricted++
			}
			if len(want) > 0 {
				nonEmpty++
			}
			got, total, err := p.scopedSearch(caller, n)
			if err != nil {
				t.Errorf("case %d: search %s as %s: %v", i, render(n), describeCaller(caller), err)
				failures++
				continue
			}
			onlyEngine, onlyEval := idDiff(got, want)
			if len(onlyEngine) > 0 || len(onlyEval) > 0 || len(got) != len(want) || total != int64(len(want)) {
				t.Errorf("seed %d case %d: as %s, filter %s: engine %d rows (total %d), visible Eval %d; only engine %v, only Eval %v",
					*propSeed, i, describeCaller(caller), render(n), len(got), total, len(want), onlyEngine, onlyEval)
				failures++
			}
		}
		t.Logf("%d scoped cases: %d restricted by the caller, %d with matches", cases, restricted, nonEmpty)
		if restricted < cases/4 || nonEmpty < cases/4 {
			t.Errorf("the generator is too weak: %d of %d cases restricted, %d non-empty", restricted, cases, nonEmpty)
		}
	})
}

// visibleTo is the visibility rule, stated independently of crm.
func (p *propWorld) visibleTo(c *model.Caller, id int64) bool {
	var cu *model.Customer
	for _, x := range p.customers {
		if x.ID == id {
			cu = x
		}
	}
	if cu == nil || cu.TenantID != c.TenantID {
		return false
	}
	if c.ProjectID != 0 && cu.ProjectID != c.ProjectID {
		return false
	}
	if c.StaffID == 0 || c.Role == nil {
		return true
	}
	if c.Role.Collab && slices.Contains(cu.CollaboratorIDs, c.StaffID) {
		return true
	}
	ownerDept := int64(0)
	for _, m := range p.staff {
		if m.ID == cu.OwnerID {
			ownerDept = m.DepartmentID
		}
	}
	scope := c.Role.Scope
	if c.DeptID == 0 && scope != model.DataAll {
		scope = model.DataSelf
	}
	switch scope {
	case model.DataAll:
		return true
	case model.DataSelf:
		return cu.OwnerID != 0 && cu.OwnerID == c.StaffID
	case model.DataDept:
		return cu.OwnerID != 0 && ownerDept == c.DeptID
	}
	// deptTree: the owner's department is the caller's or below it.
	for d := ownerDept; d != 0; {
		if d == c.DeptID {
			return true
		}
		parent := int64(0)
		for _, x := range p.depts {
			if x.ID == d {
				parent = x.ParentID
			}
		}
		d = parent
	}
	return false
}

// scopedSearch walks every page of crm's Search as the caller.
func (p *propWorld) scopedSearch(c *model.Caller, n *cond.Node) ([]int64, int64, error) {
	req := &query.Request{Filter: n, PageSize: 50, Total: query.TotalExact}
	var ids []int64
	total := int64(-1)
	for {
		res, err := p.svc.Search(p.ctx, c, req, p.env)
		if err != nil {
			return nil, 0, err
		}
		if total < 0 {
			total = res.Total
		}
		for _, x := range res.Customers {
			ids = append(ids, x.ID)
		}
		if res.NextCursor == "" {
			return ids, total, nil
		}
		req.Cursor = res.NextCursor
		req.Total = query.TotalNone
	}
}

func describeCaller(c *model.Caller) string {
	var b strings.Builder
	fmt.Fprintf(&b, "project %d", c.ProjectID)
	if c.Role != nil {
		fmt.Fprintf(&b, ", staff %d (dept %d) scope %s collab %v", c.StaffID, c.DeptID, c.Role.Scope, c.Role.Collab)
	}
	return b.String()
}
