package dashi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/store"
)

// BenchmarkPage4000HTTP is the whole page call for 4000 demo customers on
// SQLite (token check, search, count, render, transfer), beside the search
// alone, so the share of rendering is visible next to BenchmarkPage4000.
func BenchmarkPage4000HTTP(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, store.SQLite)
	setup, err := seed.Catalog(ctx, e.Store, e.Tenant.ID, e.Project.ID)
	if err != nil {
		b.Fatal(err)
	}
	if err := seed.Customers(ctx, e.Store, setup, 4000, 1, nil); err != nil {
		b.Fatal(err)
	}
	tok := e.token(b, e.Client)
	body := `{"pageSize":4000,"pageIndex":1}`
	b.Run("http", func(b *testing.B) {
		for b.Loop() {
			status, out := e.page(b, tok, "project="+e.project(), body)
			if status != 200 || len(out) < 4000*500 {
				b.Fatalf("%d, %d bytes", status, len(out))
			}
			b.SetBytes(int64(len(out)))
		}
	})
	b.Run("search-only", func(b *testing.B) {
		filter := &cond.Node{Leaf: &cond.Cond{Field: "projectId", Op: cond.OpEq, Values: []any{json.Number(strconv.FormatInt(e.Project.ID, 10))}}}
		for b.Loop() {
			res, err := e.Svc.Search(ctx, crm.SystemCaller(e.Tenant.ID, model.Actor{}), &query.Request{Filter: filter, PageSize: 4000, Page: 1,
				Sort: []query.SortSpec{{Field: "createdAt", Desc: true}}, Total: query.TotalExact}, nil)
			if err != nil || len(res.Customers) != 4000 {
				b.Fatal(err)
			}
		}
	})
}
