package crm

import (
	"context"
	"strings"

	"github.com/kehu/kehu/internal/model"
)

// The directory: which projects and staff members a caller may list. Decided
// here with the customers' visibility, so /v1/projects, /v1/staff (and the
// admin API's project list) answer the same for every caller kind:
//
//   - projects: a caller bound to a project sees that project only (it may
//     not read or write any other, so it has no use for their names and
//     must not learn them); every unbound caller sees the tenant's projects
//     (a 销售 files customers into them);
//   - staff: a caller acting as a staff member sees the staff of the
//     departments its data scope reaches — 全公司 everyone; 本部门及下级 its
//     department and below; 本部门 and 本人 its own department (a 销售 sees
//     the colleagues it may name as collaborators, not the company's
//     directory with their phone numbers) — and always itself; a member
//     without a department sees only itself. A caller acting as the tenant
//     (bound or not) sees every staff member: staff are not kept per project
//     and such a client assigns owners.

// Projects lists the projects the caller may see.
func (s *Service) Projects(ctx context.Context, caller *model.Caller) ([]model.Project, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	all, err := s.Store.Projects(ctx, caller.TenantID)
	if err != nil || caller.ProjectID == 0 {
		return all, err
	}
	out := []model.Project{}
	for _, p := range all {
		if p.ID == caller.ProjectID {
			out = append(out, p)
		}
	}
	return out, nil
}

// Staff lists the staff members the caller may see.
func (s *Service) Staff(ctx context.Context, caller *model.Caller) ([]model.Staff, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	all, err := s.Store.StaffList(ctx, caller.TenantID)
	if err != nil || !caller.AsStaff() || caller.Role.Scope == model.DataAll {
		return all, err
	}
	reach := map[int64]bool{}
	if caller.DeptID != 0 {
		reach[caller.DeptID] = true
		if caller.Role.Scope == model.DataDeptTree {
			depts, err := s.Store.Departments(ctx, caller.TenantID)
			if err != nil {
				return nil, err
			}
			var own string
			for _, d := range depts {
				if d.ID == caller.DeptID {
					own = d.Path
				}
			}
			for _, d := range depts {
				if own != "" && strings.HasPrefix(d.Path, own) {
					reach[d.ID] = true
				}
			}
		}
	}
	out := []model.Staff{}
	for _, m := range all {
		if m.ID == caller.StaffID || (m.DepartmentID != 0 && reach[m.DepartmentID]) {
			out = append(out, m)
		}
	}
	return out, nil
}
