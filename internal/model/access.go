package model

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is the shared contract of kehu's access model: who is asking
// (Caller), what data they may see (DataScope, 数据权限) and what they may do
// (Permission). The rules that apply them live once, in package crm; the
// APIs, the importer, the exporter and the console only build a Caller.

// Scopes beyond customers:read/write that API clients may hold.
const (
	ScopeCatalogWrite = "catalog:write" // change the tenant-wide catalogue (fields, tags, stages, departments, staff)
	ScopeAdmin        = "admin"         // manage users, roles, projects and API clients
)

// DataScope says which customers a staff member sees (数据权限).
type DataScope string

const (
	DataSelf     DataScope = "self"     // 本人: customers they own
	DataDept     DataScope = "dept"     // 本部门: customers owned by anyone of their department
	DataDeptTree DataScope = "deptTree" // 本部门及下级: their department and every department below it
	DataAll      DataScope = "all"      // 全公司: the whole tenant
)

// Valid reports whether s is one of the four data scopes.
func (s DataScope) Valid() bool {
	return s == DataSelf || s == DataDept || s == DataDeptTree || s == DataAll
}

// Permission is one thing a role allows.
type Permission string

const (
	PermCreate  Permission = "customer.create"
	PermEdit    Permission = "customer.edit"
	PermDelete  Permission = "customer.delete"
	PermExport  Permission = "customer.export"
	PermImport  Permission = "customer.import"
	PermAssign  Permission = "customer.assign" // assign and transfer owners (主管, 管理员)
	PermUnmask  Permission = "customer.unmask" // see full phone, email and id number (no 脱敏)
	PermCatalog Permission = "catalog.manage"  // custom fields, tags, stages, departments, staff
	PermAdmin   Permission = "admin.manage"    // users, roles, projects, API clients, audit log
)

// AllPermissions lists every permission in a stable order.
var AllPermissions = []Permission{PermCreate, PermEdit, PermDelete, PermExport, PermImport, PermAssign,
	PermUnmask, PermCatalog, PermAdmin}

// Built-in role keys; each tenant gets these roles and may edit them.
const (
	RoleAdmin    = "admin"    // 管理员
	RoleManager  = "manager"  // 主管
	RoleSales    = "sales"    // 销售
	RoleReadOnly = "readonly" // 只读
)

// Role is a named data scope plus permissions.
type Role struct {
	ID       int64        `json:"id"`
	TenantID int64        `json:"tenantId"`
	Key      string       `json:"key"` // built-in key, or empty for a tenant's own role
	Name     string       `json:"name"`
	Scope    DataScope    `json:"dataScope"`
	Collab   bool         `json:"collaborations"` // 协作: also the customers they collaborate on
	Perms    []Permission `json:"permissions"`
	BuiltIn  bool         `json:"builtIn"`
}

// BuiltInRoles returns the four roles every tenant starts with, in display
// order. Tenants may edit them (name, scope, permissions) but not delete them.
//
//   - 管理员: the whole tenant, every permission.
//   - 主管: their department and every department below it, plus the
//     customers they collaborate on; create, edit, delete, assign/transfer,
//     import, export and full phone numbers — everything but the catalogue
//     and administration.
//   - 销售: the customers they own or collaborate on; create and edit. Phone,
//     email and id number are masked (脱敏): a rep works a customer through
//     kehu, not through a copied list.
//   - 只读: the whole tenant, read only and masked (auditors, analysts).
func BuiltInRoles() []Role {
	return []Role{
		{Key: RoleAdmin, Name: "管理员", Scope: DataAll, Perms: slices.Clone(AllPermissions), BuiltIn: true},
		{Key: RoleManager, Name: "主管", Scope: DataDeptTree, Collab: true, BuiltIn: true,
			Perms: []Permission{PermCreate, PermEdit, PermDelete, PermExport, PermImport, PermAssign, PermUnmask}},
		{Key: RoleSales, Name: "销售", Scope: DataSelf, Collab: true, BuiltIn: true, Perms: []Permission{PermCreate, PermEdit}},
		{Key: RoleReadOnly, Name: "只读", Scope: DataAll, BuiltIn: true, Perms: []Permission{}},
	}
}

// DefaultRole is the built-in role of a staff member who has none assigned.
const DefaultRole = RoleSales

// ValidPermission reports whether p is one of AllPermissions.
func ValidPermission(p Permission) bool { return slices.Contains(AllPermissions, p) }

// Has reports whether the role grants p.
func (r *Role) Has(p Permission) bool { return r != nil && slices.Contains(r.Perms, p) }

// Via names the door a request came through; recorded in history and audit.
type Via string

const (
	ViaNative  Via = "native"
	ViaDashi   Via = "dashi"
	ViaTanma   Via = "tanma"
	ViaYeastar Via = "yeastar"
	ViaConsole Via = "console"
	ViaImport  Via = "import"
	ViaCLI     Via = "cli"
	ViaSystem  Via = "system" // background work: recycling
	ViaSync    Via = "sync"   // kehu sync: customers pulled from 达实, 探马 or Yeastar
)

// Actor kinds.
const (
	ActorStaff  = "staff"
	ActorClient = "client"
	// ActorSystem is kehu's own background work writing customers (kehu
	// sync, named by its platform in the actor's id and name).
	ActorSystem = "system"
)

// Caller is who is asking, carried into every crm call.
//
// A Caller with StaffID == 0 acts as the tenant (an API client not bound to a
// staff member, the CLI, background work): it sees every customer of the
// tenant, or of ProjectID when bound. A Caller with a StaffID acts as that
// staff member: Role decides the data scope and the permissions, and the
// project binding (if any) narrows further.
type Caller struct {
	TenantID   int64
	ProjectID  int64  // 0: not bound to a project
	ClientID   string // the API client, when the request came with one
	ClientName string
	StaffID    int64 // the staff member acted as, 0 for none
	StaffName  string
	DeptID     int64 // the staff member's department, 0 for none
	Role       *Role // nil: acts as the tenant with every permission the scopes allow
	// Depts is the staff member's visible department set for a dept or
	// deptTree scope: their department (dept), or it and every department
	// below it (deptTree). Filled by whoever builds the caller.
	Depts  []int64
	Scopes []string
	Via    Via
	Addr   string // remote address, for the audit log
}

// Session names whose writes this caller's reads must see, on every node
// and replica ("staff:<id>" or "client:<id>", from Actor): a client acting
// as a staff member shares that member's console session. Empty for no one.
func (c *Caller) Session() string { return c.Actor().Session() }

// Actor is the name written into created/updated-by for this caller.
func (c *Caller) Actor() Actor {
	switch {
	case c.StaffID != 0:
		return Actor{ID: strconv.FormatInt(c.StaffID, 10), Name: c.StaffName, Kind: ActorStaff}
	case c.ClientID != "" && c.ClientName != "":
		return Actor{ID: c.ClientID, Name: c.ClientName, Kind: ActorClient}
	case c.ClientID != "":
		return Actor{ID: c.ClientID, Name: c.ClientID, Kind: ActorClient}
	}
	return Actor{}
}

// AsStaff reports whether the caller acts as a staff member (data scope applies).
func (c *Caller) AsStaff() bool { return c.StaffID != 0 && c.Role != nil }

// Can reports whether the caller holds permission p. A tenant-level caller
// holds every customer permission its scopes allow.
func (c *Caller) Can(p Permission) bool {
	if c.AsStaff() {
		return c.Role.Has(p)
	}
	switch p {
	case PermCatalog:
		return c.ClientID == "" || slices.Contains(c.Scopes, ScopeCatalogWrite) || slices.Contains(c.Scopes, ScopeAdmin)
	case PermAdmin:
		return c.ClientID == "" || slices.Contains(c.Scopes, ScopeAdmin)
	}
	return true
}

// ErrForbidden: the caller may see the record (or needs no record) but lacks
// the permission or scope for the action. Each API maps it to its own
// "forbidden" answer. A record the caller may not see is ErrNotFound, never
// ErrForbidden, so its existence does not leak.
var ErrForbidden = errors.New("forbidden")

// PermissionError is ErrForbidden naming what was missing.
type PermissionError struct {
	Perm  Permission // the missing permission, or ""
	Scope string     // the missing API client scope, or ""
}

func (e *PermissionError) Error() string {
	switch {
	case e.Scope != "":
		return "this client lacks the " + e.Scope + " scope"
	case e.Perm != "":
		return "your role lacks the " + string(e.Perm) + " permission"
	}
	return "forbidden"
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *PermissionError) Is(target error) bool { return target == ErrForbidden }

// Validate checks a role as written by an administrator: a name of 1–50
// characters, a valid data scope and known permissions (deduplicated and put
// in canonical order here).
func (r *Role) Validate() error {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return &FieldError{Field: "name", Code: "required", Msg: "is required"}
	}
	if n := utf8.RuneCountInString(r.Name); n > 50 {
		return &FieldError{Field: "name", Code: "too_long", Msg: fmt.Sprintf("is %d characters long; the limit is 50", n)}
	}
	if !r.Scope.Valid() {
		return Invalid("dataScope", "%q is not a data scope (want self, dept, deptTree or all)", r.Scope)
	}
	out := []Permission{}
	for _, p := range AllPermissions {
		if slices.Contains(r.Perms, p) {
			out = append(out, p)
		}
	}
	for _, p := range r.Perms {
		if !ValidPermission(p) {
			return Invalid("permissions", "unknown permission %q", p)
		}
	}
	r.Perms = out
	return nil
}
