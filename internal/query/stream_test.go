package query_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// TestStreamedPagesMatch: a streamed page (ids first, rows by id in
// batches, one snapshot) is the page an unstreamed search answers — the
// same rows in the same order, total and cursor — for shallow and deep
// page numbers, cursors, sorts and filters, on both databases.
func TestStreamedPagesMatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		fx := newTenant(t, st, "stream")
		for i := range 1300 {
			status := model.StatusNormal
			if i%3 == 0 {
				status = model.StatusDisabled
			}
			name := fmt.Sprintf("客户%04d", i)
			if i%2 == 0 {
				name = fmt.Sprintf("张%04d", i)
			}
			fx.clock = fixedNow.Add(-time.Duration(i%700) * time.Second)
			fx.create(&crm.CustomerInput{Name: crm.Ptr(name), Status: crm.Ptr(int(status))})
		}
		env := fx.env()
		filters := map[string]*cond.Node{
			"all":    nil,
			"status": leaf("status", cond.OpEq, num(1)),
			"name":   leaf("name", cond.OpContains, "张"),
		}
		sorts := map[string][]query.SortSpec{
			"default": nil,
			"created": {{Field: "createdAt", Desc: true}},
			"name":    {{Field: "name"}},
		}
		for fname, f := range filters {
			for sname, s := range sorts {
				for _, page := range []int{1, 2, 3} {
					req := query.Request{TenantID: fx.tenant, Filter: f, Sort: s, PageSize: 500, Page: page, Total: query.TotalExact}
					want, err := fx.eng.SearchWith(fx.ctx, &req, env)
					fx.must(err)
					sreq := req
					sreq.Stream = true
					got, err := fx.eng.SearchWith(fx.ctx, &sreq, env)
					fx.must(err)
					if !got.Streamed() {
						t.Fatalf("%s/%s page %d: not streamed", fname, sname, page)
					}
					var gotIDs []int64
					fx.must(got.Each(context.Background(), func(c *model.Customer) error {
						gotIDs = append(gotIDs, c.ID)
						return nil
					}))
					var wantIDs []int64
					for _, c := range want.Customers {
						wantIDs = append(wantIDs, c.ID)
					}
					if !reflect.DeepEqual(gotIDs, wantIDs) || got.Total != want.Total || got.NextCursor != want.NextCursor || got.Len() != len(wantIDs) {
						t.Fatalf("%s/%s page %d: streamed %d rows total %d cursor %q, unstreamed %d rows total %d cursor %q",
							fname, sname, page, len(gotIDs), got.Total, got.NextCursor, len(wantIDs), want.Total, want.NextCursor)
					}
					if want.NextCursor != "" && page == 1 {
						creq := req
						creq.Cursor, creq.Page = want.NextCursor, 0
						w2, err := fx.eng.SearchWith(fx.ctx, &creq, env)
						fx.must(err)
						creq.Stream = true
						g2, err := fx.eng.SearchWith(fx.ctx, &creq, env)
						fx.must(err)
						n := 0
						fx.must(g2.Each(context.Background(), func(c *model.Customer) error {
							if c.ID != w2.Customers[n].ID {
								t.Fatalf("%s/%s cursor page: row %d differs", fname, sname, n)
							}
							n++
							return nil
						}))
						if n != len(w2.Customers) || g2.NextCursor != w2.NextCursor {
							t.Fatalf("%s/%s cursor page: %d rows vs %d", fname, sname, n, len(w2.Customers))
						}
					}
				}
			}
		}
	})
}
