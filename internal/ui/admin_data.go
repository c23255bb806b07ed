package ui

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
)

// The administration pages (admin.manage) read here and change through the
// admin API (/v1/admin/…; static/admin-api.js), whose handlers write the
// audit log: users and roles, API clients, the audit log, sessions.

// needAdmin is the administration pages' gate: admin.manage, and no
// project binding (a project-bound caller manages nothing tenant-wide, as
// in the admin API).
func needAdmin(caller *model.Caller) error {
	if err := crm.Need(caller, model.PermAdmin); err != nil {
		return err
	}
	if caller.ProjectID != 0 {
		return &model.PermissionError{Perm: model.PermAdmin}
	}
	return nil
}

// userRow is a staff member with their login (nil: none), role and
// department.
type userRow struct {
	staffRow
	Login *model.Login
	Self  bool // the signed-in staff member
}

type usersData struct {
	Users       []userRow
	Roles       []model.Role
	Departments []deptNode
	Perms       []model.Permission
	Scopes      []model.DataScope
}

func loadUsers(ctx context.Context, svc *crm.Service, caller *model.Caller) (*usersData, error) {
	if err := needAdmin(caller); err != nil {
		return nil, err
	}
	d := &usersData{Perms: model.AllPermissions,
		Scopes: []model.DataScope{model.DataSelf, model.DataDept, model.DataDeptTree, model.DataAll}}
	dir, err := loadDirectory(ctx, svc, caller)
	if err != nil {
		return nil, err
	}
	d.Roles, d.Departments = dir.Roles, dir.Departments
	logins, err := svc.Store.Logins(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	by := map[int64]*model.Login{}
	for i := range logins {
		by[logins[i].StaffID] = &logins[i]
	}
	for _, s := range dir.Staff {
		d.Users = append(d.Users, userRow{staffRow: s, Login: by[s.ID], Self: s.ID == caller.StaffID})
	}
	return d, nil
}

// clientRow is an API client as the clients page lists it.
type clientRow struct {
	model.Client
	Revoked bool
	Project string
	Staff   string
}

type clientsData struct {
	Clients  []clientRow
	Projects []model.Project
	Staff    []model.Staff
	Scopes   []string
}

func loadClients(ctx context.Context, svc *crm.Service, caller *model.Caller) (*clientsData, error) {
	if err := needAdmin(caller); err != nil {
		return nil, err
	}
	st, t := svc.Store, caller.TenantID
	d := &clientsData{Scopes: auth.AllScopes}
	var err error
	if d.Projects, err = svc.Projects(ctx, caller); err != nil {
		return nil, err
	}
	if d.Staff, err = svc.Staff(ctx, caller); err != nil {
		return nil, err
	}
	pname, sname := map[int64]string{}, map[int64]string{}
	for _, p := range d.Projects {
		pname[p.ID] = p.Name
	}
	for _, s := range d.Staff {
		sname[s.ID] = s.Name
	}
	cs, err := st.Clients(ctx, t)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		d.Clients = append(d.Clients, clientRow{Client: c.Client, Revoked: c.Revoked, Project: pname[c.ProjectID], Staff: sname[c.StaffID]})
	}
	return d, nil
}

// auditData is one page of the audit log and its filter.
type auditData struct {
	Actor, Action, Target, From, To string
	Entries                         []model.AuditEntry
	Next                            string // the cursor of the next page, "" at the end
	Error                           string // a filter value that does not parse
	Actions                         []string
}

const auditPageSize = 50

func loadAudit(ctx context.Context, svc *crm.Service, caller *model.Caller, q url.Values) (*auditData, error) {
	if err := needAdmin(caller); err != nil {
		return nil, err
	}
	d := &auditData{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Target: strings.TrimSpace(q.Get("target")), From: q.Get("from"), To: q.Get("to"), Actions: auditActions}
	f := model.AuditFilter{ActorID: d.Actor, Action: d.Action, Target: d.Target, Limit: auditPageSize + 1}
	day := func(v string, end bool) (time.Time, bool) {
		if v == "" {
			return time.Time{}, true
		}
		t, err := time.ParseInLocation("2006-01-02", v, defaultZone)
		if err != nil {
			return time.Time{}, false
		}
		if end {
			t = t.AddDate(0, 0, 1).Add(-time.Millisecond)
		}
		return t, true
	}
	var ok bool
	if f.From, ok = day(d.From, false); !ok {
		d.Error = "from: use a date such as 2026-01-31"
		return d, nil
	}
	if f.To, ok = day(d.To, true); !ok {
		d.Error = "to: use a date such as 2026-01-31"
		return d, nil
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 36, 64)
		if err != nil || n <= 0 {
			d.Error = "cursor: not a page of this log"
			return d, nil
		}
		f.BeforeID = n
	}
	items, err := audit.Query(ctx, svc.Store, caller.TenantID, f)
	if err != nil {
		return nil, err
	}
	if len(items) > auditPageSize {
		items = items[:auditPageSize]
		d.Next = strconv.FormatInt(items[auditPageSize-1].ID, 36)
	}
	d.Entries = items
	return d, nil
}

// auditActions are offered in the action filter: areas ("auth.") and
// the actions admins look for most.
var auditActions = []string{"auth.", "client.", "user.", "role.", "customer.export", "customer.import", "customer.unmask", "customer.delete"}

// sessionRow is a live session with whose it is.
type sessionRow struct {
	model.Session
	Staff   string
	Current bool
}

func loadSessions(ctx context.Context, svc *crm.Service, ppl *people.Service, caller *model.Caller, currentID int64) ([]sessionRow, error) {
	if err := needAdmin(caller); err != nil {
		return nil, err
	}
	st, t := svc.Store, caller.TenantID
	staff, err := svc.Staff(ctx, caller)
	if err != nil {
		return nil, err
	}
	name := map[int64]string{}
	for _, s := range staff {
		name[s.ID] = s.Name
	}
	logins, err := st.Logins(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []sessionRow
	for _, l := range logins {
		ss, err := ppl.Sessions(ctx, t, l.StaffID)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			out = append(out, sessionRow{Session: s, Staff: name[s.StaffID], Current: s.ID == currentID})
		}
	}
	return out, nil
}

// NextURL is the next page of the log under the same filter.
func (d *auditData) NextURL() string {
	q := url.Values{}
	for k, v := range map[string]string{"actor": d.Actor, "action": d.Action, "target": d.Target, "from": d.From, "to": d.To, "cursor": d.Next} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return "/admin/audit?" + q.Encode()
}
