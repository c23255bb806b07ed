package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestQueryPlansUseIndexes drives every bench workload — and a few more
// searches of each API — through the real HTTP handlers against a seeded
// database of a few thousand customers, captures every SQL statement the
// query engine runs (the page and its count), and EXPLAINs it: no list or
// search path may scan the customers table for a name, a phone or a total.
//
// The rules, for every step of a plan that reads customers:
//   - never a full scan (SQLite "SCAN c", PostgreSQL "Seq Scan");
//   - a count never walks all of the tenant's customers (an index search
//     constrained by tenant_id alone): it is answered from counters or
//     tokens, or driven by a selective index;
//   - a page may walk a sort index constrained by tenant_id alone only when
//     the planner chose to (Choice "sort order"): it then stops after one
//     page, which it reaches quickly because that choice is only made when
//     the smallest candidate set is large (query.PlanCap).
//
// A few thousand rows would make every candidate set "small"; PlanCap is
// lowered so the planner makes the choices it makes at a million rows.
// PostgreSQL would rightly prefer a sequential scan of such a small table,
// so its plans are taken with enable_seqscan=off: the planner then uses a
// sequential scan only when no index can serve the query at all, which is
// exactly the failure this test looks for. (Statistics are fresh: the bulk
// loader ends with VACUUM ANALYZE.)
func TestQueryPlansUseIndexes(t *testing.T) {
	defer func(c int) { query.PlanCap = c }(query.PlanCap)
	query.PlanCap = 60
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dsn := t.TempDir() + "/plans.db"
			if dialect == store.Postgres {
				dsn = pgtest.NewDatabase(t)
			}
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			tn, _ := st.CreateTenant(ctx, TenantName)
			p, _ := st.CreateProject(ctx, tn.ID, "p")
			sd, err := seed.Catalog(ctx, st, tn.ID, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			sd.Projects = []int64{p.ID}
			for _, name := range []string{"p2", "p3", "p4"} {
				q, _ := st.CreateProject(ctx, tn.ID, name)
				sd.Projects = append(sd.Projects, q.ID)
			}
			if _, err := seed.Load(ctx, st, sd, 3000, 1, store.LoadOptions{DeferIndexes: true}); err != nil {
				t.Fatal(err)
			}
			keys, err := secret.Load(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			au := &auth.Service{Store: st, Keys: keys}
			svc := crm.New(st, "CN", crm.China)
			var mu sync.Mutex
			var plans []*query.Plan
			svc.Engine.Trace = func(p *query.Plan) { mu.Lock(); plans = append(plans, p); mu.Unlock() }
			srv := httptest.NewServer(server.Handler(&server.Deps{Store: st, Svc: svc, Auth: au, Log: discardLog()}))
			defer srv.Close()
			client, err := au.CreateClient(ctx, tn.ID, 0, "plans", []string{model.ScopeRead, model.ScopeWrite})
			if err != nil {
				t.Fatal(err)
			}
			cl, err := newClients(ctx, srv.URL, client, 1)
			if err != nil {
				t.Fatal(err)
			}
			bound, err := au.CreateClient(ctx, tn.ID, p.ID, "plans (project)", []string{model.ScopeRead, model.ScopeWrite})
			if err != nil {
				t.Fatal(err)
			}
			if cl.bound, err = newClients(ctx, srv.URL, bound, 1); err != nil {
				t.Fatal(err)
			}
			s, err := benchSetup(ctx, st, tn.ID, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := signInStaff(ctx, st, au, srv.URL, s, 1, cl); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 1))
			// Scoped plans (a project, an owner, a department) are held to
			// more: a count or one-pass ids query is answered from counters,
			// the token rows or a covering index, or driven by a small set —
			// never by looking up every customer of a large set to test its
			// scope (the 1.5 s "张 in project P" of issue 14).
			strict := map[*query.Plan]string{}
			scoped := func(name string, run func()) {
				mu.Lock()
				from := len(plans)
				mu.Unlock()
				run()
				mu.Lock()
				for _, p := range plans[from:] {
					strict[p] = name
				}
				mu.Unlock()
			}
			for _, w := range workloads(s, Config{Seed: 1}) {
				if w.Name == "native-create" || w.Name == PlainWorkload || w.Name == FloorWorkload { // the plain app runs no kehu query
					continue
				}
				run := func() {
					for i := 0; i < 3; i++ {
						if res := once(ctx, cl, w, r, i); res.err != nil {
							t.Fatalf("%s: %v", w.Name, res.err)
						}
					}
				}
				if strings.HasPrefix(w.Name, "dashi-") || strings.HasPrefix(w.Name, "native-bound") ||
					strings.HasPrefix(w.Name, "sales-") || strings.HasPrefix(w.Name, "manager-") || strings.HasPrefix(w.Name, "as-") {
					scoped(w.Name, run)
				} else {
					run()
				}
			}
			// The conditions crm's data scopes and project bindings add,
			// with and without names, statuses and time ranges.
			for _, f := range []string{
				fmt.Sprintf(`projectId = %d && name ~ "王"`, p.ID),
				fmt.Sprintf(`projectId = %d && name ~ "王" && status = 1 && createdAt >= "2024-01-01"`, p.ID),
				fmt.Sprintf(`projectId = %d && status = 2 && createdAt between ("2023-01-01", "2024-12-31")`, p.ID),
				fmt.Sprintf(`owner = %d && name ~ "李"`, s.staff[0]),
				fmt.Sprintf(`owner = %d && status = 1`, s.staff[0]),
				fmt.Sprintf(`(owner = %d || collaborators ?= (%d)) && name ~ "李"`, s.staff[1], s.staff[1]),
				fmt.Sprintf(`department = %d && name ~ "张" && projectId = %d`, s.salesDept, p.ID),
				fmt.Sprintf(`department = %d && createdAt lastYear`, s.salesDept),
			} {
				req, _ := cl.native("GET", "/v1/customers?filter="+url.QueryEscape(f), nil)
				scoped(f, func() {
					if res := once(ctx, cl, &workload{request: func(*clients, *rand.Rand, int) (*http.Request, error) { return req, nil }, check: checkNative}, r, 0); res.err != nil {
						t.Fatalf("%s: %v", f, res.err)
					}
				})
			}
			// Follow-up state (issue 16): a rep's customers by last or next
			// follow-up, due follow-ups, a project's least recently followed,
			// who followed up last.
			for _, q := range []string{
				fmt.Sprintf(`filter=%s&sort=-lastFollowAt`, url.QueryEscape(fmt.Sprintf(`owner = %d`, s.staff[0]))),
				fmt.Sprintf(`filter=%s&sort=nextFollowAt`, url.QueryEscape(fmt.Sprintf(`owner = %d && nextFollowAt <= "2026-01-01"`, s.staff[0]))),
				fmt.Sprintf(`filter=%s&sort=lastFollowAt`, url.QueryEscape(fmt.Sprintf(`projectId = %d && lastFollowAt < "2026-01-01"`, p.ID))),
				fmt.Sprintf(`filter=%s`, url.QueryEscape(fmt.Sprintf(`lastFollowUser = %d`, s.staff[1]))),
				`sort=-lastFollowAt`, `sort=nextFollowAt`,
			} {
				req, _ := cl.native("GET", "/v1/customers?"+q, nil)
				scoped(q, func() {
					if res := once(ctx, cl, &workload{request: func(*clients, *rand.Rand, int) (*http.Request, error) { return req, nil }, check: checkNative}, r, 0); res.err != nil {
						t.Fatalf("%s: %v", q, res.err)
					}
				})
			}
			// More searches: every kind of index-backed condition, through
			// the native API and 探马's searchKey forms.
			for _, f := range []string{`company ~ "科技"`, `remark ~ "老客户"`, `name ~ "欧阳"`, `name ~ "wang"`,
				`pinyin ^= "zh"`, `tags ?= ("VIP") && score > 80`, `level = "金卡" && name ~ "李"`, `name ~ "张伟" || company ~ "张伟"`,
				`email = "nobody@example.com"`, `idNumber = "110101199003077777"`, `interests ?= ("旅游") && status = 2`} {
				req, _ := cl.native("GET", "/v1/customers?filter="+url.QueryEscape(f), nil)
				if res := once(ctx, cl, &workload{request: func(*clients, *rand.Rand, int) (*http.Request, error) { return req, nil }, check: checkNative}, r, 0); res.err != nil {
					t.Fatalf("%s: %v", f, res.err)
				}
			}
			// Deep page numbers (OFFSET ≥ 1000): the id-only walk first.
			for _, body := range []string{`{"pageSize":10,"pageIndex":150}`, `{"pageSize":100,"pageIndex":20,"customerStatus":[2]}`} {
				req, _ := cl.dashi("POST", fmt.Sprintf("/api/open/customer/customer-manage/v1/customer/page?project=%d", p.ID), []byte(body))
				if res := once(ctx, cl, &workload{request: func(*clients, *rand.Rand, int) (*http.Request, error) { return req, nil }, check: checkDashi}, r, 0); res.err != nil {
					t.Fatalf("deep page %s: %v", body, res.err)
				}
			}
			for _, key := range []string{"王芳", "138", "5678", "科技", "zs"} {
				body := fmt.Sprintf(`{"searchKey":%q,"pageNo":1,"pageSize":10}`, key)
				req, _ := cl.tanma("/api/v3/customer/search", []byte(body))
				if res := once(ctx, cl, &workload{request: func(*clients, *rand.Rand, int) (*http.Request, error) { return req, nil }, check: checkTanma}, r, 0); res.err != nil {
					t.Fatalf("searchKey %s: %v", key, res.err)
				}
			}
			// 公海 (issue 16): a pool's customers by a 1–2 character name
			// fragment — through the customer list's pool condition and
			// GET /v1/pools/{id}/customers — for the tenant and for a 销售,
			// whose visibility then includes the pool (pool IN (…)), with
			// inPool.
			admin := crm.TenantCaller(tn.ID, 0, model.ViaCLI)
			pool, err := svc.CreatePool(ctx, admin, &model.Pool{Name: "公海"})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := st.Query(ctx, st.Rebind(`SELECT id FROM customers WHERE tenant_id = ? ORDER BY id LIMIT 300`), tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			var poolIDs []int64
			for rows.Next() {
				var id int64
				_ = rows.Scan(&id)
				poolIDs = append(poolIDs, id)
			}
			rows.Close()
			for start := 0; start < len(poolIDs); start += crm.MaxPoolBatch {
				in := &crm.PoolActionInput{CustomerIDs: poolIDs[start:min(start+crm.MaxPoolBatch, len(poolIDs))], Reason: "plans"}
				if _, err := svc.Move(ctx, admin, pool.ID, in); err != nil {
					t.Fatal(err)
				}
			}
			name2 := s.names2[0]
			for _, x := range []struct {
				c    *clients
				path string
			}{
				{cl, "/v1/customers?filter=" + url.QueryEscape(fmt.Sprintf(`pool = %d && name ~ "王"`, pool.ID))},
				{cl, "/v1/customers?filter=" + url.QueryEscape(fmt.Sprintf(`pool = %d && name ~ %q`, pool.ID, name2))},
				{cl, fmt.Sprintf("/v1/pools/%d/customers?name=%s", pool.ID, url.QueryEscape("张"))},
				{cl, fmt.Sprintf("/v1/pools/%d/customers?name=%s&status=1", pool.ID, url.QueryEscape(name2))},
				{cl.sales, "/v1/customers?name=" + url.QueryEscape("张") + "&filter=" + url.QueryEscape(fmt.Sprintf("pool = %d && inPool = true", pool.ID))},
				{cl.sales, "/v1/customers?name=" + url.QueryEscape(name2) + "&filter=" + url.QueryEscape(fmt.Sprintf("pool = %d && inPool = true", pool.ID))},
				{cl.sales, fmt.Sprintf("/v1/pools/%d/customers?name=%s", pool.ID, url.QueryEscape("李"))},
				{cl.sales, "/v1/customers?name=" + url.QueryEscape("王")},
				// inPool without a pool id: the 销售's pool branch must
				// seek, not walk the tenant's pool customers.
				{cl.sales, "/v1/customers?name=" + url.QueryEscape("张") + "&filter=" + url.QueryEscape("inPool = true")},
			} {
				req, _ := x.c.native("GET", x.path, nil)
				name := x.path
				// A 销售's name search is held to seeks (badStaffSteps) —
				// but with "pool = P" beside it, whose seek reads the
				// pool's token rows (customer_grams_pool), PostgreSQL may
				// rightly read a rare token's few rows instead.
				if x.c == cl.sales && strings.Contains(x.path, "name=") && !strings.Contains(x.path, "pool+%3D") {
					name = "as-销售 name " + x.path
				}
				scoped(name, func() {
					if res := once(ctx, x.c, &workload{request: func(*clients, *rand.Rand, int) (*http.Request, error) { return req, nil }, check: checkNative}, r, 0); res.err != nil {
						t.Fatalf("%s: %v", x.path, res.err)
					}
				})
			}
			if len(plans) < 30 {
				t.Fatalf("only %d plans traced", len(plans))
			}
			explain := explainer(t, ctx, st, dialect, dsn)
			for _, p := range plans {
				// The page query, its count, and the one-pass ids query
				// (which must, like a count, visit every match).
				for _, q := range []struct {
					kind  string
					sql   string
					args  []any
					count bool
				}{{"page ", p.SQL, p.Args, false}, {"count", p.CountSQL, p.CountArgs, true}, {"ids  ", p.IDsSQL, p.IDsArgs, true}} {
					if q.sql == "" {
						continue
					}
					steps := explain(q.sql, q.args)
					t.Logf("%s [%s] %s", q.kind, p.Choice, strings.Join(steps, " | "))
					bad := badSteps(steps, q.count, p.Choice)
					if name, ok := strict[p]; ok && bad == "" && q.count {
						bad = badScopedSteps(dialect, steps, p, q.sql == p.CountSQL)
						if bad != "" {
							bad = name + ": " + bad
						}
					}
					if name, ok := strict[p]; ok && bad == "" && q.count && staffName(name) {
						bad = badStaffSteps(steps)
						if bad != "" {
							bad = name + ": " + bad
						}
					}
					if bad != "" {
						t.Errorf("%s\n  choice: %s\n  plan: %s\n  SQL: %s", bad, p.Choice, strings.Join(steps, " | "), q.sql)
					}
				}
			}
			t.Logf("%s: %d plans EXPLAINed", dialect, len(plans))
		})
	}
}

// A step of a plan, normalised to "SCAN <table>", "WALK <table> <index>"
// (an index search constrained by tenant_id alone) or "OK …".
var (
	sqliteScan = regexp.MustCompile(`^SCAN (c|c2|customers)\b`)
	sqliteWalk = regexp.MustCompile(`^SEARCH (c|c2|customers) USING (COVERING )?INDEX (\S+) \(tenant_id=\?\)$`)
	// An index table (tokens, values, tags) read for a whole tenant.
	sqliteSideWalk = regexp.MustCompile(`^(SCAN|SEARCH) (customer_grams|value_grams|customer_values_num|customer_values_text|customer_tags|customer_collaborators)\b.*(\(tenant_id=\?\)|[^)])$`)
)

func badSteps(steps []string, count bool, choice string) string {
	for _, s := range steps {
		switch {
		case strings.HasPrefix(s, "SCAN customers"):
			return "full scan of customers: " + s
		case strings.HasPrefix(s, "SCAN index"):
			return "an index table read for the whole tenant: " + s
		case strings.HasPrefix(s, "WALK customers"):
			if count {
				return "a count walks every customer of the tenant: " + s
			}
			if !strings.HasPrefix(choice, "sort order") {
				return "a page walks every customer without the planner choosing the sort order: " + s
			}
		}
	}
	return ""
}

// staffName: a workload or filter with a name fragment under a staff
// member's data scope (owner, department, 协作).
func staffName(name string) bool {
	return strings.HasPrefix(name, "as-") && strings.Contains(name, "name") || name == "sales-name" || name == "manager-name" ||
		(strings.Contains(name, "owner =") || strings.Contains(name, "department =")) && strings.Contains(name, "name ~")
}

// A read of a token's whole range (no owner, no customer id): the count
// of a staff member's name search must seek instead (scope.go).
var (
	sqliteGramRange = regexp.MustCompile(`SEARCH customer_grams USING PRIMARY KEY \(tenant_id=\? AND gram=\?\)$`)
	pgGramRange     = regexp.MustCompile(`customer_grams_pkey \(\(tenant_id = [^()]*\) AND \(gram = [^()]*\)\)$`)
)

// badStaffSteps holds the count (or one-pass ids) of a staff member's name
// search to seeks: the owner index of the token rows, a probe per
// collaborator's or pool's customer — never the fragment's whole range
// with the scope as a filter, which made a 销售's search 2–5× the
// tenant-wide one at a million customers.
func badStaffSteps(steps []string) string {
	for _, s := range steps {
		if sqliteGramRange.MatchString(s) || pgGramRange.MatchString(s) {
			return "a staff member's name search reads the token's whole range: " + s
		}
	}
	return ""
}

// badScopedSteps holds a scoped count (or one-pass ids query) to its
// stricter rule: answered from counters, token rows or a covering index
// (FastCount), or driven by a small set or a point condition. On SQLite,
// a fast count must read no customer row (COVERING INDEX or no customers
// step at all).
func badScopedSteps(dialect string, steps []string, p *query.Plan, isCount bool) string {
	driven := strings.HasPrefix(p.Choice, "small set") || strings.HasPrefix(p.Choice, "point condition")
	if isCount && !p.FastCount && !driven {
		return "a scoped count is neither fast (counters, tokens, covering index) nor driven by a small set"
	}
	if dialect != store.SQLite || driven {
		return ""
	}
	for _, s := range steps {
		if strings.Contains(s, "SEARCH c USING INDEX") || strings.Contains(s, "SEARCH c USING PRIMARY KEY") {
			return "a scoped count reads customer rows: " + s
		}
	}
	return ""
}

// explainer returns a function giving the normalised steps of a plan.
func explainer(t *testing.T, ctx context.Context, st *store.Store, dialect, dsn string) func(string, []any) []string {
	if dialect == store.SQLite {
		return func(q string, args []any) []string {
			rows, err := st.Query(ctx, "EXPLAIN QUERY PLAN "+q, args...)
			if err != nil {
				t.Fatalf("explain: %v\n%s", err, q)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				switch {
				case sqliteScan.MatchString(detail):
					out = append(out, "SCAN customers ("+detail+")")
				case sqliteWalk.MatchString(detail):
					out = append(out, "WALK customers ("+detail+")")
				case sqliteSideWalk.MatchString(detail):
					out = append(out, "SCAN index table ("+detail+")")
				default:
					out = append(out, "OK "+detail)
				}
			}
			return out
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, q := range []string{"SET enable_seqscan = off", "SET plan_cache_mode = force_custom_plan"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return func(q string, args []any) []string {
		var js string
		if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+q, args...).Scan(&js); err != nil {
			t.Fatalf("explain: %v\n%s", err, q)
		}
		var root []struct {
			Plan pgNode `json:"Plan"`
		}
		if err := json.Unmarshal([]byte(js), &root); err != nil || len(root) != 1 {
			t.Fatalf("explain output: %v %s", err, js)
		}
		var out []string
		var walk func(n *pgNode)
		walk = func(n *pgNode) {
			onCustomers := n.Relation == "customers" || strings.HasPrefix(n.Index, "customers_")
			switch {
			case onCustomers && n.Type == "Seq Scan":
				out = append(out, "SCAN customers ("+n.Type+")")
			case onCustomers && n.Index != "" && tenantOnly(n.IndexCond):
				out = append(out, "WALK customers ("+n.Type+" "+n.Index+" "+n.IndexCond+")")
			case indexTables[n.Relation] && (n.Type == "Seq Scan" || n.Index != "" && tenantOnly(n.IndexCond)):
				out = append(out, "SCAN index table ("+n.Type+" "+n.Relation+" "+n.Index+" "+n.IndexCond+")")
			default:
				out = append(out, "OK "+n.Type+" "+n.Relation+" "+n.Index+" "+n.IndexCond)
			}
			for i := range n.Plans {
				walk(&n.Plans[i])
			}
		}
		walk(&root[0].Plan)
		return out
	}
}

// indexTables are the token, value and link tables (customer_counts is read
// per tenant by design: a handful of counter rows).
var indexTables = map[string]bool{"customer_grams": true, "value_grams": true, "customer_values_num": true,
	"customer_values_text": true, "customer_tags": true, "customer_collaborators": true}

type pgNode struct {
	Type      string   `json:"Node Type"`
	Relation  string   `json:"Relation Name"`
	Index     string   `json:"Index Name"`
	IndexCond string   `json:"Index Cond"`
	Plans     []pgNode `json:"Plans"`
}

// tenantOnly reports whether an index condition constrains nothing but the
// tenant ("(tenant_id = $1)" or "(c.tenant_id = '…'::bigint)").
func tenantOnly(cond string) bool {
	c := strings.Trim(cond, "()")
	return c == "" || (strings.Contains(c, "tenant_id =") && !strings.Contains(c, " AND "))
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
