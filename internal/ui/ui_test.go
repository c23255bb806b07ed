package ui_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/people"
)

func TestLoginAndSecurityHeaders(t *testing.T) {
	c := newConsole(t)
	cl := c.client(t)

	resp, _ := cl.get("/")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") && resp.Header.Get("Location") != "/customers" {
		t.Fatalf("GET / signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = cl.get("/customers")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fcustomers" {
		t.Fatalf("GET /customers signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := cl.get("/login")
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", resp.Header)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") || strings.Contains(page, " onclick=") {
		t.Errorf("inline script or style in the login page:\n%s", page)
	}
	// The form without its token is refused.
	resp, body := cl.post("/login", url.Values{"login": {"rep"}, "password": {password}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without csrf: %d\n%s", resp.StatusCode, body)
	}
	// A wrong password says so, without telling which part was wrong.
	resp, body = cl.post("/login", url.Values{"csrf_token": {csrfOf(t, page)}, "login": {"rep"}, "password": {"nope"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
		t.Errorf("wrong password: %d\n%s", resp.StatusCode, body)
	}
	csrf := cl.login("rep")
	// The session cookie is the API's: GET /v1/auth/session answers it.
	resp, _ = cl.get("/v1/auth/session")
	if resp.StatusCode != 200 {
		t.Errorf("/v1/auth/session with the console's cookie: %d", resp.StatusCode)
	}
	// A state-changing post without the CSRF token is refused.
	resp, _ = cl.post("/logout", url.Values{})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without csrf: %d", resp.StatusCode)
	}
	resp, _ = cl.post("/logout", url.Values{people.CSRFField: {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	resp, _ = cl.get("/customers")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
}

func TestLanguage(t *testing.T) {
	c := newConsole(t)
	cl := c.client(t)
	_, zh := cl.get("/login")
	if !strings.Contains(zh, `lang="zh-CN"`) || !strings.Contains(zh, "登录") {
		t.Fatalf("default language:\n%s", zh)
	}
	resp, _ := cl.get("/lang/en?back=/login")
	if resp.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %v", resp.Header)
	}
	_, en := cl.get("/login")
	if !strings.Contains(en, `lang="en"`) || !strings.Contains(en, "Sign in") {
		t.Fatalf("English:\n%s", en)
	}
	resp, _ = cl.get("/lang/en?back=//evil.example")
	if resp.Header.Get("Location") != "/" {
		t.Errorf("open redirect: %s", resp.Header.Get("Location"))
	}
}

func TestCustomersListScope(t *testing.T) {
	c := newConsole(t)
	rep := c.client(t)
	rep.login("rep")
	_, body := rep.get("/customers/rows?q=" + url.QueryEscape("张"))
	if !strings.Contains(body, "张三") || !strings.Contains(body, "张伟") || !strings.Contains(body, "共 2 位客户") {
		t.Errorf("rep searching 张:\n%s", body)
	}
	_, body = rep.get("/customers")
	if strings.Contains(body, "李四") || !strings.Contains(body, "共 3 位客户") {
		t.Errorf("rep sees another rep's customer or a wrong total:\n%s", body)
	}
	if !strings.Contains(body, "138****8000") {
		t.Errorf("rep sees an unmasked phone:\n%s", body)
	}
	resp, _ := rep.get("/customers/" + itoa(c.Customers["李四"].ID))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("rep opening another rep's customer: %d", resp.StatusCode)
	}
	admin := c.client(t)
	admin.login("admin")
	for q, want := range map[string]string{"zs": "张三", "138 0013 8000": "张三", "8000": "张三", "zhangsan@example.com": "张三",
		"腾讯": "李四", "Tom": "Tom Hanks"} {
		_, body := admin.get("/customers/rows?q=" + url.QueryEscape(q))
		if !strings.Contains(body, want) {
			t.Errorf("admin searching %q: no %s\n%s", q, want, body)
		}
	}
	_, body = admin.get("/customers")
	if !strings.Contains(body, "8613700001111") || !strings.Contains(body, "共 5 位客户") {
		t.Errorf("admin list:\n%s", body)
	}
}

// TestPages2Wired: the import, export, catalogue and administration pages
// are served in the console's layout, behind its session, and the
// navigation offers each only to roles that reach it.
func TestPages2Wired(t *testing.T) {
	c := newConsole(t)
	admin := c.client(t)
	admin.login("admin")
	for _, p := range []string{"/import", "/export", "/catalog", "/admin/users", "/admin/clients"} {
		resp, body := admin.get(p)
		if resp.StatusCode != 200 || !strings.Contains(body, `class="p2"`) || !strings.Contains(body, `href="/customers"`) ||
			!strings.Contains(body, `name="csrf-token"`) {
			t.Errorf("admin %s: %d\n%s", p, resp.StatusCode, body)
		}
	}
	_, body := admin.get("/customers")
	for _, nav := range []string{`href="/import"`, `href="/export"`, `href="/catalog"`, `href="/admin"`} {
		if !strings.Contains(body, nav) {
			t.Errorf("admin navigation lacks %s", nav)
		}
	}
	rep := c.client(t)
	rep.login("rep")
	_, body = rep.get("/customers")
	for _, nav := range []string{`href="/import"`, `href="/export"`, `href="/admin"`} {
		if strings.Contains(body, nav) {
			t.Errorf("销售 navigation offers %s", nav)
		}
	}
	resp, _ := rep.get("/admin/users")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("销售 /admin/users: %d", resp.StatusCode)
	}
	resp, _ = c.client(t).get("/admin/users")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out /admin/users: %d", resp.StatusCode)
	}
}

// TestPickersUseDirectory: the staff a page lists or offers come from
// crm's directory: a 销售 (一组) sees its colleagues in 一组, not the
// administrator or the 主管 of 销售部; the administrator sees everyone.
func TestPickersUseDirectory(t *testing.T) {
	c := newConsole(t)
	rep := c.client(t)
	rep.login("rep")
	admin := c.client(t)
	admin.login("admin")
	for _, path := range []string{"/catalog/staff", "/customers/" + itoa(c.Customers["张三"].ID)} {
		_, body := rep.get(path)
		if !strings.Contains(body, "销售丁") || strings.Contains(body, "管理员甲") || strings.Contains(body, "主管乙") {
			t.Errorf("%s as 销售 lists staff outside its directory (or not its colleague):\n%s", path, body)
		}
	}
	_, body := admin.get("/catalog/staff")
	for _, n := range []string{"管理员甲", "主管乙", "销售丙", "销售丁"} {
		if !strings.Contains(body, n) {
			t.Errorf("/catalog/staff as admin lacks %s", n)
		}
	}
}

// TestTotalLater: the search box's fetch (total=later) answers the rows
// without counting, and the URL it carries answers the exact total — the
// caller's, as crm scopes it.
func TestTotalLater(t *testing.T) {
	c := newConsole(t)
	rep := c.client(t)
	rep.login("rep")
	_, body := rep.get("/customers/rows?q=" + url.QueryEscape("张") + "&total=later")
	m := regexp.MustCompile(`data-total-url="([^"]+)"`).FindStringSubmatch(body)
	if m == nil || strings.Contains(body, "位客户") || !strings.Contains(body, "张三") {
		t.Fatalf("rows with total=later:\n%s", body)
	}
	resp, total := rep.get(html.UnescapeString(m[1]))
	if resp.StatusCode != 200 || strings.TrimSpace(total) != "共 2 位客户" {
		t.Errorf("GET %s: %d %q", m[1], resp.StatusCode, total)
	}
	_, total = rep.get("/customers/total")
	if strings.TrimSpace(total) != "共 3 位客户" {
		t.Errorf("a 销售's whole total: %q", total)
	}
}
