package crm_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/storetest"
)

// TestSavedViews: on both databases, a staff member saves, lists, renames,
// changes and deletes its views; another sees none of them until an
// administrator shares one; only an administrator shares; names are unique
// per owner; what a view saves is checked (filter syntax, sortable field,
// known columns); a tenant-level client has no views; another tenant's
// views do not exist.
func TestSavedViews(t *testing.T) {
	for _, dialect := range storetest.Databases {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, dialect)
			svc := crm.New(st, "CN", crm.China)
			tn, err := st.CreateTenant(ctx, "views")
			must(t, err)
			staff := func(tenant int64, name, role string) *model.Caller {
				r, err := st.RoleByKey(ctx, tenant, role)
				must(t, err)
				m := &model.Staff{Name: name, RoleID: r.ID}
				must(t, st.CreateStaff(ctx, tenant, m))
				c, err := svc.StaffCaller(ctx, tenant, m.ID, model.ViaNative, "")
				must(t, err)
				return c
			}
			rep, rep2, admin := staff(tn.ID, "李雷", model.RoleSales), staff(tn.ID, "韩梅梅", model.RoleSales), staff(tn.ID, "管理员", model.RoleAdmin)
			v, err := svc.CreateView(ctx, rep, &crm.ViewInput{Name: crm.Ptr("  本月新客户 "), Q: crm.Ptr("张"),
				Filter: crm.Ptr(`createdAt thisMonth`), Sort: crm.Ptr("-createdAt"), Columns: &[]string{"name", "phone", "name"}})
			must(t, err)
			if v.Name != "本月新客户" || v.StaffID != rep.StaffID || !slices.Equal(v.Columns, []string{"name", "phone"}) || v.Shared {
				t.Fatalf("created %+v", v)
			}
			names := func(c *model.Caller) []string {
				vs, err := svc.Views(ctx, c)
				must(t, err)
				var out []string
				for _, v := range vs {
					out = append(out, v.Name)
				}
				return out
			}
			if got := names(rep); !slices.Equal(got, []string{"本月新客户"}) {
				t.Errorf("rep's views %v", got)
			}
			if got := names(rep2); len(got) != 0 {
				t.Errorf("rep2 sees another's views: %v", got)
			}
			if _, err := svc.View(ctx, rep2, v.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("rep2 reads rep's view: %v", err)
			}
			if _, err := svc.UpdateView(ctx, rep2, v.ID, &crm.ViewInput{Name: crm.Ptr("x")}); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("rep2 renames rep's view: %v", err)
			}
			if err := svc.DeleteView(ctx, rep2, v.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("rep2 deletes rep's view: %v", err)
			}
			if _, err := svc.UpdateView(ctx, rep, v.ID, &crm.ViewInput{Shared: crm.Ptr(true)}); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("a 销售 shares a view: %v", err)
			}
			var ce *model.ConflictError
			if _, err := svc.CreateView(ctx, rep, &crm.ViewInput{Name: crm.Ptr("本月新客户")}); !errors.As(err, &ce) || ce.Field != "name" {
				t.Errorf("a second view of the same name: %v", err)
			}
			if _, err := svc.CreateView(ctx, rep2, &crm.ViewInput{Name: crm.Ptr("本月新客户")}); err != nil {
				t.Errorf("another staff member's view of the same name: %v", err)
			}
			for _, in := range []*crm.ViewInput{
				{},
				{Name: crm.Ptr("  ")},
				{Name: crm.Ptr("坏筛选"), Filter: crm.Ptr("name ==")},
				{Name: crm.Ptr("坏排序"), Sort: crm.Ptr("nosuchfield")},
				{Name: crm.Ptr("坏列"), Columns: &[]string{"name", "nosuchfield"}},
			} {
				var fe *model.FieldError
				if _, err := svc.CreateView(ctx, rep, in); !errors.As(err, &fe) {
					t.Errorf("create %+v: %v, want a field error", in, err)
				}
			}
			// Renamed and changed by its owner; an administrator's shared
			// view is seen by every staff member.
			u, err := svc.UpdateView(ctx, rep, v.ID, &crm.ViewInput{Name: crm.Ptr("我的客户"), Filter: crm.Ptr("")})
			must(t, err)
			if u.Name != "我的客户" || u.Filter != "" || u.Q != "张" || u.Sort != "-createdAt" {
				t.Errorf("updated %+v", u)
			}
			sh, err := svc.CreateView(ctx, admin, &crm.ViewInput{Name: crm.Ptr("全部 VIP"), Shared: crm.Ptr(true)})
			must(t, err)
			if got := names(rep); !slices.Equal(got, []string{"全部 VIP", "我的客户"}) && !slices.Equal(got, []string{"我的客户", "全部 VIP"}) {
				t.Errorf("rep's views with a shared one: %v", got)
			}
			if _, err := svc.View(ctx, rep2, sh.ID); err != nil {
				t.Errorf("rep2 reads the shared view: %v", err)
			}
			if err := svc.DeleteView(ctx, rep2, sh.ID); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("a 销售 deletes a shared view: %v", err)
			}
			// The administrator may share and unshare a view; unshared, it
			// is its owner's alone again.
			must(t, svc.DeleteView(ctx, rep, v.ID))
			if _, err := svc.View(ctx, rep, v.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("a deleted view: %v", err)
			}
			if _, err := svc.UpdateView(ctx, admin, sh.ID, &crm.ViewInput{Shared: crm.Ptr(false)}); err != nil {
				t.Fatal(err)
			}
			if got := names(rep2); !slices.Equal(got, []string{"本月新客户"}) {
				t.Errorf("rep2's views after unsharing: %v", got)
			}
			tenant := &model.Caller{TenantID: tn.ID, Via: model.ViaNative, ClientID: "c1"}
			if _, err := svc.Views(ctx, tenant); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("a tenant-level client lists views: %v", err)
			}
			other, err := st.CreateTenant(ctx, "other")
			must(t, err)
			outsider := staff(other.ID, "外人", model.RoleAdmin)
			if _, err := svc.View(ctx, outsider, sh.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("another tenant reads a view: %v", err)
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
