package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/store"
)

// demoPassword is the password of the demo's staff logins. The demo is a
// local playground (it listens on 127.0.0.1 by default); a real tenant's
// first administrator is made with `kehu user create`.
const demoPassword = "kehu-demo"

// demoLogin is a staff login of the demo tenant, printed by kehu demo.
type demoLogin struct {
	Username, Role, Staff, What string
}

// demoLogins gives the demo tenant its three staff logins, once: admin
// (管理员, a new staff member), manager (主管 of 销售部 and its regions, a new
// staff member) and sales (销售: the first seeded owner, in 华南区, with
// their own customers). They show the permission model in the console.
func demoLogins(ctx context.Context, st *store.Store, ppl *people.Service, tenantID int64) ([]demoLogin, error) {
	out := []demoLogin{
		{Username: "admin", Role: "管理员", Staff: "演示管理员", What: "everything: all customers, import, export, catalogue, administration"},
		{Username: "manager", Role: "主管", Staff: "演示主管", What: "the customers of 销售部 and its regions; assign and transfer"},
		{Username: "sales", Role: "销售", What: "own customers only; phone numbers and emails masked"},
	}
	staff, err := st.StaffList(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if len(staff) == 0 {
		return nil, fmt.Errorf("the demo tenant has no staff; remove the data directory to start over")
	}
	sales := staff[0]
	for _, s := range staff[1:] {
		if s.ID < sales.ID && s.Name != "演示管理员" && s.Name != "演示主管" {
			sales = s
		}
	}
	out[2].Staff = sales.Name
	if _, err := st.LoginByName(ctx, tenantID, "admin", ""); err == nil {
		return out, nil // made on an earlier start
	} else if !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	depts, err := st.Departments(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var salesDept int64
	for _, d := range depts {
		if d.Name == "销售部" {
			salesDept = d.ID
		}
	}
	by := crm.TenantCaller(tenantID, 0, model.ViaCLI)
	for _, l := range []struct {
		user, role string
		staff      *model.Staff
		id         int64
	}{
		{"admin", model.RoleAdmin, &model.Staff{Name: "演示管理员"}, 0},
		{"manager", model.RoleManager, &model.Staff{Name: "演示主管", DepartmentID: salesDept}, 0},
		{"sales", model.RoleSales, nil, sales.ID},
	} {
		r, err := st.RoleByKey(ctx, tenantID, l.role)
		if err != nil {
			return nil, err
		}
		in := people.NewLogin{StaffID: l.id, Username: l.user, Password: demoPassword}
		if l.staff != nil {
			l.staff.RoleID = r.ID
			in.NewStaff = l.staff
		} else if err := st.SetStaffRole(ctx, tenantID, l.id, r.ID); err != nil {
			return nil, err
		}
		if _, err := ppl.CreateLogin(ctx, by, tenantID, in); err != nil {
			return nil, fmt.Errorf("demo login %s: %w", l.user, err)
		}
	}
	return out, nil
}

func printConsole(w io.Writer, base string, logins []demoLogin) {
	fmt.Fprintf(w, "\nWeb console: %s/   (sign in with one of these; password for all: %s)\n\n", base, demoPassword)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-8s %s  %s — %s\n", l.Username, l.Role, l.Staff, l.What)
	}
}
