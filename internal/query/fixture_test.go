package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Helpers shared by the database-backed tests of package query: opening a
// migrated store on either engine, a tenant with a catalogue, and running
// searches.

func openSQLite(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "kehu.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func openPostgres(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// forEachDB runs f as a subtest on SQLite and on PostgreSQL.
func forEachDB(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, openPostgres(t)) })
}

// fixedNow is the Env.Now of every test: a Thursday whose week, month and
// year boundaries all fall close by (the week runs 2024-12-30 … 2025-01-05).
var fixedNow = time.Date(2025, 1, 2, 15, 4, 5, 0, shanghai)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// tenantFixture is one tenant with its catalogue and services.
type tenantFixture struct {
	t      testing.TB
	ctx    context.Context
	st     *store.Store
	svc    *crm.Service
	eng    *query.Engine
	tenant int64
	clock  time.Time // what svc.Now returns

	fields   map[string]*model.Field // custom fields by key
	depts    []*model.Department
	staff    []model.Staff
	stages   []*model.Stage
	tags     []*model.Tag
	projects []int64
}

func newTenant(t testing.TB, st *store.Store, name string) *tenantFixture {
	t.Helper()
	fx := &tenantFixture{t: t, ctx: context.Background(), st: st, fields: map[string]*model.Field{}, clock: fixedNow}
	fx.svc = crm.New(st, "CN", nil)
	fx.svc.Now = func() time.Time { return fx.clock }
	fx.eng = fx.svc.Engine
	tn, err := st.CreateTenant(fx.ctx, name)
	fx.must(err)
	fx.tenant = tn.ID
	return fx
}

func (fx *tenantFixture) must(err error) {
	fx.t.Helper()
	if err != nil {
		fx.t.Fatal(err)
	}
}

func (fx *tenantFixture) field(key, label string, typ model.FieldType, options ...string) *model.Field {
	fx.t.Helper()
	f := &model.Field{Key: key, Label: label, Type: typ}
	for _, o := range options {
		f.Options = append(f.Options, model.Option{Label: o})
	}
	fx.must(fx.st.CreateField(fx.ctx, fx.tenant, f))
	fx.fields[key] = f
	return f
}

func (fx *tenantFixture) env() *query.Env {
	fx.t.Helper()
	env, err := fx.eng.Env(fx.ctx, fx.tenant)
	fx.must(err)
	env.Now = fixedNow
	return env
}

// world reads the department tree and staff placement for query.Eval.
func (fx *tenantFixture) world() *query.World {
	fx.t.Helper()
	w := &query.World{StaffDept: map[int64]string{}, DeptPath: map[int64]string{}}
	depts, err := fx.st.Departments(fx.ctx, fx.tenant)
	fx.must(err)
	for _, d := range depts {
		w.DeptPath[d.ID] = d.Path
	}
	staff, err := fx.st.StaffList(fx.ctx, fx.tenant)
	fx.must(err)
	for _, s := range staff {
		if s.DepartmentID != 0 {
			w.StaffDept[s.ID] = w.DeptPath[s.DepartmentID]
		}
	}
	return w
}

func (fx *tenantFixture) create(in *crm.CustomerInput) *model.Customer {
	fx.t.Helper()
	c, err := fx.svc.CreateCustomer(fx.ctx, crm.SystemCaller(fx.tenant, model.Actor{ID: "test", Name: "测试"}), in)
	if err != nil {
		b, _ := json.Marshal(in)
		fx.t.Fatalf("create customer %s: %v", b, err)
	}
	return c
}

// searchAll runs a filter and returns the ids of every match (walking pages
// when there are more than one) and the total the first page reported.
func searchAll(ctx context.Context, eng *query.Engine, env *query.Env, tenant int64, filter *cond.Node) ([]int64, int64, error) {
	req := &query.Request{TenantID: tenant, Filter: filter, PageSize: query.MaxPageSize, Total: query.TotalExact}
	var ids []int64
	total := int64(-1)
	for {
		res, err := eng.SearchWith(ctx, req, env)
		if err != nil {
			return nil, 0, err
		}
		if total < 0 {
			total = res.Total
		}
		for _, c := range res.Customers {
			ids = append(ids, c.ID)
		}
		if res.NextCursor == "" {
			return ids, total, nil
		}
		req.Cursor = res.NextCursor
		req.Total = query.TotalNone
	}
}

func sortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// idDiff returns the ids only in a and only in b.
func idDiff(a, b []int64) (onlyA, onlyB []int64) {
	inA, inB := map[int64]bool{}, map[int64]bool{}
	for _, x := range a {
		inA[x] = true
	}
	for _, x := range b {
		inB[x] = true
	}
	for _, x := range a {
		if !inB[x] {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !inA[x] {
			onlyB = append(onlyB, x)
		}
	}
	return
}

// render prints a condition tree for failure messages, using the parser
// helper's canonical String form when it is available and a plain one
// otherwise.
func render(n *cond.Node) string {
	if s, ok := any(n).(fmt.Stringer); ok {
		return s.String()
	}
	return renderPlain(n)
}

func renderPlain(n *cond.Node) string {
	switch {
	case n == nil:
		return "<nil>"
	case n.Leaf != nil:
		var vals []string
		for _, v := range n.Leaf.Values {
			vals = append(vals, fmt.Sprintf("%#v", v))
		}
		return fmt.Sprintf("%s %s [%s]", n.Leaf.Field, n.Leaf.Op, strings.Join(vals, ", "))
	case n.Not != nil:
		return "NOT(" + renderPlain(n.Not) + ")"
	}
	kids, sep := n.And, " AND "
	if len(kids) == 0 {
		kids, sep = n.Or, " OR "
	}
	var parts []string
	for _, k := range kids {
		parts = append(parts, renderPlain(k))
	}
	return "(" + strings.Join(parts, sep) + ")"
}

func leaf(field string, op cond.Op, vals ...any) *cond.Node {
	return &cond.Node{Leaf: &cond.Cond{Field: field, Op: op, Values: vals}}
}

func and(ns ...*cond.Node) *cond.Node { return &cond.Node{And: ns} }
func not(n *cond.Node) *cond.Node     { return &cond.Node{Not: n} }

func num(v any) json.Number { return json.Number(fmt.Sprint(v)) }

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
