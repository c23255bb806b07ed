package ui_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

var (
	rowIDRe   = regexp.MustCompile(`name="ids" value="(\d+)"`)
	pagerLink = func(rel string) *regexp.Regexp {
		return regexp.MustCompile(`<a href="([^"]+)" data-page="1" rel="` + rel + `">`)
	}
	prevRe, nextRe = pagerLink("prev"), pagerLink("next")
)

// page is one page of the customers list: its row ids and pager links.
type page struct {
	ids        []string
	prev, next string
}

func (c *client) listPage(path string) page {
	c.t.Helper()
	resp, body := c.get(path)
	if resp.StatusCode != 200 {
		c.t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
	}
	var p page
	for _, m := range rowIDRe.FindAllStringSubmatch(body, -1) {
		p.ids = append(p.ids, m[1])
	}
	if m := prevRe.FindStringSubmatch(body); m != nil {
		p.prev = html.UnescapeString(m[1])
	}
	if m := nextRe.FindStringSubmatch(body); m != nil {
		p.next = html.UnescapeString(m[1])
	}
	return p
}

// TestPreviousPage: the list walks forward and back through the cursors
// its URL keeps — the same pages, the first one without a cursor — and a
// customer inserted meanwhile is neither skipped nor an error: going back
// re-reads a page from the cursor it started at.
func TestPreviousPage(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tenant := &model.Caller{TenantID: c.Tenant.ID, Via: model.ViaCLI}
	add := func(name string) {
		in := &crm.CustomerInput{Name: &name}
		_, err := c.Svc.CreateCustomer(ctx, tenant, in)
		must(t, err)
	}
	for i := range 140 { // 145 with the fixture's: three pages of 50
		add(fmt.Sprintf("客户%03d", i))
	}
	admin := c.client(t)
	admin.login("admin")
	const list = "/customers?sort=name"
	p1 := admin.listPage(list)
	if p1.prev != "" || p1.next == "" || len(p1.ids) != 50 {
		t.Fatalf("first page: %d rows, prev %q, next %q", len(p1.ids), p1.prev, p1.next)
	}
	p2 := admin.listPage(p1.next)
	p3 := admin.listPage(p2.next)
	if len(p3.ids) != 45 || p3.next != "" || p3.prev == "" {
		t.Fatalf("third page: %d rows, prev %q, next %q", len(p3.ids), p3.prev, p3.next)
	}
	back2 := admin.listPage(p3.prev)
	if !slices.Equal(back2.ids, p2.ids) {
		t.Errorf("back from page 3: %v, want page 2 %v", back2.ids, p2.ids)
	}
	if back2.next != p2.next {
		t.Errorf("page 2 read back has next %q, want %q", back2.next, p2.next)
	}
	back1 := admin.listPage(back2.prev)
	if !slices.Equal(back1.ids, p1.ids) || strings.Contains(back2.prev, "cursor=") || back1.prev != "" {
		t.Errorf("back from page 2: %v (url %s, prev %q), want the first page %v", back1.ids, back2.prev, back1.prev, p1.ids)
	}
	// A customer sorted into page 1 arrives while page 3 is shown: page 2
	// read back starts where it did (so it shifts by nothing), page 1 read
	// back holds the newcomer, and walking forward from it again reaches
	// every customer exactly once.
	add("客户000a")
	back2 = admin.listPage(p3.prev)
	if !slices.Equal(back2.ids, p2.ids) {
		t.Errorf("page 2 after an insert into page 1: %v, want %v", back2.ids, p2.ids)
	}
	seen := map[string]int{}
	for p := admin.listPage(back2.prev); ; p = admin.listPage(p.next) {
		for _, id := range p.ids {
			seen[id]++
		}
		if p.next == "" {
			break
		}
	}
	if len(seen) != 146 {
		t.Errorf("walking forward again saw %d customers, want 146", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("customer %s seen %d times", id, n)
		}
	}
}
