package ui

import (
	"context"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// pages2Fixture is a tenant with an administrator and a 销售, some
// catalogue, a client and an import job, and the pages served with a bare
// layout (the console's own is tested with it in the browser).
type pages2Fixture struct {
	st           *store.Store
	svc          *crm.Service
	tenant       int64
	admin, sales *model.Caller
	job          int64
	mux          *http.ServeMux
}

func newPages2Fixture(t *testing.T) *pages2Fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	svc := crm.New(st, "CN", crm.China)
	tn, err := st.CreateTenant(ctx, "console")
	if err != nil {
		t.Fatal(err)
	}
	f := &pages2Fixture{st: st, svc: svc, tenant: tn.ID}
	d, err := st.CreateDepartment(ctx, tn.ID, 0, "销售部")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateDepartment(ctx, tn.ID, d.ID, "华东组"); err != nil {
		t.Fatal(err)
	}
	mk := func(name, roleKey string) *model.Caller {
		role, err := st.RoleByKey(ctx, tn.ID, roleKey)
		if err != nil {
			t.Fatal(err)
		}
		s := &model.Staff{Name: name, DepartmentID: d.ID, RoleID: role.ID}
		if err := st.CreateStaff(ctx, tn.ID, s); err != nil {
			t.Fatal(err)
		}
		c, err := svc.StaffCaller(ctx, tn.ID, s.ID, model.ViaConsole, "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.admin, f.sales = mk("管理员甲", model.RoleAdmin), mk("销售乙", model.RoleSales)
	keys, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	ppl := &people.Service{Store: st, Keys: keys, CRM: svc}
	if _, err := ppl.CreateLogin(ctx, crm.TenantCaller(tn.ID, 0, model.ViaCLI), tn.ID, people.NewLogin{StaffID: f.admin.StaffID, Username: "admin", Password: "correct horse 1"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateField(ctx, tn.ID, &model.Field{Key: "level", Label: "会员等级", Type: model.TypeSelect, Options: []model.Option{{Label: "金卡"}, {Label: "银卡"}}}); err != nil {
		t.Fatal(err)
	}
	g, err := st.CreateTagGroup(ctx, tn.ID, "来源")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateTag(ctx, tn.ID, g.ID, "展会"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateStage(ctx, tn.ID, "初次接触"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(path, []byte("姓名,手机号\n张三,13800138000\n李四,13800138000\n"), 0o600)
	src, err := importer.Open(path, "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := (&importer.Importer{Svc: svc}).Run(ctx, src, importer.Options{TenantID: tn.ID, Caller: f.admin, Persist: true, FileName: "a.csv"})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	f.job = sum.ImportID
	var who *model.Caller
	p := &pages2{svc: svc, people: ppl,
		caller:    func(*http.Request) *model.Caller { return who },
		sessionID: func(*http.Request) int64 { return 0 },
		lang: func(r *http.Request) string {
			if r.URL.Query().Get("lang") == "en" {
				return "en"
			}
			return "zh-CN"
		},
		layout: func(w http.ResponseWriter, r *http.Request, title string, body template.HTML) {
			io.WriteString(w, "<title>"+title+"</title>"+string(body))
		},
		fail: func(w http.ResponseWriter, r *http.Request, err error) {
			var pe *model.PermissionError
			switch {
			case errors.As(err, &pe):
				http.Error(w, "forbidden", http.StatusForbidden)
			case errors.Is(err, model.ErrNotFound):
				http.Error(w, "not found", 404)
			default:
				http.Error(w, err.Error(), 500)
			}
		},
	}
	f.mux = http.NewServeMux()
	for pat, h := range p.routes2() {
		f.mux.HandleFunc(pat, func(w http.ResponseWriter, r *http.Request) {
			who = f.admin
			if r.Header.Get("X-As") == "sales" {
				who = f.sales
			}
			h(w, r)
		})
	}
	return f
}

func (f *pages2Fixture) get(t *testing.T, as, path string) (int, string) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("X-As", as)
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// TestPages2Render: every page renders for an administrator in both
// languages with what it must show, and the 销售 gets a 403 where the role
// forbids (not a crash) and the catalogue without its forms.
func TestPages2Render(t *testing.T) {
	f := newPages2Fixture(t)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, tc := range []struct {
		path  string
		want  []string
		sales int
	}{
		{"/import", []string{"import-form", `name="dedupeBy" value="phone"`, "a.csv"}, 403},
		{"/import/" + id(f.job), []string{"data-import-job", "/v1/imports/" + id(f.job) + "/report?format=xlsx"}, 403},
		{"/import/" + id(f.job) + "/status", []string{"<progress", `data-count="skipped">1<`}, 403},
		{"/export?filter=" + "name%20contains%20%22%E5%BC%A0%22&columns=phone,name", []string{`action="/v1/customers/export"`, `data-export-total="1"`, `value="phone" checked`}, 403},
		{"/export?filter=nope%20%3D%201", []string{`role="alert"`}, 403},
		{"/catalog", []string{"会员等级", "金卡", `data-api="POST /v1/fields"`}, 200},
		{"/catalog/tags", []string{"来源", "展会", `data-api="POST /v1/tags"`}, 200},
		{"/catalog/stages", []string{"初次接触"}, 200},
		{"/catalog/departments", []string{"华东组", `aria-level="2"`}, 200},
		{"/catalog/staff", []string{"销售乙", "销售部"}, 200},
		{"/admin/users", []string{"管理员甲", "admin", `data-api="POST /v1/admin/users"`}, 403},
		{"/admin/roles", []string{"本部门及下级", `value="customer.export"`}, 403},
		{"/admin/clients", []string{`data-then="secret"`, "client-secret"}, 403},
		{"/admin/audit", []string{"user.created"}, 403},
		{"/admin/audit?from=bad", []string{`role="alert"`}, 403},
		{"/admin/sessions", []string{"没有活动的会话"}, 403},
	} {
		code, body := f.get(t, "admin", tc.path)
		if code != 200 {
			t.Errorf("%s: %d %s", tc.path, code, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in\n%s", tc.path, w, body)
			}
		}
		sep := "?"
		if strings.Contains(tc.path, "?") {
			sep = "&"
		}
		if code, body := f.get(t, "admin", tc.path+sep+"lang=en"); code != 200 || strings.Contains(body, "<title>admin.") || strings.Contains(body, ">import.") {
			t.Errorf("%s in English: %d %s", tc.path, code, body)
		}
		if code, body := f.get(t, "sales", tc.path); code != tc.sales {
			t.Errorf("%s as 销售: %d, want %d", tc.path, code, tc.sales)
		} else if code == 200 && strings.Contains(body, `data-api="POST`) {
			t.Errorf("%s as 销售 shows forms it may not use", tc.path)
		}
	}
}
