package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestViewsForms: the console's view forms go through crm — a 销售's
// save with "shared" is refused (403) and nothing is saved; a saved view
// opened as /customers?view=ID alone shows its search; another 销售
// cannot open, rename or delete it (404).
func TestViewsForms(t *testing.T) {
	c := newConsole(t)
	rep := c.client(t)
	csrf := rep.login("rep")
	resp, _ := rep.post("/views", url.Values{"csrf_token": {csrf}, "name": {"共享的"}, "q": {"张"}, "shared": {"1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a 销售 shares a view: %d", resp.StatusCode)
	}
	resp, _ = rep.post("/views", url.Values{"csrf_token": {csrf}, "name": {"张"}, "q": {"张"}, "cols": {"name,phone"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save a view: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`[?&]view=(\d+)`).FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("saved view's location %q", resp.Header.Get("Location"))
	}
	_, body := rep.get("/customers?view=" + m[1])
	if !strings.Contains(body, "共 2 位客户") || !strings.Contains(body, `value="张"`) {
		t.Errorf("/customers?view=%s does not show the view's search:\n%s", m[1], body)
	}
	if resp, _ := rep.post("/views", url.Values{"name": {"无令牌"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a view form without the CSRF token: %d", resp.StatusCode)
	}
	rep2 := c.client(t)
	csrf2 := rep2.login("rep2")
	if resp, _ := rep2.get("/customers?view=" + m[1]); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another 销售 opens the view: %d", resp.StatusCode)
	}
	if resp, _ := rep2.post("/views/"+m[1], url.Values{"csrf_token": {csrf2}, "action": {"rename"}, "name": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another 销售 renames the view: %d", resp.StatusCode)
	}
	if resp, _ := rep2.post("/views/"+m[1]+"/delete", url.Values{"csrf_token": {csrf2}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another 销售 deletes the view: %d", resp.StatusCode)
	}
	if _, body := rep.get("/customers"); !strings.Contains(body, `data-view="`+m[1]+`"`) {
		t.Error("the view is gone from its owner's bar")
	}
}
