package seed_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestCustomers loads generated customers through the bulk path and checks
// they are all there and searchable through every kind of index.
func TestCustomers(t *testing.T) {
	n := 3000
	if v := os.Getenv("KEHU_SEED_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, db)
			tn, err := st.CreateTenant(ctx, "seed")
			if err != nil {
				t.Fatal(err)
			}
			s, err := seed.Catalog(ctx, st, tn.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := seed.Customers(ctx, st, s, n, 7, nil); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: loaded %d customers in %v (%.0f/s)", db, n, time.Since(start), float64(n)/time.Since(start).Seconds())
			eng := &query.Engine{Store: st}
			count := func(filter string) int64 {
				t.Helper()
				var f *cond.Node
				if filter != "" {
					if f, err = cond.ParseString(filter, cond.DefaultLimits); err != nil {
						t.Fatal(err)
					}
				}
				res, err := eng.Search(ctx, &query.Request{TenantID: tn.ID, Filter: f, PageSize: 1})
				if err != nil {
					t.Fatalf("%s: %v", filter, err)
				}
				return res.Total
			}
			if got := count(""); got != int64(n) {
				t.Fatalf("total %d, want %d", got, n)
			}
			for _, f := range []string{`name ~ "张"`, `pinyin ^= "zh"`, `level = "普通"`, `interests ?= ("旅游")`, `tags ?= ("VIP")`, `score > 50`, `area = "北京市/北京市/东城区"`, `birthday < "1980-01-01"`} {
				if got := count(f); got == 0 || got >= int64(n) {
					t.Errorf("%s matched %d of %d", f, got, n)
				}
			}
		})
	}
}
