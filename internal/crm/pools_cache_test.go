package crm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/storetest"
)

// TestPoolVisibilityFollowsOtherNodes: a 销售's visibility is built from
// the pools and departments cached with the catalogue; a pool changed
// through another store handle (another node) changes what the 销售 sees
// on this one at the very next request, on both databases.
func TestPoolVisibilityFollowsOtherNodes(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			a, b := storetest.OpenNodes(t, db)
			w := newPoolWorld(t, a, model.PoolRules{})
			ids := w.inPool(t, 1)
			other := crm.New(b, "CN", crm.China)
			market, err := b.CreateDepartment(ctx, w.tenant, 0, "市场部")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.Customer(ctx, w.rep1, ids[0]); err != nil {
				t.Fatalf("a 销售 does not see a customer of a pool of no department: %v", err)
			}
			first, _ := w.svc.VisiblePools(ctx, w.rep1)
			if again, _ := w.svc.VisiblePools(ctx, w.rep1); len(first) != 1 || len(again) != 1 || first[0] != again[0] {
				t.Fatal("unchanged pools were loaded again instead of served from the cache")
			}

			// Node b binds the pool to another department: node a's 销售
			// no longer sees it nor its customers.
			p := *w.pool
			p.DepartmentID = market.ID
			if _, err := other.UpdatePool(ctx, w.admin, p.ID, &p); err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.Customer(ctx, w.rep1, ids[0]); !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("node a still shows the customer of a pool node b bound to 市场部: %v", err)
			}
			if ps, _ := w.svc.VisiblePools(ctx, w.rep1); len(ps) != 0 {
				t.Fatalf("node a still lists %d pools", len(ps))
			}
			env, err := w.svc.Env(ctx, w.rep1)
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.svc.Search(ctx, w.rep1, &query.Request{PageSize: 10, Total: query.TotalExact}, env)
			if err != nil || res.Total != 0 {
				t.Fatalf("node a's search finds %d customers (%v)", res.Total, err)
			}

			// A new pool on node b, of no department: seen at once.
			np, err := other.CreatePool(ctx, w.admin, &model.Pool{Name: "公海二"})
			if err != nil {
				t.Fatal(err)
			}
			if ps, _ := w.svc.VisiblePools(ctx, w.rep1); len(ps) != 1 || ps[0].ID != np.ID {
				t.Fatalf("node a lists %v after node b created a pool", ps)
			}
		})
	}
}
