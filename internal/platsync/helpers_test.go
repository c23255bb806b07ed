package platsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/platsync"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// TestMain stops the private PostgreSQL cluster; it is the package's only TestMain.
func TestMain(m *testing.M) { pgtest.Main(m) }

// world is two kehus: plat plays the platform (its dialects serve the
// customers), dst is the kehu moving in. Requests to the platform go
// through proxy, which tests use to break it.
type world struct {
	plat, dst *testenv.Env
	project   *model.Project // the platform's 达实 project
	proxy     *proxy
}

func newWorld(t *testing.T, db string) *world {
	t.Helper()
	w := &world{plat: testenv.New(t, db), dst: testenv.New(t, db)}
	p, err := w.plat.Store.CreateProject(context.Background(), w.plat.Tenant.ID, "滨海园区")
	if err != nil {
		t.Fatal(err)
	}
	w.project = p
	w.proxy = newProxy(t, w.plat.URL)
	return w
}

func forEachDB(t *testing.T, f func(t *testing.T, w *world)) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) { f(t, newWorld(t, db)) })
	}
}

// config is a sync of platform p from the world's platform into dst.
func (w *world) config(p string) platsync.Config {
	cfg := platsync.Config{Platform: p, BaseURL: w.proxy.URL, AppID: w.plat.Client.ClientID, AppSecret: w.plat.Client.Secret,
		TenantID: w.dst.Tenant.ID, Retries: 3, Backoff: 5 * time.Millisecond, Timeout: 5 * time.Second, LeaseTTL: 2 * time.Second}
	if p == platsync.PlatformDashi {
		cfg.SourceProject = strconv.FormatInt(w.project.ID, 10)
	}
	return cfg
}

func (w *world) sync(t *testing.T, cfg platsync.Config) *platsync.Summary {
	t.Helper()
	sum, err := platsync.Run(context.Background(), w.dst.Svc, cfg)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return sum
}

// create adds a customer to the platform.
func (w *world) create(t *testing.T, in *crm.CustomerInput) *model.Customer {
	t.Helper()
	c, err := w.plat.Svc.CreateCustomer(context.Background(), crm.SystemCaller(w.plat.Tenant.ID, model.Actor{ID: "t", Name: "测试"}), in)
	if err != nil {
		t.Fatalf("create %+v: %v", in, err)
	}
	return c
}

func (w *world) edit(t *testing.T, id int64, in *crm.CustomerInput) {
	t.Helper()
	if _, err := w.plat.Svc.UpdateCustomer(context.Background(), crm.SystemCaller(w.plat.Tenant.ID, model.Actor{ID: "t", Name: "测试"}), id, in); err != nil {
		t.Fatalf("edit %d: %v", id, err)
	}
}

// all lists a tenant's customers.
func all(t *testing.T, e *testenv.Env, tenantID int64) []*model.Customer {
	t.Helper()
	var out []*model.Customer
	req := &query.Request{TenantID: tenantID, PageSize: 1000, Sort: []query.SortSpec{{Field: "id"}}, Total: query.TotalNone}
	for {
		res, err := e.Svc.Engine.Search(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Customers...)
		if res.NextCursor == "" {
			return out
		}
		req.Cursor = res.NextCursor
	}
}

// canon is a customer with every id replaced by what it names (project,
// owner, collaborators, stage and tags by name, custom fields by key with
// option labels), without what a sync cannot keep (ids, who updated it
// when) — the form in which a platform's customer and kehu's copy must be
// equal.
func canon(t *testing.T, e *testenv.Env, tenantID int64, c *model.Customer, drop ...string) map[string]any {
	t.Helper()
	ctx := context.Background()
	b, _ := json.Marshal(c)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	for _, k := range append([]string{"id", "projectId", "externalId", "createdBy", "createdByName", "updatedAt", "updatedBy",
		"updatedByName", "ownerId", "collaboratorIds", "stageId", "tagIds"}, drop...) {
		delete(m, k)
	}
	if c.ProjectID != 0 {
		p, err := e.Store.Project(ctx, tenantID, c.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		m["project"] = p.Name
	}
	staff, _ := e.Store.StaffList(ctx, tenantID)
	depts, _ := e.Store.Departments(ctx, tenantID)
	deptName := map[int64]string{}
	for _, d := range depts {
		deptName[d.ID] = d.Name
	}
	who := map[int64]string{}
	for _, s := range staff {
		who[s.ID] = s.Name + "@" + deptName[s.DepartmentID]
	}
	if c.OwnerID != 0 {
		m["owner"] = who[c.OwnerID]
	}
	var names []string
	for _, id := range c.CollaboratorIDs {
		names = append(names, who[id])
	}
	sort.Strings(names)
	if len(names) > 0 {
		m["collaborators"] = names
	}
	if c.StageID != 0 {
		stages, _ := e.Store.Stages(ctx, tenantID)
		for _, s := range stages {
			if s.ID == c.StageID {
				m["stage"] = s.Name
			}
		}
	}
	if len(c.TagIDs) > 0 {
		groups, _ := e.Store.TagGroups(ctx, tenantID)
		tn := map[int64]string{}
		for _, g := range groups {
			for _, tg := range g.Tags {
				tn[tg.ID] = tg.Name
			}
		}
		var tags []string
		for _, id := range c.TagIDs {
			tags = append(tags, tn[id])
		}
		sort.Strings(tags)
		m["tags"] = tags
	}
	vals, err := c.CustomValues()
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) > 0 {
		cat, err := e.Store.LoadCatalog(ctx, tenantID)
		if err != nil {
			t.Fatal(err)
		}
		custom := map[string]any{}
		for id, v := range vals {
			fid, _ := strconv.ParseInt(id, 10, 64)
			f := cat.Fields[fid]
			if f == nil {
				t.Fatalf("custom value of unknown field %s", id)
			}
			label := func(x any) any {
				n, _ := strconv.ParseInt(fmt.Sprint(x), 10, 64)
				if o, ok := f.OptionByID(n); ok {
					return o.Label
				}
				return x
			}
			switch f.Type {
			case model.TypeSelect:
				v = label(v)
			case model.TypeMultiSelect:
				var l []string
				for _, x := range v.([]any) {
					l = append(l, fmt.Sprint(label(x)))
				}
				sort.Strings(l)
				v = l
			}
			custom[f.Key+":"+f.Label+":"+string(f.Type)] = fmt.Sprint(v)
		}
		m["custom"] = custom
	}
	return m
}

// sameCustomers checks that dst holds exactly the platform's customers:
// one per platform customer, found by its external id, equal in canon
// form.
func (w *world) sameCustomers(t *testing.T, platform []*model.Customer, drop ...string) {
	t.Helper()
	got := all(t, w.dst, w.dst.Tenant.ID)
	byExt := map[string]*model.Customer{}
	for _, c := range got {
		if byExt[c.ExternalID] != nil {
			t.Fatalf("two customers with external id %q", c.ExternalID)
		}
		byExt[c.ExternalID] = c
	}
	if len(got) != len(platform) {
		t.Errorf("kehu has %d customers, the platform %d", len(got), len(platform))
	}
	bad := 0
	for _, p := range platform {
		c := byExt[strconv.FormatInt(p.ID, 10)]
		if c == nil {
			t.Errorf("platform customer %d (%s) did not come over", p.ID, p.Name)
			bad++
		} else {
			want, have := canon(t, w.plat, w.plat.Tenant.ID, p, drop...), canon(t, w.dst, w.dst.Tenant.ID, c, drop...)
			wj, _ := json.Marshal(want)
			hj, _ := json.Marshal(have)
			if !bytes.Equal(wj, hj) {
				t.Errorf("customer %d:\nplatform %s\nkehu     %s", p.ID, wj, hj)
				bad++
			}
		}
		if bad > 5 {
			t.Fatal("too many differences")
		}
	}
}

// proxy forwards to the platform; hook may answer instead (or delay).
type proxy struct {
	*httptest.Server
	target string

	mu    sync.Mutex
	hook  func(r *http.Request, body []byte, n int) (status int, answer string, delay time.Duration)
	calls map[string]int // by path
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target, calls: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) setHook(h func(r *http.Request, body []byte, n int) (int, string, time.Duration)) {
	p.mu.Lock()
	p.hook = h
	p.mu.Unlock()
}

func (p *proxy) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[path]
}

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.calls[r.URL.Path]++
	n := p.calls[r.URL.Path]
	hook := p.hook
	p.mu.Unlock()
	if hook != nil {
		status, answer, delay := hook(r, body, n)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if status != 0 {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, answer)
			return
		}
	}
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.WriteHeader(502)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// pageOf says which page a page request asks for (any platform).
func pageOf(r *http.Request, body []byte) int {
	if v := r.URL.Query().Get("pageNumber"); v != "" {
		n, _ := strconv.Atoi(v)
		return n
	}
	var b struct {
		PageIndex int `json:"pageIndex"`
		PageNo    int `json:"pageNo"`
	}
	_ = json.Unmarshal(body, &b)
	return max(b.PageIndex, b.PageNo)
}

func isPage(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, "/customer/page") || strings.HasSuffix(r.URL.Path, "/customer/search") ||
		r.URL.Path == "/dm/open_api/v1/customers"
}

// forward sends a request the proxy received to the platform and returns
// the answer's body.
func forward(r *http.Request, target string, body []byte) (string, error) {
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// issues lists a run's report rows ("kind reason").
func (w *world) issues(t *testing.T, importID int64) []string {
	t.Helper()
	var out []string
	err := w.dst.Store.ImportIssues(context.Background(), w.dst.Tenant.ID, importID, func(is store.ImportIssue) error {
		out = append(out, is.Kind+" "+is.Reason)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
