package ui

import "net/http"

// The administration pages' views: the section (for the sub-navigation)
// and the page's data.
type (
	usersView struct {
		Section string
		*usersData
	}
	clientsView struct {
		Section string
		*clientsData
	}
	auditView struct {
		Section string
		*auditData
	}
	sessionsView struct {
		Section  string
		Sessions []sessionRow
	}
)

// GET /admin/users: staff, their logins and roles.
func (p *pages2) adminUsers(w http.ResponseWriter, r *http.Request) {
	d, err := loadUsers(r.Context(), p.svc, p.caller(r))
	p.page(w, r, "admin.users", "admin_users", &usersView{"users", d}, err)
}

// GET /admin/roles: the roles, editable.
func (p *pages2) adminRoles(w http.ResponseWriter, r *http.Request) {
	d, err := loadUsers(r.Context(), p.svc, p.caller(r))
	p.page(w, r, "admin.roles", "admin_roles", &usersView{"roles", d}, err)
}

// GET /admin/clients: API clients; a created or rotated secret is shown
// once, by the page's script, from the API's answer — never stored here.
func (p *pages2) adminClients(w http.ResponseWriter, r *http.Request) {
	d, err := loadClients(r.Context(), p.svc, p.caller(r))
	p.page(w, r, "admin.clients", "admin_clients", &clientsView{"clients", d}, err)
}

// GET /admin/audit?actor=&action=&target=&from=&to=&cursor=: the log,
// newest first, fifty a page.
func (p *pages2) adminAudit(w http.ResponseWriter, r *http.Request) {
	d, err := loadAudit(r.Context(), p.svc, p.caller(r), r.URL.Query())
	p.page(w, r, "admin.audit", "admin_audit", &auditView{"audit", d}, err)
}

// GET /admin/sessions: every live session of the tenant's logins.
func (p *pages2) adminSessions(w http.ResponseWriter, r *http.Request) {
	ss, err := loadSessions(r.Context(), p.svc, p.people, p.caller(r), p.sessionID(r))
	p.page(w, r, "admin.sessions", "admin_sessions", &sessionsView{"sessions", ss}, err)
}
