package crm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestClientCaller: a client acting as the tenant carries its binding and
// scopes; one acting as a staff member carries the member's role and
// department; a member given a role acts with it.
func TestClientCaller(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	svc := crm.New(st, "CN", crm.China)
	tn, _ := st.CreateTenant(ctx, "callers")
	d, _ := st.CreateDepartment(ctx, tn.ID, 0, "华东")
	m := &model.Staff{Name: "韩梅梅", DepartmentID: d.ID}
	if err := st.CreateStaff(ctx, tn.ID, m); err != nil {
		t.Fatal(err)
	}
	c, err := svc.ClientCaller(ctx, &model.Client{ClientID: "kh1_x", TenantID: tn.ID, ProjectID: 9, Scopes: []string{model.ScopeRead}}, model.ViaNative, "127.0.0.1")
	if err != nil || c.AsStaff() || c.ProjectID != 9 || c.TenantID != tn.ID || !c.Can(model.PermUnmask) || c.Can(model.PermCatalog) {
		t.Fatalf("tenant caller %+v %v", c, err)
	}
	c, err = svc.ClientCaller(ctx, &model.Client{ClientID: "kh1_x", TenantID: tn.ID, StaffID: m.ID}, model.ViaDashi, "")
	if err != nil || !c.AsStaff() || c.Role.Key != model.RoleSales || c.DeptID != d.ID || c.StaffName != "韩梅梅" || c.Can(model.PermUnmask) {
		t.Fatalf("staff caller %+v %v", c, err)
	}
	mgr, _ := st.RoleByKey(ctx, tn.ID, model.RoleManager)
	if err := st.SetStaffRole(ctx, tn.ID, m.ID, mgr.ID); err != nil {
		t.Fatal(err)
	}
	c, err = svc.StaffCaller(ctx, tn.ID, m.ID, model.ViaConsole, "")
	if err != nil || c.Role.Key != model.RoleManager || c.Role.Scope != model.DataDeptTree || !c.Can(model.PermUnmask) {
		t.Fatalf("manager %+v %v", c, err)
	}
	if _, err := svc.ClientCaller(ctx, &model.Client{ClientID: "kh1_x", TenantID: tn.ID, StaffID: 424242}, model.ViaNative, ""); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("a client acting as a missing staff member: %v", err)
	}
}
