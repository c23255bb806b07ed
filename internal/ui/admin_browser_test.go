package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kehu/kehu/internal/admission"
	"github.com/kehu/kehu/internal/api"
	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// browser2 is a real kehu (the server's /v1 handler) with these pages in
// front of it, signed in through POST /v1/auth/login, and a headless
// Chromium that records every console error and exception.
type browser2 struct {
	srv    *httptest.Server
	st     *store.Store
	tenant int64
	ctx    context.Context
	mu     sync.Mutex
	errs   []string
	shots  string // KEHU_SCREENSHOTS: where shot writes console-<name>.png (docs/screenshots for the README)
	token  string // the session the browser holds
	// allow are URLs whose refusals a test asks for: Chromium logs every
	// 4xx answer as an error, also the ones the page handles.
	allow []string
}

func chromium(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("KEHU_BROWSER_TEST") == "1" {
		t.Fatal("KEHU_BROWSER_TEST=1 and no Chromium (set CHROMIUM or install the chromium package)")
	}
	t.Skip("no Chromium; KEHU_BROWSER_TEST=1 makes this a failure")
	return ""
}

func newBrowser2(t *testing.T) *browser2 {
	bin := chromium(t)
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	svc := crm.New(st, "CN", crm.China)
	keys, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	au := &auth.Service{Store: st, Keys: keys, Guard: &auth.Guard{Store: st}}
	ppl := &people.Service{Store: st, Keys: keys, CRM: svc, Guard: au.Guard}
	// The native API's handler as internal/server mounts it (the server
	// itself mounts this package, so a test inside it cannot import it).
	native := api.NewHandler(svc, au, slog.New(slog.NewTextHandler(io.Discard, nil)))
	native.People, native.Limits = ppl, admission.Default(2)
	t.Cleanup(native.Background.Stop)
	root := audit.Middleware(audit.ViaHandler(model.ViaNative, native))
	tn, err := st.CreateTenant(ctx, "浏览器测试")
	if err != nil {
		t.Fatal(err)
	}
	b := &browser2{st: st, tenant: tn.ID, shots: os.Getenv("KEHU_SCREENSHOTS")}
	// The console itself (its layout, session, CSRF and CSP) in front of
	// the native API, as kehu serve mounts them.
	console, err := New(svc, ppl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", root)
	mux.Handle("/", console)
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(1280, 800))
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	b.ctx = bctx
	if err := chromedp.Do(bctx); err != nil {
		t.Fatal(err)
	}
	msgs := chromedp.Console(bctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
				continue
			}
			b.mu.Lock()
			if !b.expected(m.Text, m.URL) {
				b.errs = append(b.errs, m.String()+" "+m.URL)
			}
			b.mu.Unlock()
		}
	}()
	return b
}

// expected: the 403 page a test asks for is logged by Chromium as a failed
// resource; that is the answer under test, not an error of the page.
func (b *browser2) expected(text, url string) bool {
	if !strings.Contains(text, "the server responded with a status of 4") {
		return false
	}
	for _, a := range b.allow {
		if strings.HasSuffix(url, a) {
			return true
		}
	}
	return false
}

// login makes a staff member with a login and role and signs the browser
// in as them (the session cookie of POST /v1/auth/login).
// A user of "" signs in again as the first login made (admin).
func (b *browser2) login(t *testing.T, name, user, roleKey string) {
	ctx := context.Background()
	if user == "" {
		user = "admin"
	} else {
		role, err := b.st.RoleByKey(ctx, b.tenant, roleKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := createLogin(ctx, b.st, b.tenant, name, user, role.ID); err != nil {
			t.Fatal(err)
		}
	}
	body := fmt.Sprintf(`{"tenantId":%d,"login":%q,"password":"correct horse 1"}`, b.tenant, user)
	res, err := http.Post(b.srv.URL+"/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		raw, _ := io.ReadAll(res.Body)
		t.Fatalf("login %s: %d %s", user, res.StatusCode, raw)
	}
	b.token = ""
	for _, c := range res.Cookies() {
		if c.Name == people.CookieName {
			b.token = c.Value
		}
	}
	if _, err := chromedp.Call(b.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.SetCookie, network.SetCookieParams{Name: people.CookieName, Value: b.token, URL: b.srv.URL, HTTPOnly: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	// Chinese, the console's first language (Chromium asks for English).
	if _, err := chromedp.Call(b.ctx, network.SetCookie, network.SetCookieParams{Name: langCookie, Value: "zh-CN", URL: b.srv.URL}); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

var createLogin = func(ctx context.Context, st *store.Store, tenant int64, name, user string, roleID int64) error {
	keys, _ := secret.New(make([]byte, 32))
	ppl := &people.Service{Store: st, Keys: keys}
	_, err := ppl.CreateLogin(ctx, crm.TenantCaller(tenant, 0, model.ViaCLI), tenant, people.NewLogin{Username: user, Password: "correct horse 1",
		NewStaff: &model.Staff{Name: name, RoleID: roleID}})
	return err
}

func (b *browser2) noErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		t.Errorf("browser: %s", e)
	}
	b.errs = nil
}

func (b *browser2) shot(t *testing.T, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if b.shots == "" {
			return nil
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(b.shots, "console-"+name+".png"), png, 0o644)
	})
}

// get fetches path with the browser's session (downloads are checked here).
func (b *browser2) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: people.CookieName, Value: b.token})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func textOf(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return s
}

// seedCatalog gives the tenant a catalogue worth a screenshot.
func (b *browser2) seedCatalog(t *testing.T) {
	ctx := context.Background()
	st, tn := b.st, b.tenant
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateField(ctx, tn, &model.Field{Key: "level", Label: "会员等级", Type: model.TypeSelect, Required: true,
		Options: []model.Option{{Label: "金卡"}, {Label: "银卡"}, {Label: "普通"}}}))
	must(st.CreateField(ctx, tn, &model.Field{Key: "memberNo", Label: "会员号", Type: model.TypeText, Unique: true}))
	must(st.CreateField(ctx, tn, &model.Field{Key: "visitDate", Label: "到店日期", Type: model.TypeDate}))
	for g, tags := range map[string][]string{"来源": {"展会", "转介绍", "官网"}, "意向": {"高", "中", "低"}} {
		grp, err := st.CreateTagGroup(ctx, tn, g)
		must(err)
		for _, n := range tags {
			_, err := st.CreateTag(ctx, tn, grp.ID, n)
			must(err)
		}
	}
	for _, n := range []string{"初次接触", "需求确认", "方案报价", "成交"} {
		_, err := st.CreateStage(ctx, tn, n)
		must(err)
	}
	hq, err := st.CreateDepartment(ctx, tn, 0, "销售中心")
	must(err)
	east, err := st.CreateDepartment(ctx, tn, hq.ID, "华东区")
	must(err)
	_, err = st.CreateDepartment(ctx, tn, east.ID, "上海组")
	must(err)
	_, err = st.CreateDepartment(ctx, tn, hq.ID, "华南区")
	must(err)
	for _, n := range []string{"张伟", "王芳", "李娜"} {
		must(st.CreateStaff(ctx, tn, &model.Staff{Name: n, DepartmentID: east.ID}))
	}
	keys, _ := secret.New(make([]byte, 32))
	au := &auth.Service{Store: st, Keys: keys}
	_, err = au.CreateClient(ctx, tn, 0, "ERP 同步", []string{model.ScopeRead, model.ScopeWrite})
	must(err)
}

// importFixture writes a GBK CSV of six customers in which file rows 5 and
// 7 repeat the phones of rows 2 and 3 (the second written with spaces): a
// dry run counts 4 to create and 2 duplicates, and the report names rows 5
// and 7.
func importFixture(t *testing.T, dir string) string {
	t.Helper()
	text := "姓名,手机号,公司\n" +
		"王小明,13811110001,北京甲公司\n" +
		"李小红,13811110002,上海乙公司\n" +
		"赵大力,13811110003,广州丙公司\n" +
		"王小明二,13811110001,北京甲公司\n" +
		"孙悟空,13811110004,花果山\n" +
		"李小红二,138 1111 0002,上海乙公司\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "客户名单.csv")
	if err := os.WriteFile(p, []byte(gbk), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBrowserImport(t *testing.T) {
	b := newBrowser2(t)
	b.login(t, "管理员甲", "admin", model.RoleAdmin)
	file := importFixture(t, t.TempDir())
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(b.srv.URL+"/import"),
		chromedp.WaitVisible(chromedp.CSS("#import-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS(`#import-mapping select[data-header="手机号"]`)),
		b.shot(t, "import"),
		chromedp.Click(chromedp.CSS(`button[value="dry"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#import-dry .job-done`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if c, s := textOf(ctx, t, `#import-dry [data-count="created"]`), textOf(ctx, t, `#import-dry [data-count="skipped"]`); c != "4" || s != "2" {
		t.Fatalf("dry run: %s created, %s skipped", c, s)
	}
	var n int64
	b.st.QueryRow(context.Background(), b.st.Rebind(`SELECT COUNT(*) FROM customers WHERE tenant_id = ?`), b.tenant).Scan(&n)
	if n != 0 {
		t.Fatalf("the dry run wrote %d customers", n)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[value="run"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-import-job] .job-done`)),
		b.shot(t, "import-done"),
	)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	report, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`a[data-report="xlsx"]`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	// The job page survives a reload: its state is the job row.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-import-job] .job-done`))); err != nil {
		t.Fatal(err)
	}
	if c := textOf(ctx, t, `[data-import-job] [data-count="created"]`); !strings.Contains(loc, "/import/") || c != "4" {
		t.Fatalf("job page %s: %s created", loc, c)
	}
	code, raw := b.get(t, report.Value)
	if code != 200 {
		t.Fatalf("report %s: %d %s", report.Value, code, raw)
	}
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the report is no XLSX: %v", err)
	}
	rows, err := x.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	var dup []string
	for _, r := range rows[1:] {
		if len(r) > 1 && r[1] == "重复" {
			dup = append(dup, r[0])
		}
	}
	if strings.Join(dup, ",") != "5,7" || rows[0][5] != "姓名" {
		t.Fatalf("report rows %q", rows)
	}
	b.noErrors(t)
}

func TestBrowserClientSecretOnce(t *testing.T) {
	b := newBrowser2(t)
	b.login(t, "管理员甲", "admin", model.RoleAdmin)
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(b.srv.URL+"/admin/clients"),
		chromedp.SendKeys(chromedp.CSS("#nc-name"), "ERP 同步"),
		chromedp.Click(chromedp.CSS(`form[data-then="secret"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#client-secret")),
		b.shot(t, "admin-clients"),
	)
	if err != nil {
		t.Fatal(err)
	}
	id, sec := textOf(ctx, t, "#client-secret [data-client-id]"), textOf(ctx, t, "#client-secret [data-client-secret]")
	if id == "" || len(sec) < 20 {
		t.Fatalf("client %q secret %q", id, sec)
	}
	// The secret works…
	res, err := http.PostForm(b.srv.URL+"/v1/oauth/token", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {sec}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("token with the shown secret: %d", res.StatusCode)
	}
	// …and after a reload it is gone: listed, never shown again.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, id) || strings.Contains(html, sec) {
		t.Fatalf("after reload: id listed %v, secret shown %v", strings.Contains(html, id), strings.Contains(html, sec))
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("client-secret").hidden`))
	if err != nil || !hidden {
		t.Fatalf("secret panel hidden %v (%v)", hidden, err)
	}
	b.noErrors(t)
}

func TestBrowserSalesNoAdmin(t *testing.T) {
	b := newBrowser2(t)
	b.allow = []string{"/admin/users"}
	b.login(t, "销售乙", "sales", model.RoleSales)
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	for _, path := range []string{"/admin/users", "/admin/clients", "/admin/audit", "/admin/sessions", "/import", "/export"} {
		if code, _ := b.get(t, path); code != 403 {
			t.Errorf("%s as 销售: %d", path, code)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(b.srv.URL+"/admin/users")); err != nil {
		t.Fatal(err)
	}
	h, alert := textOf(ctx, t, "h1"), textOf(ctx, t, "[role=alert]")
	if err := chromedp.Do(ctx, chromedp.Navigate(b.srv.URL+"/catalog"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("form[data-api]").length`))
	if err != nil {
		t.Fatal(err)
	}
	if h != "出错了" || alert != "你的角色无权进行此操作。" || n != 0 {
		t.Fatalf("403 page %q %q, %d catalogue forms shown to a 销售", h, alert, n)
	}
	b.noErrors(t)
}

// TestBrowserPages2Tour: every page of the administrator renders without a
// browser error, at 1280×800 and at a phone's width without sideways
// scrolling; each is photographed for the README.
func TestBrowserPages2Tour(t *testing.T) {
	b := newBrowser2(t)
	b.seedCatalog(t)
	b.login(t, "管理员甲", "admin", model.RoleAdmin)
	b.login(t, "销售乙", "sales", model.RoleSales)
	b.login(t, "管理员甲", "", "")
	ctx, cancel := context.WithTimeout(b.ctx, 120*time.Second)
	defer cancel()
	for _, pg := range []struct{ path, shot string }{
		{"/import", ""}, {"/export?filter=" + "status%20%3D%201&columns=name,phone,company", "export"},
		{"/catalog", "catalog"}, {"/catalog/tags", ""}, {"/catalog/stages", ""}, {"/catalog/departments", ""}, {"/catalog/staff", ""},
		{"/admin/users", "admin-users"}, {"/admin/roles", ""}, {"/admin/clients", ""}, {"/admin/audit", "admin-audit"}, {"/admin/sessions", "admin-sessions"},
	} {
		for _, width := range []int64{1280, 390} {
			err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(b.srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS("h1")))
			if err != nil {
				t.Fatalf("%s at %d: %v", pg.path, width, err)
			}
			if width == 1280 && pg.shot != "" {
				if err := chromedp.Do(ctx, b.shot(t, pg.shot)); err != nil {
					t.Fatal(err)
				}
			}
			over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil {
				t.Fatal(err)
			}
			if over {
				t.Errorf("%s at %dpx scrolls sideways", pg.path, width)
			}
		}
	}
	b.noErrors(t)
}

// TestBrowserCatalogValidation: a catalogue form shows the API's own
// message at the field at fault, then creates the field once corrected.
func TestBrowserCatalogValidation(t *testing.T) {
	b := newBrowser2(t)
	b.allow = []string{"/v1/fields"}
	b.login(t, "管理员甲", "admin", model.RoleAdmin)
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(b.srv.URL+"/catalog"),
		chromedp.SendKeys(chromedp.CSS("#f-label"), "会员等级"),
		chromedp.SendKeys(chromedp.CSS("#f-key"), "1level"),
		chromedp.Click(chromedp.CSS(`form[data-api="POST /v1/fields"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-key[aria-invalid="true"] + .field-error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := textOf(ctx, t, "#f-key + .field-error"); msg != "key: key is required: a letter or _ then letters, digits or _, at most 64" && !strings.Contains(msg, "a letter or _ then letters, digits or _") {
		t.Fatalf("message %q", msg)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#f-key"), "level"),
		chromedp.SetValue(chromedp.CSS("#f-type"), "select"),
		chromedp.SendKeys(chromedp.CSS("#f-options"), "金卡\n银卡"),
		chromedp.Click(chromedp.CSS(`form[data-api="POST /v1/fields"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//td[contains(., "银卡")]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	b.noErrors(t)
}

// TestBrowserExport: the export page takes the list's filter and columns,
// counts what it will export, and its form downloads the API's streamed,
// audited export with those columns in that order.
func TestBrowserExport(t *testing.T) {
	b := newBrowser2(t)
	b.login(t, "管理员甲", "admin", model.RoleAdmin)
	ctx := context.Background()
	src, err := importer.Open(importFixture(t, t.TempDir()), "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	svc := crm.New(b.st, "CN", crm.China)
	if _, err := (&importer.Importer{Svc: svc}).Run(ctx, src, importer.Options{TenantID: b.tenant}); err != nil {
		t.Fatal(err)
	}
	src.Close()
	bctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	q := url.Values{"filter": {`company contains "公司"`}, "columns": {"company,name"}, "sort": {"name"}}
	if err := chromedp.Do(bctx, chromedp.Navigate(b.srv.URL+"/export?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS("[data-export-total]"))); err != nil {
		t.Fatal(err)
	}
	if n := textOf(bctx, t, "[data-export-total] strong"); n != "3" {
		t.Fatalf("will export %s", n)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`input[name="format"][value="csv"]`))); err != nil {
		t.Fatal(err)
	}
	// What the download button requests (a download leaves no page to read).
	href, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(function(){var f=document.querySelector('form[action="/v1/customers/export"]');return f.getAttribute("action")+"?"+new URLSearchParams(new FormData(f)).toString()})()`))
	if err != nil {
		t.Fatal(err)
	}
	code, raw := b.get(t, href)
	if code != 200 {
		t.Fatalf("%s: %d %s", href, code, raw)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != "公司,姓名" {
		t.Fatalf("export %s: %q", href, rows)
	}
	entries, err := audit.Query(ctx, b.st, b.tenant, model.AuditFilter{Action: "customer.export", Limit: 5})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit: %v %v", entries, err)
	}
	b.noErrors(t)
}
