package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// TestFollowUpForm: a 销售 writes a follow-up on their customer's page
// (kind, content, time, next time); it is in the timeline and moves the
// customer's lastFollowAt and nextFollowAt (what 公海 recycling counts
// from); a refused form (no content, an unreadable time) is shown again
// with the message and what was typed, and writes nothing; a 销售 cannot
// follow up another rep's customer.
func TestFollowUpForm(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tenant := crm.TenantCaller(c.Tenant.ID, 0, model.ViaCLI)
	rep := c.client(t)
	csrf := rep.login("rep")
	zhang := itoa(c.Customers["张三"].ID)
	_, page := rep.get("/customers/" + zhang)
	if !strings.Contains(page, `id="followup-form"`) || !strings.Contains(page, `<option value="电话"`) {
		t.Fatalf("no follow-up form on the customer page:\n%s", page)
	}
	post := func(id string, v url.Values) (*http.Response, string) {
		v.Set("csrf_token", csrf)
		return rep.post("/customers/"+id+"/followups", v)
	}
	resp, body := post(zhang, url.Values{"kind": {"微信"}, "content": {""}, "at": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="followup-error"`) {
		t.Errorf("an empty follow-up: %d\n%s", resp.StatusCode, body)
	}
	resp, body = post(zhang, url.Values{"kind": {"微信"}, "content": {"约了下周见面"}, "at": {"下周"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "约了下周见面") || !strings.Contains(body, "无法识别") {
		t.Errorf("an unreadable time: %d\n%s", resp.StatusCode, body)
	}
	if fl, _ := c.Svc.ListFollowUps(ctx, tenant, c.Customers["张三"].ID, crm.FollowUpPage{Limit: 10}); len(fl.Items) != 0 {
		t.Fatalf("a refused form wrote %d follow-ups", len(fl.Items))
	}
	resp, _ = post(zhang, url.Values{"kind": {"微信"}, "content": {"约了下周见面"}, "at": {"2026-03-02T10:30"}, "next": {"2026-03-09T14:00"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "#followups") {
		t.Fatalf("a follow-up: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = rep.get("/customers/" + zhang)
	if !strings.Contains(page, "约了下周见面") || !strings.Contains(page, "微信") {
		t.Errorf("the timeline lacks the follow-up")
	}
	cu, err := c.Svc.Customer(ctx, tenant, c.Customers["张三"].ID)
	must(t, err)
	at := time.Date(2026, 3, 2, 10, 30, 0, 0, crm.China)
	if !cu.LastFollowAt.Equal(at) || !cu.NextFollowAt.Equal(time.Date(2026, 3, 9, 14, 0, 0, 0, crm.China)) || cu.LastFollowUserID != c.Staff["rep"] {
		t.Errorf("the customer's follow state: last %v next %v by %d", cu.LastFollowAt, cu.NextFollowAt, cu.LastFollowUserID)
	}
	// 李四 is rep2's: not rep's to follow up (crm: not visible to rep).
	if resp, _ := post(itoa(c.Customers["李四"].ID), url.Values{"kind": {"电话"}, "content": {"x"}}); resp.StatusCode/100 != 4 {
		t.Errorf("a follow-up of another rep's customer: %d", resp.StatusCode)
	}
}
