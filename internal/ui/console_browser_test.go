package ui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserConsole drives the console's core as a 销售 and an
// administrator would: sign in, search as you type (one Chinese character,
// a phone number typed with spaces), open a customer and edit a field,
// keyboard and labels, phone width; no console error anywhere.
func TestBrowserConsole(t *testing.T) {
	b := newBrowserEnv(t)

	// A 销售 sees their own customers only, phones masked.
	b.loginAs("rep")
	if got := b.text("#total"); !strings.Contains(got, "3") {
		t.Errorf("销售's total: %q", got)
	}
	list := b.text("#customers-table")
	if strings.Contains(list, "李四") || strings.Contains(list, "王五") {
		t.Errorf("销售 sees another rep's customers:\n%s", list)
	}
	if !strings.Contains(list, "138****8000") {
		t.Errorf("销售 sees no masked phone:\n%s", list)
	}
	b.screenshot("customers-sales")

	b.loginAs("admin")
	b.screenshot("customers")
	// One Chinese character answers as it is typed.
	b.do("type 张", chromedp.SendKeys(chromedp.CSS("#q"), "张"))
	b.waitFor("张 rows", `document.querySelectorAll("#customers-table tbody tr").length === 2`)
	// The exact total follows the rows (total=later, then /customers/total).
	b.waitFor("the total for 张", `document.querySelector("#total").innerText.includes("共 2 位客户")`)
	if loc := eval[string](b, "location.search"); !strings.Contains(loc, "q=") {
		t.Errorf("the URL does not keep the search: %q", loc)
	}
	// A phone typed with spaces, replacing the box's text.
	b.typeInto("#q", "138 0013 8000")
	b.waitFor("the phone's customer", `(() => { const r = document.querySelectorAll("#customers-table tbody tr"); return r.length === 1 && r[0].innerText.includes("张三") })()`)
	// Pinyin initials.
	b.typeInto("#q", "zs")
	b.waitFor("zs", `document.querySelector("#customers-table") && document.querySelector("#customers-table").innerText.includes("张三")`)
	// Nothing found says what to do.
	b.typeInto("#q", "不存在的客户")
	b.waitFor("empty state", `!!document.querySelector("#rows .empty")`)
	if got := b.text("#rows .empty"); !strings.Contains(got, "清除") {
		t.Errorf("empty state: %q", got)
	}
	// Sorting by a header keeps the page and marks the column.
	b.open("/customers")
	b.do("sort by name", chromedp.Click(chromedp.CSS(`th a[href*="sort=name"]`)))
	b.waitFor("sorted", `!!document.querySelector('th[aria-sort="ascending"]')`)

	// Open a customer and edit a field.
	b.do("open 张三", chromedp.Click(chromedp.CSS(`#customers-table a[href^="/customers/`+itoa(b.Customers["张三"].ID)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#history")))
	b.screenshot("customer")
	b.do("edit company", chromedp.Click(chromedp.CSS("#field-company summary")),
		chromedp.WaitVisible(chromedp.CSS("#edit-company")))
	b.typeInto("#edit-company", "字节跳动（北京）")
	b.do("save company", chromedp.Submit(chromedp.CSS("#edit-company")))
	b.waitFor("saved", `!!document.querySelector(".alert.ok") && document.querySelector("#field-company").innerText.includes("字节跳动（北京）")`)
	if h := b.text("#history"); !strings.Contains(h, "字节跳动（北京）") {
		t.Errorf("history lacks the edit:\n%s", h)
	}
	// A refused value shows crm's message at the field.
	b.allow = append(b.allow, "status of 422")
	b.do("bad email", chromedp.Click(chromedp.CSS("#field-email summary")))
	b.typeInto("#edit-email", "not-an-email")
	b.do("save email", chromedp.Submit(chromedp.CSS("#edit-email")))
	b.waitFor("error at the field", `!!document.querySelector("#err-email")`)
	// Show: the full phone, audited.
	b.do("show", chromedp.Click(chromedp.CSS("#unmask")))
	b.waitFor("unmasked", `document.querySelector("#field-phone").innerText.includes("8613800138000")`)

	// Keyboard: the first Tab reaches the skip link; every form control
	// has a label.
	b.open("/customers")
	b.do("tab", chromedp.KeyEvent("\t"))
	if got := eval[string](b, "document.activeElement.className"); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}
	unlabelled := eval[[]string](b, `Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea")).
		filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map(e => e.name || e.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}

	// Phone width: no sideways scrolling of the page, the table scrolls in
	// its own box.
	b.viewport(390, 844, true)
	for _, p := range []string{"/customers", "/customers/" + itoa(b.Customers["张三"].ID)} {
		b.open(p)
		if w := eval[bool](b, "document.documentElement.scrollWidth <= window.innerWidth + 1"); !w {
			t.Errorf("%s scrolls sideways at phone width", p)
		}
	}
	b.screenshot("customer-phone")
	b.open("/customers")
	b.screenshot("customers-phone")
	b.viewport(1280, 800, false)

	// English.
	b.open("/lang/en?back=/customers")
	if got := b.text("h1"); got != "Customers" {
		t.Errorf("English heading: %q", got)
	}
	b.open("/lang/zh-CN?back=/customers")
}

// TestBrowserLogin: the login page (screenshot), a wrong password's
// message, and signing out.
func TestBrowserLogin(t *testing.T) {
	b := newBrowserEnv(t)
	b.open("/customers")
	b.waitFor("redirected to login", `location.pathname === "/login"`)
	b.screenshot("login")
	b.allow = append(b.allow, "status of 401")
	b.do("wrong password", chromedp.SendKeys(chromedp.CSS("#login"), "rep"),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong"),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".alert.error")))
	b.loginAs("rep")
	b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	b.waitFor("signed out", `location.pathname === "/login"`)
}
