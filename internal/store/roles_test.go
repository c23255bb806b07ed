package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestRoles: a tenant starts with the four built-in roles; they can be
// edited but not deleted; a tenant's own role can be made, held by staff
// (then not deleted) and deleted; staff without a role act with the
// default; a client can act as a staff member of its own tenant only.
func TestRoles(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tn, _ := st.CreateTenant(ctx, "roles")
		other, _ := st.CreateTenant(ctx, "other")
		roles, err := st.Roles(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := model.BuiltInRoles()
		if len(roles) != len(want) {
			t.Fatalf("roles %+v", roles)
		}
		for i, r := range roles {
			if r.Key != want[i].Key || r.Name != want[i].Name || r.Scope != want[i].Scope || r.Collab != want[i].Collab ||
				!r.BuiltIn || len(r.Perms) != len(want[i].Perms) {
				t.Fatalf("role %d = %+v, want %+v", i, r, want[i])
			}
		}
		sales, err := st.RoleByKey(ctx, tn.ID, model.RoleSales)
		if err != nil || sales.Has(model.PermUnmask) || !sales.Has(model.PermEdit) {
			t.Fatalf("sales %+v %v", sales, err)
		}
		sales.Perms = append(sales.Perms, model.PermUnmask, model.PermUnmask)
		sales.Name = "销售代表"
		if err := st.UpdateRole(ctx, sales); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Role(ctx, tn.ID, sales.ID); got.Name != "销售代表" || !got.Has(model.PermUnmask) || len(got.Perms) != 3 || got.Key != model.RoleSales {
			t.Fatalf("after edit %+v", got)
		}
		if err := st.DeleteRole(ctx, tn.ID, sales.ID); err == nil {
			t.Fatal("built-in role deleted")
		}
		bad := &model.Role{Name: "x", Scope: "team"}
		if err := st.CreateRole(ctx, tn.ID, bad); err == nil {
			t.Fatal("unknown scope accepted")
		}
		bad = &model.Role{Name: "x", Scope: model.DataSelf, Perms: []model.Permission{"customer.fly"}}
		if err := st.CreateRole(ctx, tn.ID, bad); err == nil {
			t.Fatal("unknown permission accepted")
		}
		own := &model.Role{Name: "客服", Scope: model.DataDept, Perms: []model.Permission{model.PermEdit}}
		if err := st.CreateRole(ctx, tn.ID, own); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateRole(ctx, tn.ID, &model.Role{Name: "客服", Scope: model.DataAll}); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := st.Role(ctx, other.ID, own.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("another tenant's role: %v", err)
		}
		d, _ := st.CreateDepartment(ctx, tn.ID, 0, "华南")
		m := &model.Staff{Name: "李雷", DepartmentID: d.ID}
		if err := st.CreateStaff(ctx, tn.ID, m); err != nil {
			t.Fatal(err)
		}
		if _, r, err := st.StaffRole(ctx, tn.ID, m.ID); err != nil || r.Key != model.DefaultRole {
			t.Fatalf("default role %+v %v", r, err)
		}
		if err := st.SetStaffRole(ctx, tn.ID, m.ID, own.ID); err != nil {
			t.Fatal(err)
		}
		if got, r, err := st.StaffRole(ctx, tn.ID, m.ID); err != nil || r.ID != own.ID || got.DepartmentID != d.ID || got.RoleID != own.ID {
			t.Fatalf("staff role %+v %+v %v", got, r, err)
		}
		if err := st.SetStaffRole(ctx, tn.ID, m.ID, 12345); err == nil {
			t.Fatal("unknown role accepted")
		}
		var fe *model.FieldError
		if err := st.DeleteRole(ctx, tn.ID, own.ID); !errors.As(err, &fe) || fe.Code != "in_use" {
			t.Fatalf("delete a held role: %v", err)
		}
		if err := st.SetStaffRole(ctx, tn.ID, m.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteRole(ctx, tn.ID, own.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateStaff(ctx, other.ID, &model.Staff{Name: "x", RoleID: sales.ID}); err == nil {
			t.Fatal("staff given another tenant's role")
		}

		c := &model.Client{ClientID: "kh1_aaaaaaaaaaaaaaaaaaaa", TenantID: tn.ID, StaffID: m.ID, Scopes: []string{model.ScopeRead}, SecretVersion: 1}
		if err := st.CreateClient(ctx, c, []byte("sealed")); err != nil {
			t.Fatal(err)
		}
		got, err := st.Client(ctx, tn.ID, c.ClientID)
		if err != nil || got.StaffID != m.ID {
			t.Fatalf("client %+v %v", got, err)
		}
		if err := st.SetClientStaff(ctx, tn.ID, c.ClientID, 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Client(ctx, tn.ID, c.ClientID); got.StaffID != 0 {
			t.Fatalf("client still acts as %d", got.StaffID)
		}
		oc := &model.Client{ClientID: "kh2_aaaaaaaaaaaaaaaaaaaa", TenantID: other.ID, StaffID: m.ID, Scopes: []string{model.ScopeRead}, SecretVersion: 1}
		if err := st.CreateClient(ctx, oc, []byte("sealed")); err == nil {
			t.Fatal("a client acts as another tenant's staff")
		}
	})
}
