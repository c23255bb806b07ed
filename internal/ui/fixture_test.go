package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/testenv"
)

// password of every test login.
const password = "correct horse battery"

// console is a running kehu (SQLite file in t.TempDir()) with one tenant,
// a department tree (销售部 ⊃ 一组), a catalogue (tags, stages, a custom
// field), staff logins — admin (管理员), manager (主管 of 销售部), rep and
// rep2 (销售 in 一组) — and customers owned by the two reps.
type console struct {
	*testenv.Env
	People *people.Service
	Staff  map[string]int64 // login name → staff id
	// Customers by name.
	Customers map[string]*model.Customer
}

func newConsole(t *testing.T) *console {
	t.Helper()
	e := testenv.New(t, "sqlite")
	c := &console{Env: e, Staff: map[string]int64{}, Customers: map[string]*model.Customer{},
		People: &people.Service{Store: e.Store, Keys: e.Auth.Keys, CRM: e.Svc, Guard: e.Auth.Guard}}
	ctx := context.Background()
	tid := e.Tenant.ID
	sales, err := e.Store.CreateDepartment(ctx, tid, 0, "销售部")
	must(t, err)
	team, err := e.Store.CreateDepartment(ctx, tid, sales.ID, "一组")
	must(t, err)
	g, err := e.Store.CreateTagGroup(ctx, tid, "客户等级")
	must(t, err)
	vip, err := e.Store.CreateTag(ctx, tid, g.ID, "VIP")
	must(t, err)
	_, err = e.Store.CreateTag(ctx, tid, g.ID, "普通")
	must(t, err)
	stage, err := e.Store.CreateStage(ctx, tid, "初步接触")
	must(t, err)
	_, err = e.Store.CreateStage(ctx, tid, "成交")
	must(t, err)
	must(t, e.Store.CreateField(ctx, tid, &model.Field{Key: "source", Label: "来源", Type: model.TypeText}))
	for _, s := range []struct {
		login, name, role string
		dept              int64
	}{
		{"admin", "管理员甲", model.RoleAdmin, 0},
		{"manager", "主管乙", model.RoleManager, sales.ID},
		{"rep", "销售丙", model.RoleSales, team.ID},
		{"rep2", "销售丁", model.RoleSales, team.ID},
	} {
		r, err := e.Store.RoleByKey(ctx, tid, s.role)
		must(t, err)
		m := &model.Staff{Name: s.name, RoleID: r.ID, DepartmentID: s.dept}
		must(t, e.Store.CreateStaff(ctx, tid, m))
		_, err = c.People.CreateLogin(ctx, &model.Caller{TenantID: tid, Via: model.ViaCLI}, tid,
			people.NewLogin{StaffID: m.ID, Username: s.login, Password: password})
		must(t, err)
		c.Staff[s.login] = m.ID
	}
	tenant := &model.Caller{TenantID: tid, Via: model.ViaCLI}
	for _, x := range []struct{ name, phone, email, company, owner string }{
		{"张三", "+8613800138000", "zhangsan@example.com", "北京字节跳动科技有限公司", "rep"},
		{"张伟", "+8613912345678", "", "上海张江高科", "rep"},
		{"李四", "+8613700001111", "lisi@example.com", "深圳腾讯", "rep2"},
		{"王五", "+8618600002222", "", "杭州阿里巴巴", "rep2"},
		{"Tom Hanks", "+8615000003333", "tom@example.com", "Playtone", "rep"},
	} {
		owner := c.Staff[x.owner]
		in := &crm.CustomerInput{Name: &x.name, Phone: &x.phone, Company: &x.company, OwnerID: &owner,
			TagIDs: &[]int64{vip.ID}, StageID: &stage.ID}
		if x.email != "" {
			in.Email = &x.email
		}
		cu, err := e.Svc.CreateCustomer(ctx, tenant, in)
		must(t, err)
		c.Customers[x.name] = cu
	}
	return c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is a cookie-keeping HTTP client of the console that does not
// follow redirects.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c *console) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: c.URL, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	must(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.base+path, form)
	must(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfOf is the CSRF token a page's forms carry.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", body)
	}
	return m[1]
}

// login signs in through the form; it returns the session's CSRF token.
func (c *client) login(name string) string {
	c.t.Helper()
	_, page := c.get("/login")
	resp, body := c.post("/login", url.Values{"csrf_token": {csrfOf(c.t, page)}, "login": {name}, "password": {password}, "next": {"/customers"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/customers" {
		c.t.Fatalf("login %s: %d %s\n%s", name, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, list := c.get("/customers")
	if !strings.Contains(list, "customers-table") {
		c.t.Fatalf("customers list after login:\n%s", list)
	}
	return csrfOf(c.t, list)
}
