package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/model"
)

// TestBulkAndFilter: the filter string and the column chooser drive the
// list; ticked customers get a status and an owner through crm, and a
// 销售 cannot delete (crm refuses; nothing is deleted).
func TestBulkAndFilter(t *testing.T) {
	c := newConsole(t)
	admin := c.client(t)
	csrf := admin.login("admin")
	_, body := admin.get("/customers/rows?filter=" + url.QueryEscape(`company ~ "腾讯" || name = "王五"`) + "&col=name&col=email")
	if !strings.Contains(body, "李四") || !strings.Contains(body, "王五") || strings.Contains(body, "张三") || !strings.Contains(body, "lisi@example.com") ||
		strings.Contains(body, "深圳腾讯") {
		t.Errorf("filter and columns:\n%s", body)
	}
	resp, body := admin.get("/customers/rows?filter=" + url.QueryEscape(`name ~~ "x"`))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "筛选条件有误") {
		t.Errorf("a bad filter: %d\n%s", resp.StatusCode, body)
	}
	ids := url.Values{"csrf_token": {csrf}, "back": {"/customers"}, "ids": {itoa(c.Customers["李四"].ID), itoa(c.Customers["王五"].ID)}}
	ids.Set("action", "status")
	ids.Set("status", "2")
	resp, _ = admin.post("/customers/bulk", ids)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk status: %d", resp.StatusCode)
	}
	ids.Set("action", "owner")
	ids.Set("owner", itoa(c.Staff["rep"]))
	resp, _ = admin.post("/customers/bulk", ids)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk owner: %d", resp.StatusCode)
	}
	cu, err := c.Svc.Customer(context.Background(), &model.Caller{TenantID: c.Tenant.ID}, c.Customers["李四"].ID)
	must(t, err)
	if cu.Status != 2 || cu.OwnerID != c.Staff["rep"] {
		t.Errorf("after bulk: status %d owner %d", cu.Status, cu.OwnerID)
	}
	rep := c.client(t)
	csrf = rep.login("rep")
	_, list := rep.get("/customers")
	if strings.Contains(list, `<option value="delete">`) || strings.Contains(list, `<option value="owner">`) {
		t.Errorf("销售 offered delete or assign:\n%s", list)
	}
	resp, _ = rep.post("/customers/bulk", url.Values{"csrf_token": {csrf}, "action": {"delete"}, "ids": {itoa(c.Customers["张三"].ID)}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("销售 bulk delete: %d", resp.StatusCode)
	}
	if _, err := c.Svc.Customer(context.Background(), &model.Caller{TenantID: c.Tenant.ID}, c.Customers["张三"].ID); err != nil {
		t.Errorf("张三 after a refused delete: %v", err)
	}
}
