package seed_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestLoadMatchesInsert loads the same generated customers twice — through
// the bulk loader (with deferred indexes, as `kehu bench` does) and through
// the transactional InsertCustomers path — and checks that every kind of
// search answers the same on both tenants.
func TestLoadMatchesInsert(t *testing.T) {
	const n = 2500
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, db)
			setup := func(name string) *seed.Setup {
				tn, err := st.CreateTenant(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				p, err := st.CreateProject(ctx, tn.ID, "p")
				if err != nil {
					t.Fatal(err)
				}
				s, err := seed.Catalog(ctx, st, tn.ID, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			bulk, tx := setup("bulk"), setup("tx")
			stats, err := seed.Load(ctx, st, bulk, n, 11, store.LoadOptions{DeferIndexes: true})
			if err != nil {
				t.Fatal(err)
			}
			if stats.Customers != n {
				t.Fatalf("stats: %+v", stats)
			}
			if err := seed.Customers(ctx, st, tx, n, 11, nil); err != nil {
				t.Fatal(err)
			}
			// A second bulk load into a database that has customers must
			// refuse to drop indexes.
			if _, err := seed.Load(ctx, st, setup("again"), 10, 1, store.LoadOptions{DeferIndexes: true}); err == nil {
				t.Error("deferring indexes on a database with customers was allowed")
			}
			eng := &query.Engine{Store: st}
			answer := func(s *seed.Setup, filter string, sort []query.SortSpec) string {
				t.Helper()
				var f *query.Node
				if filter != "" {
					if f, err = query.ParseString(filter, query.DefaultLimits); err != nil {
						t.Fatal(err)
					}
				}
				res, err := eng.Search(ctx, &query.Request{TenantID: s.TenantID, Filter: f, Sort: sort, PageSize: 30})
				if err != nil {
					t.Fatalf("%s: %v", filter, err)
				}
				var names []string
				for _, c := range res.Customers {
					names = append(names, c.Name+" "+c.Phone+" "+c.Company)
				}
				return fmt.Sprint(res.Total, names)
			}
			bySort := []query.SortSpec{{Field: "phone"}}
			for _, f := range []string{"", `name ~ "张"`, `name ~ "王伟"`, `name ~ "欧阳"`, `pinyin ^= "zh"`, `pinyin ^= "wl"`,
				`company ~ "科技"`, `company ~ "有限公司"`, `company ~ "a"`, `level = "普通"`, `interests ?= ("旅游")`, `tags ?= ("VIP")`,
				`score > 50`, `area = "北京市/北京市/东城区"`, `birthday < "1980-01-01"`, `status = 2`, `phone $= "12"`,
				`name ~ "李" && status = 1`, `tags ?= ("VIP") && score > 30 && name ~ "王"`} {
				a, b := answer(bulk, f, bySort), answer(tx, f, bySort)
				if a != b {
					t.Errorf("%q:\n bulk %s\n   tx %s", f, a, b)
				}
			}
			// The counters agree with the table.
			for _, s := range []*seed.Setup{bulk, tx} {
				var counted, stored int64
				if err := st.QueryRow(ctx, st.Rebind(`SELECT COUNT(*) FROM customers WHERE tenant_id = ?`), s.TenantID).Scan(&counted); err != nil {
					t.Fatal(err)
				}
				if err := st.QueryRow(ctx, st.Rebind(`SELECT COALESCE(SUM(n), 0) FROM customer_counts WHERE tenant_id = ?`), s.TenantID).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				if counted != n || stored != n {
					t.Errorf("tenant %d: %d rows, counters say %d", s.TenantID, counted, stored)
				}
			}
		})
	}
}
