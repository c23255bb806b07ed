package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
)

// The admin API (/v1/admin/…): everything the CLI does to a tenant, for an
// API client with the admin scope or a staff member whose role has
// admin.manage. Tenants are for the super-administrator only. Every change
// is written to the audit log.

// adminTenant is the tenant an admin request manages. A project-bound
// client manages nothing tenant-wide.
func adminTenant(r *http.Request) (int64, error) {
	cl := callerOf(r.Context()).client
	if cl.ProjectID != 0 {
		return 0, problem(403, "project_forbidden", "", "a project-bound client cannot use the admin API")
	}
	return cl.TenantID, nil
}

// Tenants (super-administrator).

func superAdmin(r *http.Request) error {
	if s := callerOf(r.Context()).session; s != nil && s.Login.SuperAdmin {
		return nil
	}
	return problem(403, "super_admin_required", "", "only a super-administrator (kehu admin create --super) manages tenants")
}

func (h *Handler) adminListTenants(w http.ResponseWriter, r *http.Request) error {
	if err := superAdmin(r); err != nil {
		return err
	}
	ts, err := h.Store.Tenants(r.Context())
	return writeList(w, ts, err)
}

func (h *Handler) adminCreateTenant(w http.ResponseWriter, r *http.Request) error {
	if err := superAdmin(r); err != nil {
		return err
	}
	in, err := decode[struct {
		Name string `json:"name"`
	}](r)
	if err != nil {
		return err
	}
	name, err := requireName("name", in.Name, 100)
	if err != nil {
		return err
	}
	t, err := h.Store.CreateTenant(r.Context(), name)
	if err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.TenantCreated, audit.Tenant(t.ID), map[string]any{"name": name}); err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, t)
	return nil
}

// Projects.

func (h *Handler) adminCreateProject(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	in, err := decode[struct {
		Name string `json:"name"`
	}](r)
	if err != nil {
		return err
	}
	name, err := requireName("name", in.Name, 100)
	if err != nil {
		return err
	}
	p, err := h.Store.CreateProject(r.Context(), tenant, name)
	if err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.ProjectCreated, audit.Project(p.ID), map[string]any{"name": name}); err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, p)
	return nil
}

// API clients.

type clientOut struct {
	model.Client
	Revoked bool   `json:"revoked"`
	Secret  string `json:"clientSecret,omitempty"` // only when created or rotated
}

func (h *Handler) adminListClients(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	cs, err := h.Store.Clients(r.Context(), tenant)
	if err != nil {
		return err
	}
	out := make([]clientOut, 0, len(cs))
	for _, c := range cs {
		out = append(out, clientOut{Client: c.Client, Revoked: c.Revoked})
	}
	return writeList(w, out, nil)
}

type clientIn struct {
	Name      string   `json:"name"`
	ProjectID int64    `json:"projectId,omitempty"`
	StaffID   int64    `json:"staffId,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
}

func (h *Handler) adminCreateClient(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	in, err := decode[clientIn](r)
	if err != nil {
		return err
	}
	if in.StaffID != 0 {
		if _, err := h.Store.Staff(r.Context(), tenant, in.StaffID); errors.Is(err, model.ErrNotFound) {
			return model.Invalid("staffId", "staff %d does not exist", in.StaffID)
		} else if err != nil {
			return err
		}
	}
	c, err := h.Auth.Create(r.Context(), model.Client{TenantID: tenant, ProjectID: in.ProjectID, StaffID: in.StaffID, Name: in.Name, Scopes: in.Scopes})
	if err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.ClientCreated, audit.Client(c.ClientID),
		map[string]any{"name": c.Name, "projectId": c.ProjectID, "staffId": c.StaffID, "scopes": c.Scopes}); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, 201, clientOut{Client: *c, Secret: c.Secret})
	return nil
}

// adminClient is the client of the path, if it belongs to the tenant.
func adminClient(r *http.Request, tenant int64) (string, error) {
	id := r.PathValue("clientId")
	if t, ok := auth.TenantOf(id); !ok || t != tenant {
		return "", model.ErrNotFound
	}
	return id, nil
}

func (h *Handler) adminRotateClient(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := adminClient(r, tenant)
	if err != nil {
		return err
	}
	c, err := h.Auth.Rotate(r.Context(), id)
	if err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.ClientRotated, audit.Client(id), nil); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, 200, clientOut{Client: *c, Secret: c.Secret})
	return nil
}

func (h *Handler) adminRevokeClient(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := adminClient(r, tenant)
	if err != nil {
		return err
	}
	if id == callerOf(r.Context()).client.ClientID {
		return problem(409, "own_client", "clientId", "a client cannot revoke itself through its own token: use another administrator")
	}
	if err := h.Auth.Revoke(r.Context(), id); err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.ClientRevoked, audit.Client(id), nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type clientPatch struct {
	Scopes  []string `json:"scopes,omitempty"`
	StaffID *int64   `json:"staffId,omitempty"` // 0: act as the tenant again
}

func (h *Handler) adminUpdateClient(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := adminClient(r, tenant)
	if err != nil {
		return err
	}
	in, err := decode[clientPatch](r)
	if err != nil {
		return err
	}
	details := map[string]any{}
	if in.Scopes != nil {
		scopes, err := auth.NormalizeScopes(in.Scopes)
		if err != nil {
			return err
		}
		if err := h.Store.SetClientScopes(r.Context(), tenant, id, scopes); err != nil {
			return err
		}
		details["scopes"] = scopes
	}
	if in.StaffID != nil {
		if err := h.Store.SetClientStaff(r.Context(), tenant, id, *in.StaffID); err != nil {
			return err
		}
		details["staffId"] = *in.StaffID
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.ClientUpdated, audit.Client(id), details); err != nil {
		return err
	}
	c, err := h.Store.Client(r.Context(), tenant, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, clientOut{Client: c.Client, Revoked: c.Revoked})
	return nil
}

// Users: staff members and their logins.

type userOut struct {
	Staff model.Staff  `json:"staff"`
	Login *model.Login `json:"login"` // null: no login
}

func (h *Handler) adminListUsers(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	staff, err := h.Store.StaffList(r.Context(), tenant)
	if err != nil {
		return err
	}
	logins, err := h.Store.Logins(r.Context(), tenant)
	if err != nil {
		return err
	}
	by := map[int64]*model.Login{}
	for i := range logins {
		by[logins[i].StaffID] = &logins[i]
	}
	out := make([]userOut, 0, len(staff))
	for _, s := range staff {
		out = append(out, userOut{Staff: s, Login: by[s.ID]})
	}
	return writeList(w, out, nil)
}

type userIn struct {
	StaffID      int64  `json:"staffId,omitempty"`
	Name         string `json:"name,omitempty"`
	DepartmentID int64  `json:"departmentId,omitempty"`
	Email        string `json:"email,omitempty"`
	Username     string `json:"username,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Password     string `json:"password"`
	RoleID       int64  `json:"roleId,omitempty"`
}

func (h *Handler) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	in, err := decode[userIn](r)
	if err != nil {
		return err
	}
	if (in.StaffID == 0) == (in.Name == "") {
		return model.Invalid("staffId", "give staffId (an existing staff member) or name (a new one), not both")
	}
	ctx, by := r.Context(), modelCaller(r)
	nl := people.NewLogin{StaffID: in.StaffID, Username: in.Username, Phone: in.Phone, Password: in.Password}
	if in.Name != "" {
		name, err := requireName("name", in.Name, 100)
		if err != nil {
			return err
		}
		nl.NewStaff = &model.Staff{Name: name, DepartmentID: in.DepartmentID, Email: in.Email, Phone: in.Phone, RoleID: in.RoleID}
	} else if _, err := h.Store.Staff(ctx, tenant, in.StaffID); errors.Is(err, model.ErrNotFound) {
		return model.Invalid("staffId", "staff %d does not exist", in.StaffID)
	} else if err != nil {
		return err
	}
	l, err := h.People.CreateLogin(ctx, by, tenant, nl)
	if err != nil {
		return err
	}
	if in.Name == "" && in.RoleID != 0 {
		if err := h.Store.SetStaffRole(ctx, tenant, l.StaffID, in.RoleID); err != nil {
			return err
		}
	}
	in.StaffID = l.StaffID
	st, err := h.Store.Staff(ctx, tenant, in.StaffID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, userOut{Staff: *st, Login: l})
	return nil
}

func userID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem(400, "invalid", "id", "the staff id in the path must be a positive integer")
	}
	return id, nil
}

func (h *Handler) adminResetPassword(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	in, err := decode[struct {
		Password string `json:"password"`
	}](r)
	if err != nil {
		return err
	}
	if err := h.People.ResetPassword(r.Context(), modelCaller(r), tenant, id, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) adminSetDisabled(disabled bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		tenant, err := adminTenant(r)
		if err != nil {
			return err
		}
		id, err := userID(r)
		if err != nil {
			return err
		}
		if _, err := decodeEmpty(r); err != nil {
			return err
		}
		if s := callerOf(r.Context()).session; disabled && s != nil && s.Session.StaffID == id {
			return problem(409, "own_login", "id", "you cannot disable your own login")
		}
		if err := h.People.SetDisabled(r.Context(), modelCaller(r), tenant, id, disabled); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (h *Handler) adminDisableTOTP(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := h.People.DisableTOTP(r.Context(), modelCaller(r), tenant, id, "", true); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) adminSetRole(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	in, err := decode[struct {
		RoleID int64 `json:"roleId"`
	}](r)
	if err != nil {
		return err
	}
	if err := h.Store.SetStaffRole(r.Context(), tenant, id, in.RoleID); err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.UserRoleChanged, audit.Staff(id), map[string]any{"roleId": in.RoleID}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) adminUserSessions(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	var current int64
	if s := callerOf(r.Context()).session; s != nil {
		current = s.Session.ID
	}
	items, err := h.sessionItems(r, tenant, id, current)
	return writeList(w, items, err)
}

func (h *Handler) adminRevokeUserSession(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(r.PathValue("sessionId"), 10, 64)
	if err != nil || sid <= 0 {
		return problem(400, "invalid", "sessionId", "the session id in the path must be a positive integer")
	}
	if err := h.People.RevokeSession(r.Context(), modelCaller(r), tenant, id, sid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Roles.

type roleIn struct {
	Name   string             `json:"name"`
	Scope  model.DataScope    `json:"dataScope"`
	Collab bool               `json:"collaborations"`
	Perms  []model.Permission `json:"permissions"`
}

func (h *Handler) adminListRoles(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	rs, err := h.Store.Roles(r.Context(), tenant)
	return writeList(w, rs, err)
}

func (h *Handler) adminCreateRole(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	in, err := decode[roleIn](r)
	if err != nil {
		return err
	}
	role := &model.Role{Name: in.Name, Scope: in.Scope, Collab: in.Collab, Perms: in.Perms}
	if err := h.Store.CreateRole(r.Context(), tenant, role); err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.RoleCreated, audit.Role(role.ID), role); err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, role)
	return nil
}

// adminUpdateRole replaces a role's name, scope, 协作 flag and permissions
// (PATCH: members left out keep their value).
func (h *Handler) adminUpdateRole(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decode[struct {
		Name   *string             `json:"name"`
		Scope  *model.DataScope    `json:"dataScope"`
		Collab *bool               `json:"collaborations"`
		Perms  *[]model.Permission `json:"permissions"`
	}](r)
	if err != nil {
		return err
	}
	role, err := h.Store.Role(r.Context(), tenant, id)
	if err != nil {
		return err
	}
	before := *role
	if in.Name != nil {
		role.Name = *in.Name
	}
	if in.Scope != nil {
		role.Scope = *in.Scope
	}
	if in.Collab != nil {
		role.Collab = *in.Collab
	}
	if in.Perms != nil {
		role.Perms = *in.Perms
	}
	if err := h.Store.UpdateRole(r.Context(), role); err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.RoleUpdated, audit.Role(id),
		map[string]any{"before": before, "after": role}); err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, role)
	return nil
}

func (h *Handler) adminDeleteRole(w http.ResponseWriter, r *http.Request) error {
	tenant, err := adminTenant(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteRole(r.Context(), tenant, id); err != nil {
		return err
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.RoleDeleted, audit.Role(id), nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
