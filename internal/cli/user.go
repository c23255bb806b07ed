package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
)

// runUser: kehu user create — give a staff member (an existing one, or a
// new one by name) a login with a role.
func runUser(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: kehu user create --tenant ID (--staff ID | --name NAME) (--username NAME | --phone NUMBER) (--password-stdin | --password P) [--role admin|manager|sales|readonly|ID]")
	}
	return createUser(ctx, env, "user create", args[1:], "")
}

// runAdmin: kehu admin create — the first administrator of a tenant (the
// 管理员 role); --super also lets them manage every tenant.
func runAdmin(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: kehu admin create --tenant ID (--staff ID | --name NAME) (--username NAME | --phone NUMBER) (--password-stdin | --password P) [--super]")
	}
	return createUser(ctx, env, "admin create", args[1:], model.RoleAdmin)
}

func createUser(ctx context.Context, env *Env, name string, args []string, fixedRole string) error {
	f := newFlags(name, env)
	f.secretKeyFlag()
	tenant := f.Int64("tenant", 0, "tenant id")
	staffID := f.Int64("staff", 0, "the staff member who gets the login")
	staffName := f.String("name", "", "create a new staff member with this name instead of --staff")
	dept := f.Int64("department", 0, "department of the new staff member (with --name)")
	username := f.String("username", "", "login name")
	phoneNum := f.String("phone", "", "phone number to log in with (and of a new staff member)")
	password := f.String("password", "", "password (prefer --password-stdin or KEHU_PASSWORD: command lines are visible to other users)")
	fromStdin := f.Bool("password-stdin", false, "read the password from the first line of standard input")
	role := f.String("role", model.RoleSales, "role: a built-in key (admin, manager, sales, readonly) or a role id")
	super := new(bool)
	if fixedRole != "" {
		super = f.Bool("super", false, "super-administrator: may also create and list every tenant (GET/POST /v1/admin/tenants)")
	}
	if err := f.parse(args); err != nil {
		return err
	}
	if fixedRole != "" {
		*role = fixedRole
	}
	switch {
	case *tenant == 0:
		return fmt.Errorf("--tenant is required")
	case (*staffID == 0) == (*staffName == ""):
		return fmt.Errorf("give exactly one of --staff ID (an existing staff member) and --name NAME (a new one)")
	case *fromStdin && *password != "":
		return fmt.Errorf("give --password or --password-stdin, not both")
	}
	if *fromStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("--password-stdin: no password on standard input")
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	if *password == "" {
		return fmt.Errorf("a password is required (--password-stdin, --password or KEHU_PASSWORD)")
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, au, err := f.services(st)
	if err != nil {
		return err
	}
	if _, err := st.Tenant(ctx, *tenant); err != nil {
		return fmt.Errorf("tenant %d: %w", *tenant, err)
	}
	r, err := st.RoleByKey(ctx, *tenant, *role)
	if err != nil {
		id, perr := strconv.ParseInt(*role, 10, 64)
		if perr != nil {
			return fmt.Errorf("--role %q: no such role (built in: admin, manager, sales, readonly)", *role)
		}
		if r, err = st.Role(ctx, *tenant, id); err != nil {
			return fmt.Errorf("--role %d: %w", id, err)
		}
	}
	by := operator(*tenant)
	nl := people.NewLogin{StaffID: *staffID, Username: *username, Phone: *phoneNum, Password: *password, SuperAdmin: *super}
	if *staffName != "" {
		nl.NewStaff = &model.Staff{Name: strings.TrimSpace(*staffName), DepartmentID: *dept, Phone: *phoneNum, RoleID: r.ID}
	}
	ps := &people.Service{Store: st, Keys: au.Keys, CRM: svc}
	l, err := ps.CreateLogin(ctx, by, *tenant, nl)
	if err != nil {
		return err
	}
	if *staffName == "" { // the role changes only once the login exists
		if err := st.SetStaffRole(ctx, *tenant, *staffID, r.ID); err != nil {
			return fmt.Errorf("staff %d: %w", *staffID, err)
		}
		if err := audit.Record(ctx, st, by, audit.UserRoleChanged, audit.Staff(*staffID), map[string]any{"roleId": r.ID}); err != nil {
			return err
		}
	}
	*staffID = l.StaffID
	out := map[string]any{"tenantId": *tenant, "staffId": *staffID, "role": r.Key, "roleId": r.ID}
	if l.Username != "" {
		out["username"] = l.Username
	}
	if l.Phone != "" {
		out["phone"] = l.Phone
	}
	if l.SuperAdmin {
		out["superAdmin"] = true
	}
	return printJSON(env.Stdout, out)
}
