package seed_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/model"
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
			setup := func(name string) *seed.Setup { return newSetup(t, st, name) }
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
			// An atomic load (as imports run) that writes its index rows in
			// four flushes, the later ones between the earlier rows.
			flushed := tx
			if db == store.SQLite {
				flushed = setup("flushed")
				if _, err := seed.Load(ctx, st, flushed, n, 11, store.LoadOptions{Atomic: true, FlushEvery: n/4 + 1}); err != nil {
					t.Fatal(err)
				}
			}
			// A second bulk load into a database that has customers must
			// refuse to drop indexes.
			if _, err := seed.Load(ctx, st, setup("again"), 10, 1, store.LoadOptions{DeferIndexes: true}); err == nil {
				t.Error("deferring indexes on a database with customers was allowed")
			}
			eng := &query.Engine{Store: st}
			answer := func(s *seed.Setup, filter string, sort []query.SortSpec) string {
				t.Helper()
				var f *cond.Node
				if filter != "" {
					if f, err = cond.ParseString(filter, cond.DefaultLimits); err != nil {
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
				a, b, c := answer(bulk, f, bySort), answer(tx, f, bySort), answer(flushed, f, bySort)
				if a != b || c != b {
					t.Errorf("%q:\n    bulk %s\n      tx %s\n flushed %s", f, a, b, c)
				}
			}
			// The counters agree with the table.
			for _, s := range []*seed.Setup{bulk, tx, flushed} {
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

// newSetup makes a tenant with a project and the seed catalogue.
func newSetup(t *testing.T, st *store.Store, name string) *seed.Setup {
	t.Helper()
	ctx := context.Background()
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

// TestAtomicLoadRollsBack: an atomic load whose feed fails halfway — after
// the indexes were dropped and thousands of rows written — leaves the
// database exactly as it was: no customers, every index, WAL again; and a
// load into a database with customers is refused before anything happens.
func TestAtomicLoadRollsBack(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	s := newSetup(t, st, "t")
	tn := &model.Tenant{ID: s.TenantID}
	cat, err := st.LoadCatalog(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	schema := func() string {
		var n int64
		var mode string
		if err := st.QueryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := st.QueryRow(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(n, " indexes, ", mode)
	}
	before := schema()
	now := time.Now().UTC().Truncate(time.Millisecond)
	job := &store.ImportJob{TenantID: tn.ID, ID: 77, Status: "running", Options: "{}", TotalRows: -1, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateImport(ctx, job); err != nil {
		t.Fatal(err)
	}
	jobStatus := func() string {
		j, err := st.Import(ctx, tn.ID, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(j.Status, " ", j.Created)
	}
	gen := seed.Generator(3)
	var person fakedata.Person
	// feed adds n customers, marks the job done with them and ends with end.
	feed := func(n int, end error) func(context.Context, *store.LoadFeed) error {
		return func(ctx context.Context, f *store.LoadFeed) error {
			for i := 0; i < n; i++ {
				c := &model.Customer{}
				gen.Next(&person)
				s.Customer(&person, i, c)
				if err := f.Add(c); err != nil {
					return err
				}
			}
			done := *job
			done.Status, done.Created = "done", int64(n)
			f.SaveImport(&done)
			return end
		}
	}
	boom := errors.New("the file broke off")
	_, err = st.Load(ctx, tn.ID, cat, feed(5000, boom), store.LoadOptions{DeferIndexes: true, Atomic: true, FlushEvery: 2000})
	if !errors.Is(err, boom) {
		t.Fatalf("load: %v, want the feed's error", err)
	}
	if after := schema(); after != before {
		t.Fatalf("after a failed load: %s, before: %s", after, before)
	}
	if s := jobStatus(); s != "running 0" {
		t.Fatalf("job after a failed load: %s", s)
	}
	if has, err := st.HasCustomers(ctx); err != nil || has {
		t.Fatalf("customers after a failed load: %v %v", has, err)
	}
	for _, table := range []string{"customer_grams", "customer_counts", "customer_events", "value_grams"} {
		var n int64
		if err := st.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: %d rows after a failed load (%v)", table, n, err)
		}
	}
	// Now for real, then once more: refused, nothing consumed.
	if _, err := st.Load(ctx, tn.ID, cat, feed(100, nil), store.LoadOptions{DeferIndexes: true, Atomic: true}); err != nil {
		t.Fatal(err)
	}
	if s := jobStatus(); s != "done 100" {
		t.Fatalf("job after a load: %s", s)
	}
	if after := schema(); after != before {
		t.Fatalf("after a load: %s, before: %s", after, before)
	}
	called := false
	_, err = st.Load(ctx, tn.ID, cat, func(context.Context, *store.LoadFeed) error { called = true; return nil },
		store.LoadOptions{DeferIndexes: true, Atomic: true})
	if !errors.Is(err, store.ErrNotEmpty) || called {
		t.Fatalf("load into a database with customers: %v (feed called: %v)", err, called)
	}
}
