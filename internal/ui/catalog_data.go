package ui

import (
	"context"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// The catalogue pages read the catalogue here and change it through the
// native API (/v1/fields, /v1/tags, /v1/tag-groups, /v1/stages,
// /v1/departments, /v1/staff; static/admin-api.js), whose handlers hold
// the validation and the catalog.manage check.

// catalogData is the catalogue as its pages show it.
type catalogData struct {
	CanEdit      bool // catalog.manage: the forms are shown
	CanRole      bool // admin.manage: a new staff member may be given a role
	Fields       []model.Field
	CustomFields []model.Field
	SystemFields []model.Field // the fixed ones, pinyin and other derived ones included
	CustomTypes  []model.FieldType
	TagGroups    []model.TagGroup
	Stages       []model.Stage
	Departments  []deptNode
	Staff        []staffRow
	Roles        []model.Role
}

// deptNode is a department with its depth in the tree.
type deptNode struct {
	model.Department
	Depth  int
	Parent string
}

// staffRow is a staff member with their department's and role's names.
type staffRow struct {
	model.Staff
	Department, Role string
}

func loadCatalog(ctx context.Context, svc *crm.Service, caller *model.Caller) (*catalogData, error) {
	st := svc.Store
	t := caller.TenantID
	d := &catalogData{CanEdit: caller.Can(model.PermCatalog), CanRole: caller.Can(model.PermAdmin), CustomTypes: model.CustomTypes}
	cat, err := st.LoadCatalog(ctx, t)
	if err != nil {
		return nil, err
	}
	d.Fields = cat.List()
	for _, f := range d.Fields {
		if f.System {
			d.SystemFields = append(d.SystemFields, f)
		} else {
			d.CustomFields = append(d.CustomFields, f)
		}
	}
	if d.TagGroups, err = st.TagGroups(ctx, t); err != nil {
		return nil, err
	}
	if d.Stages, err = st.Stages(ctx, t); err != nil {
		return nil, err
	}
	dir, err := loadDirectory(ctx, svc, caller)
	if err != nil {
		return nil, err
	}
	d.Departments, d.Roles, d.Staff = dir.Departments, dir.Roles, dir.Staff
	return d, nil
}

// directory is the staff members the caller may list (crm.Staff) with
// their departments' and roles' names, and the tenant's departments and
// roles: what the catalogue's staff page and the users page show.
type directory struct {
	Staff       []staffRow
	Departments []deptNode
	Roles       []model.Role
}

func loadDirectory(ctx context.Context, svc *crm.Service, caller *model.Caller) (*directory, error) {
	d := &directory{}
	depts, err := svc.Store.Departments(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	d.Departments = deptTree(depts)
	deptName := map[int64]string{}
	for _, n := range depts {
		deptName[n.ID] = n.Name
	}
	if d.Roles, err = svc.Store.Roles(ctx, caller.TenantID); err != nil {
		return nil, err
	}
	roleName := map[int64]string{}
	defaultRole := ""
	for _, r := range d.Roles {
		roleName[r.ID] = r.Name
		if r.Key == model.DefaultRole {
			defaultRole = r.Name
		}
	}
	staff, err := svc.Staff(ctx, caller)
	if err != nil {
		return nil, err
	}
	for _, s := range staff {
		row := staffRow{Staff: s, Department: deptName[s.DepartmentID], Role: roleName[s.RoleID]}
		if s.RoleID == 0 {
			row.Role = defaultRole
		}
		d.Staff = append(d.Staff, row)
	}
	return d, nil
}

// deptTree orders departments parents first (the store's path order) and
// gives each its depth, read from the path "/root/…/id/".
func deptTree(depts []model.Department) []deptNode {
	name := map[int64]string{}
	for _, d := range depts {
		name[d.ID] = d.Name
	}
	out := make([]deptNode, 0, len(depts))
	for _, d := range depts {
		depth := strings.Count(strings.Trim(d.Path, "/"), "/")
		out = append(out, deptNode{Department: d, Depth: depth, Parent: name[d.ParentID]})
	}
	return out
}
