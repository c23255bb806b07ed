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
	"github.com/kehu/kehu/internal/people"
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

// TestFollowUpEditDelete: every follow-up of the timeline has an edit form
// filled with its values and a delete button; a refused edit is shown again
// open, with the message, and changes nothing; an edit moves the customer's
// lastFollowAt and clears its nextFollowAt when the next time is emptied;
// a delete falls back to the newest remaining follow-up; a follow-up is
// only reached under its own customer, and not at all by a rep who may not
// see that customer.
func TestFollowUpEditDelete(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tenant := crm.TenantCaller(c.Tenant.ID, 0, model.ViaCLI)
	rep := c.client(t)
	csrf := rep.login("rep")
	zhang := c.Customers["张三"].ID
	staff := c.Staff["rep"]
	phone := "电话"
	add := func(content string, at, next time.Time) *model.FollowUp {
		f, err := c.Svc.AddFollowUp(ctx, tenant, zhang, &crm.FollowUpInput{Kind: &phone, Content: &content, StaffID: &staff, At: &at, NextAt: &next})
		must(t, err)
		return f
	}
	older := add("第一次电话", time.Date(2026, 3, 1, 9, 0, 0, 0, crm.China), time.Time{})
	f := add("约了面谈", time.Date(2026, 3, 2, 10, 30, 0, 0, crm.China), time.Date(2026, 3, 9, 14, 0, 0, 0, crm.China))
	fid := itoa(f.ID)
	base := "/customers/" + itoa(zhang) + "/followups/" + fid
	_, page := rep.get("/customers/" + itoa(zhang))
	for _, want := range []string{`action="` + base + `"`, `action="` + base + `/delete"`, `value="2026-03-02T10:30"`, `value="2026-03-09T14:00"`, `data-confirm=`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the follow-up's edit form lacks %s:\n%s", want, page)
		}
	}
	post := func(path string, v url.Values) (*http.Response, string) {
		v.Set("csrf_token", csrf)
		return rep.post(path, v)
	}
	state := func() *model.Customer {
		cu, err := c.Svc.Customer(ctx, tenant, zhang)
		must(t, err)
		return cu
	}
	resp, body := post(base, url.Values{"kind": {"微信"}, "content": {""}, "at": {"2026-03-03T08:00"}, "next": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="followup-error-`+fid+`"`) || !strings.Contains(body, "2026-03-03T08:00") {
		t.Errorf("an empty edit: %d\n%s", resp.StatusCode, body)
	}
	resp, body = post(base, url.Values{"kind": {"微信"}, "content": {"改约"}, "at": {"昨天"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "无法识别") || !strings.Contains(body, "改约") {
		t.Errorf("an unreadable time: %d\n%s", resp.StatusCode, body)
	}
	if got, _ := c.Svc.FollowUp(ctx, tenant, f.ID); got.Content != "约了面谈" {
		t.Fatalf("a refused edit wrote %q", got.Content)
	}
	// A role that may read but not edit has no forms; what it sends anyway
	// is refused (an unreadable time, before crm; a good one, by crm) and
	// changes nothing.
	viewerRole, err := c.Store.RoleByKey(ctx, c.Tenant.ID, model.RoleReadOnly)
	must(t, err)
	viewerStaff := &model.Staff{Name: "只读甲", RoleID: viewerRole.ID}
	must(t, c.Store.CreateStaff(ctx, c.Tenant.ID, viewerStaff))
	_, err = c.People.CreateLogin(ctx, &model.Caller{TenantID: c.Tenant.ID, Via: model.ViaCLI}, c.Tenant.ID,
		people.NewLogin{StaffID: viewerStaff.ID, Username: "viewer", Password: password})
	must(t, err)
	viewer := c.client(t)
	vcsrf := viewer.login("viewer")
	if _, page := viewer.get("/customers/" + itoa(zhang)); strings.Contains(page, `action="`+base+`"`) {
		t.Error("a role without customer.edit is shown the edit form")
	}
	for _, at := range []string{"昨天", "2026-03-05T09:00"} {
		resp, _ := viewer.post(base, url.Values{"csrf_token": {vcsrf}, "kind": {"微信"}, "content": {"只读的修改"}, "at": {at}})
		if resp.StatusCode/100 != 4 {
			t.Errorf("an edit by a role without customer.edit (at %q): %d", at, resp.StatusCode)
		}
	}
	if resp, _ := viewer.post(base+"/delete", url.Values{"csrf_token": {vcsrf}}); resp.StatusCode/100 != 4 {
		t.Errorf("a delete by a role without customer.edit: %d", resp.StatusCode)
	}
	if got, _ := c.Svc.FollowUp(ctx, tenant, f.ID); got.Content != "约了面谈" {
		t.Fatalf("a refused edit wrote %q", got.Content)
	}
	resp, _ = post(base, url.Values{"kind": {"拜访"}, "content": {"改为上门拜访"}, "at": {"2026-03-04T15:00"}, "next": {""}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "#followup-"+fid) {
		t.Fatalf("an edit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	got, err := c.Svc.FollowUp(ctx, tenant, f.ID)
	must(t, err)
	if got.Content != "改为上门拜访" || got.Kind != "拜访" || !got.NextAt.IsZero() {
		t.Errorf("the edited follow-up: %+v", got)
	}
	if cu := state(); !cu.LastFollowAt.Equal(time.Date(2026, 3, 4, 15, 0, 0, 0, crm.China)) || !cu.NextFollowAt.IsZero() {
		t.Errorf("after the edit the customer's follow state: last %v next %v", cu.LastFollowAt, cu.NextFollowAt)
	}
	// Under another customer's page the follow-up is not found.
	if resp, _ := post("/customers/"+itoa(c.Customers["李四"].ID)+"/followups/"+fid+"/delete", url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a follow-up under another customer: %d", resp.StatusCode)
	}
	resp, _ = post(base+"/delete", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a delete: %d", resp.StatusCode)
	}
	if _, err := c.Svc.FollowUp(ctx, tenant, f.ID); err == nil {
		t.Error("the deleted follow-up is still there")
	}
	if cu := state(); !cu.LastFollowAt.Equal(older.At) {
		t.Errorf("after the delete lastFollowAt is %v, want the remaining follow-up's %v", cu.LastFollowAt, older.At)
	}
	// 李四 is rep2's: rep may not see it, nor its follow-ups.
	content := "rep2 的跟进"
	rep2s := c.Staff["rep2"]
	other, err := c.Svc.AddFollowUp(ctx, tenant, c.Customers["李四"].ID, &crm.FollowUpInput{Kind: &phone, Content: &content, StaffID: &rep2s})
	must(t, err)
	if resp, _ := post("/customers/"+itoa(c.Customers["李四"].ID)+"/followups/"+itoa(other.ID), url.Values{"content": {"x"}}); resp.StatusCode/100 != 4 {
		t.Errorf("editing a follow-up of another rep's customer: %d", resp.StatusCode)
	}
	if resp, _ := post("/customers/"+itoa(c.Customers["李四"].ID)+"/followups/"+itoa(other.ID)+"/delete", url.Values{}); resp.StatusCode/100 != 4 {
		t.Errorf("deleting a follow-up of another rep's customer: %d", resp.StatusCode)
	}
	if _, err := c.Svc.FollowUp(ctx, tenant, other.ID); err != nil {
		t.Errorf("rep2's follow-up: %v", err)
	}
}
