package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// TestCustomerEditAndShow: a field edited in place goes through crm (its
// validation message shown at the field), and "show" unmasks for a role
// that may, writing the audit log.
func TestCustomerEditAndShow(t *testing.T) {
	c := newConsole(t)
	zs := c.Customers["张三"]
	path := "/customers/" + itoa(zs.ID)
	rep := c.client(t)
	csrf := rep.login("rep")
	_, page := rep.get(path)
	if !strings.Contains(page, "86138****8000") || strings.Contains(page, `id="unmask"`) || !strings.Contains(page, "脱敏") {
		t.Errorf("销售's customer page:\n%s", page)
	}
	resp, _ := rep.post(path+"/fields", url.Values{"csrf_token": {csrf}, "field": {"company"}, "value": {"新公司"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	_, page = rep.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "新公司") || !strings.Contains(page, "已保存") || !strings.Contains(page, "修改了客户") {
		t.Errorf("after edit:\n%s", page)
	}
	resp, page = rep.post(path+"/fields", url.Values{"csrf_token": {csrf}, "field": {"email"}, "value": {"not an email"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="err-email"`) || !strings.Contains(page, "not an email") {
		t.Errorf("invalid email: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = rep.post(path+"/unmask", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("销售 unmask: %d", resp.StatusCode)
	}
	// Another rep's customer is not there for this one.
	resp, _ = rep.post("/customers/"+itoa(c.Customers["李四"].ID)+"/fields", url.Values{"csrf_token": {csrf}, "field": {"company"}, "value": {"x"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("edit another rep's customer: %d", resp.StatusCode)
	}

	admin := c.client(t)
	csrf = admin.login("admin")
	_, page = admin.get(path)
	if !strings.Contains(page, "86138****8000") || !strings.Contains(page, `id="unmask"`) {
		t.Errorf("admin's page before show:\n%s", page)
	}
	resp, page = admin.post(path+"/unmask", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != 200 || !strings.Contains(page, "8613800138000") {
		t.Errorf("show: %d\n%s", resp.StatusCode, page)
	}
	es, err := audit.Query(context.Background(), c.Store, c.Tenant.ID, model.AuditFilter{Action: audit.CustomerUnmask})
	must(t, err)
	if len(es) != 1 {
		t.Errorf("unmask audit entries: %v", es)
	}
}

// TestHistoryMaskedWithPage: until "show", the history masks like the page.
func TestHistoryMaskedWithPage(t *testing.T) {
	c := newConsole(t)
	admin := c.client(t)
	admin.login("admin")
	_, page := admin.get("/customers/" + itoa(c.Customers["张三"].ID))
	if strings.Contains(page, "8613800138000") || strings.Contains(page, "zhangsan@example.com") {
		t.Errorf("full contact data before show:\n%s", page)
	}
}

// TestFollowUpsOnPage: the customer page shows crm's follow-ups timeline.
func TestFollowUpsOnPage(t *testing.T) {
	c := newConsole(t)
	zs := c.Customers["张三"]
	content := "电话回访：客户对报价满意"
	_, err := c.Svc.AddFollowUp(context.Background(), &model.Caller{TenantID: c.Tenant.ID, Via: model.ViaCLI}, zs.ID,
		&crm.FollowUpInput{Content: &content, Kind: crm.Ptr("电话"), StaffID: crm.Ptr(c.Staff["rep"])})
	must(t, err)
	rep := c.client(t)
	rep.login("rep")
	_, page := rep.get("/customers/" + itoa(zs.ID))
	if !strings.Contains(page, `id="followups"`) || !strings.Contains(page, content) {
		t.Errorf("follow-ups on the page:\n%s", page)
	}
}
