package ui_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kehu/kehu/internal/model"
)

// pick chooses value in the select sel as a user would (change event).
func (b *browserEnv) pick(sel, value string) {
	b.t.Helper()
	b.do("pick "+value+" in "+sel, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(`+
		"`"+sel+"`"+`); s.value = `+"`"+value+"`"+`; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
}

// waitLoaded waits for expr on a page that has finished loading (a
// condition on the top of a page can hold before its rows are parsed).
func (b *browserEnv) waitLoaded(what, expr string) {
	b.t.Helper()
	b.waitFor(what, `document.readyState === "complete" && (`+expr+`)`)
}

// rowNames are the names in the list's first column, in order.
func (b *browserEnv) rowNames() []string {
	b.t.Helper()
	return eval[[]string](b, `Array.from(document.querySelectorAll("#customers-table tbody tr td:nth-child(2)")).map(td => td.innerText.trim())`)
}

// acceptConfirms makes the page's confirm() dialogs (data-confirm) answer
// yes, and marks the page so that waitNew can tell the next one from it.
func (b *browserEnv) acceptConfirms() {
	b.do("accept confirms", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true; window.kehuOldPage = true`))
}

// waitNew waits for expr on the page after the one acceptConfirms marked.
func (b *browserEnv) waitNew(what, expr string) {
	b.t.Helper()
	b.waitLoaded(what, `!window.kehuOldPage && (`+expr+`)`)
}

// TestBrowserFilterBuilder: the filter builder composes conditions (field,
// operator, value; AND and OR), applying them changes the rows without a
// reload, the URL carries the filter, and reopening that URL shows the
// same list with the filter in its box.
func TestBrowserFilterBuilder(t *testing.T) {
	b := newBrowserEnv(t)
	b.loginAs("admin")
	b.do("open the filters", chromedp.Click(chromedp.CSS("details.filters summary")), chromedp.WaitVisible(chromedp.CSS("#b-field")))
	b.pick("#b-field", "company")
	b.pick("#b-op", "~")
	b.typeInto("#b-value", "腾讯")
	b.do("add with AND", chromedp.Click(chromedp.CSS("#b-and")))
	if f := eval[string](b, `document.querySelector("#filter").value`); f != `company ~ "腾讯"` {
		t.Fatalf("the builder wrote %q", f)
	}
	b.do("apply", chromedp.Click(chromedp.CSS(".filter-panel button.primary")))
	b.waitLoaded("one row", `document.querySelectorAll("#customers-table tbody tr").length === 1`)
	if got := b.rowNames(); !slices.Equal(got, []string{"李四"}) {
		t.Errorf("company ~ 腾讯: %v", got)
	}
	// An OR: the name 王五 as well.
	b.pick("#b-field", "name")
	b.pick("#b-op", "=")
	b.typeInto("#b-value", "王五")
	b.do("add with OR", chromedp.Click(chromedp.CSS("#b-or")))
	b.do("apply", chromedp.Click(chromedp.CSS(".filter-panel button.primary")))
	b.waitLoaded("two rows", `document.querySelectorAll("#customers-table tbody tr").length === 2`)
	got := b.rowNames()
	slices.Sort(got)
	if !slices.Equal(got, []string{"李四", "王五"}) {
		t.Errorf(`company ~ "腾讯" || name = "王五": %v`, got)
	}
	loc := eval[string](b, "location.search")
	q, err := url.ParseQuery(strings.TrimPrefix(loc, "?"))
	must(t, err)
	if q.Get("filter") != `company ~ "腾讯" || name = "王五"` {
		t.Errorf("the URL carries filter %q (%s)", q.Get("filter"), loc)
	}
	b.waitLoaded("the total", `document.querySelector("#total").innerText.includes("共 2 位客户")`)
	// The URL is the list: opened afresh it shows the same.
	b.open("/customers" + loc)
	if got := b.rowNames(); len(got) != 2 {
		t.Errorf("the filtered URL reopened: %v", got)
	}
	if f := eval[string](b, `document.querySelector("#filter").value`); f != `company ~ "腾讯" || name = "王五"` {
		t.Errorf("the filter box after reopening: %q", f)
	}
	// Grouping wraps what is there in parentheses.
	b.do("group", chromedp.Click(chromedp.CSS("#b-group")))
	if f := eval[string](b, `document.querySelector("#filter").value`); !strings.HasPrefix(f, "(") || !strings.HasSuffix(f, ")") {
		t.Errorf("grouped: %q", f)
	}
	b.screenshot("customers-filter")
}

// TestBrowserBulkActions: rows ticked on the list get a tag and a status
// through the bulk bar, the list says so and shows the change; a 销售 is
// not offered the actions its role lacks (assign owner, delete).
func TestBrowserBulkActions(t *testing.T) {
	b := newBrowserEnv(t)
	ctx := context.Background()
	tenant := &model.Caller{TenantID: b.Tenant.ID}
	li, wang := itoa(b.Customers["李四"].ID), itoa(b.Customers["王五"].ID)
	b.loginAs("admin")
	b.open("/customers?cols=name,tags,status&sort=name")
	b.do("tick 李四 and 王五", chromedp.Click(chromedp.CSS("#sel-"+li)), chromedp.Click(chromedp.CSS("#sel-"+wang)))
	b.pick("#bulk-action", "tag")
	if eval[bool](b, `document.querySelector("#bulk-tag").hidden || !!document.querySelector("#bulk-owner:not([hidden])")`) {
		t.Error("the tag action does not show the tag picker alone")
	}
	b.pick("#bulk-tag", eval[string](b, `Array.from(document.querySelectorAll("#bulk-tag option")).find(o => o.textContent.includes("普通")).value`))
	b.acceptConfirms()
	b.do("apply the tag", chromedp.Click(chromedp.CSS(`#bulk-form .bulk button[type=submit]`)))
	b.waitNew("done", `!!document.querySelector(".alert.ok") && location.search.includes("saved=")`)
	row := func(name string) string {
		return eval[string](b, `Array.from(document.querySelectorAll("#customers-table tbody tr")).find(r => r.innerText.includes("`+name+`")).innerText`)
	}
	for _, n := range []string{"李四", "王五"} {
		if r := row(n); !strings.Contains(r, "普通") {
			t.Errorf("%s after tagging: %q", n, r)
		}
	}
	if r := row("张三"); strings.Contains(r, "普通") {
		t.Errorf("an unticked row was tagged: %q", r)
	}
	// Status: 李四 disabled.
	b.do("tick 李四", chromedp.Click(chromedp.CSS("#sel-"+li)))
	b.pick("#bulk-action", "status")
	b.pick("#bulk-status", "2")
	b.acceptConfirms()
	b.do("apply the status", chromedp.Click(chromedp.CSS(`#bulk-form .bulk button[type=submit]`)))
	b.waitNew("done", `!!document.querySelector(".alert.ok")`)
	if r := row("李四"); !strings.Contains(r, "禁用") {
		t.Errorf("李四 after the status change: %q", r)
	}
	cu, err := b.Svc.Customer(ctx, tenant, b.Customers["李四"].ID)
	must(t, err)
	if cu.Status != 2 {
		t.Errorf("李四's status in the database: %d", cu.Status)
	}
	b.screenshot("customers-bulk")

	// A 销售: tag and status, never assign or delete.
	b.loginAs("rep")
	offered := eval[[]string](b, `Array.from(document.querySelectorAll("#bulk-action option")).map(o => o.value).filter(v => v)`)
	if slices.Contains(offered, "owner") || slices.Contains(offered, "delete") || !slices.Contains(offered, "tag") {
		t.Errorf("a 销售 is offered %v", offered)
	}
	if eval[bool](b, `!!document.querySelector("#bulk-owner")`) {
		t.Error("a 销售 gets the owner picker")
	}
}

// TestBrowserSavedViews: a 销售 saves the list it searched as a view,
// sees it in the views bar, opens it, renames it and deletes it; another
// 销售 never sees it; an administrator's shared view is seen by everyone.
func TestBrowserSavedViews(t *testing.T) {
	b := newBrowserEnv(t)
	b.loginAs("rep")
	if got := b.text("#view-list"); !strings.Contains(got, "全部客户") {
		t.Errorf("views bar: %q", got)
	}
	b.do("type 张", chromedp.SendKeys(chromedp.CSS("#q"), "张"))
	b.waitLoaded("张 rows", `document.querySelectorAll("#customers-table tbody tr").length === 2`)
	b.do("open manage views", chromedp.Click(chromedp.CSS("#view-manage summary")), chromedp.WaitVisible(chromedp.CSS("#view-name")))
	b.do("name the view", chromedp.SendKeys(chromedp.CSS("#view-name"), "张姓客户"))
	b.do("save the view", chromedp.Click(chromedp.CSS("#view-save button[type=submit]")))
	b.waitLoaded("the view is active", `(() => { const a = document.querySelector('#view-list a[aria-current="page"]'); return a && a.textContent === "张姓客户" })()`)
	if got := b.rowNames(); len(got) != 2 {
		t.Errorf("the saved view's rows: %v", got)
	}
	b.do("all customers", chromedp.Click(chromedp.CSS(`#view-list a[href="/customers"]`)))
	b.waitLoaded("all rows", `document.querySelectorAll("#customers-table tbody tr").length === 3`)
	b.do("open the view", chromedp.Click(chromedp.CSS(`#view-list a[data-view]`)))
	b.waitLoaded("the view's rows", `document.querySelectorAll("#customers-table tbody tr").length === 2 && document.querySelector("#q").value === "张"`)
	b.screenshot("customers-views")
	// Rename.
	b.do("open manage views", chromedp.Click(chromedp.CSS("#view-manage summary")), chromedp.WaitVisible(chromedp.CSS("#view-rename-name")))
	b.typeInto("#view-rename-name", "张家")
	b.do("rename", chromedp.Click(chromedp.CSS("#view-rename button[type=submit]")))
	b.waitLoaded("renamed", `(() => { const a = document.querySelector('#view-list a[aria-current="page"]'); return a && a.textContent === "张家" })()`)
	if eval[bool](b, `!!document.querySelector("#view-sharing")`) {
		t.Error("a 销售 is offered sharing")
	}

	// Another 销售 does not see it.
	b.loginAs("rep2")
	if got := b.text("#view-list"); strings.Contains(got, "张家") {
		t.Errorf("another 销售 sees a private view: %q", got)
	}
	// An administrator shares a view; everyone sees it.
	b.loginAs("admin")
	b.open("/customers?filter=" + url.QueryEscape(`company ~ "腾讯"`))
	b.do("open manage views", chromedp.Click(chromedp.CSS("#view-manage summary")), chromedp.WaitVisible(chromedp.CSS("#view-name")))
	b.do("name it", chromedp.SendKeys(chromedp.CSS("#view-name"), "腾讯客户"), chromedp.Click(chromedp.CSS("#view-share-new")))
	b.do("save it", chromedp.Click(chromedp.CSS("#view-save button[type=submit]")))
	b.waitLoaded("shared view saved", `document.querySelector("#view-list").innerText.includes("腾讯客户")`)
	b.loginAs("rep2")
	if got := b.text("#view-list"); !strings.Contains(got, "腾讯客户") || !strings.Contains(got, "共享") {
		t.Errorf("the shared view is not in rep2's bar: %q", got)
	}
	b.do("open the shared view", chromedp.Click(chromedp.CSS(`#view-list a[data-view]`)))
	b.waitLoaded("its rows", `document.querySelectorAll("#customers-table tbody tr").length === 1`)
	if eval[bool](b, `!!document.querySelector("#view-delete")`) {
		t.Error("a 销售 may delete a shared view")
	}

	// The owner deletes its view.
	b.loginAs("rep")
	b.do("open 张家", chromedp.Click(chromedp.CSS(`#view-list a[data-view]:not([data-x])`)))
	b.waitLoaded("张家 open", `(() => { const a = document.querySelector('#view-list a[aria-current="page"]'); return a && a.textContent === "张家" })()`)
	b.do("open manage views", chromedp.Click(chromedp.CSS("#view-manage summary")), chromedp.WaitVisible(chromedp.CSS("#view-delete")))
	b.acceptConfirms()
	b.do("delete", chromedp.Click(chromedp.CSS("#view-delete button")))
	b.waitNew("deleted", `location.search === "" && !document.querySelector("#view-list").innerText.includes("张家")`)
}
