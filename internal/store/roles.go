package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// Roles and data scopes (数据权限): every tenant has the built-in roles of
// model.BuiltInRoles from its creation on; administrators may edit them and
// add their own. Staff carry a role (none: model.DefaultRole), and an API
// client may act as a staff member. The rules that apply roles live in crm;
// this file only stores them.

const roleColumns = `id, role_key, name, data_scope, collab, permissions, built_in, created_at, updated_at`

func scanRole(sc interface{ Scan(...any) error }, tenantID int64) (*model.Role, error) {
	r := &model.Role{TenantID: tenantID}
	var scope, perms string
	var collab, builtIn, created, updated int64
	if err := sc.Scan(&r.ID, &r.Key, &r.Name, &scope, &collab, &perms, &builtIn, &created, &updated); err != nil {
		return nil, err
	}
	r.Scope, r.Collab, r.BuiltIn = model.DataScope(scope), collab != 0, builtIn != 0
	r.Perms = []model.Permission{}
	for _, p := range strings.Fields(perms) {
		r.Perms = append(r.Perms, model.Permission(p))
	}
	return r, nil
}

func joinPerms(ps []model.Permission) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = string(p)
	}
	return strings.Join(parts, " ")
}

// createBuiltInRoles gives a tenant the built-in roles it lacks, inside tx.
func createBuiltInRoles(ctx context.Context, tx *Tx, tenantID int64, now time.Time) error {
	for _, r := range model.BuiltInRoles() {
		var one int
		err := tx.queryRow(ctx, `SELECT 1 FROM roles WHERE tenant_id = ? AND role_key = ?`, tenantID, r.Key).Scan(&one)
		if err == nil {
			continue
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("store: built-in roles: %w", tx.s.translate(err))
		}
		// A tenant's own role may already carry the built-in's name (made
		// before roles were built in): keep both, the built-in suffixed.
		name := r.Name
		if err := tx.queryRow(ctx, `SELECT 1 FROM roles WHERE tenant_id = ? AND name = ?`, tenantID, name).Scan(&one); err == nil {
			name += " (" + r.Key + ")"
		}
		if _, err := tx.exec(ctx, `INSERT INTO roles (tenant_id, `+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			tenantID, idgen.Next(), r.Key, name, string(r.Scope), b2i(r.Collab), joinPerms(r.Perms), model.Millis(now), model.Millis(now)); err != nil {
			return fmt.Errorf("store: built-in roles: %w", err)
		}
	}
	return nil
}

// backfillRoles is migration 4's Go step: every existing tenant gets the
// built-in roles.
func backfillRoles(ctx context.Context, tx *Tx) error {
	rows, err := tx.query(ctx, `SELECT id FROM tenants`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, id := range ids {
		if err := createBuiltInRoles(ctx, tx, id, now); err != nil {
			return err
		}
	}
	return nil
}

// Roles lists a tenant's roles: the built-in ones first (in
// model.BuiltInRoles order), then the tenant's own by creation.
func (s *Store) Roles(ctx context.Context, tenantID int64) ([]model.Role, error) {
	rows, err := s.query(ctx, `SELECT `+roleColumns+` FROM roles WHERE tenant_id = ? ORDER BY built_in DESC, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: roles: %w", err)
	}
	defer rows.Close()
	out := []model.Role{}
	for rows.Next() {
		r, err := scanRole(rows, tenantID)
		if err != nil {
			return nil, fmt.Errorf("store: roles: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// Role loads one role of a tenant.
func (s *Store) Role(ctx context.Context, tenantID, id int64) (*model.Role, error) {
	r, err := scanRole(s.queryRow(ctx, `SELECT `+roleColumns+` FROM roles WHERE tenant_id = ? AND id = ?`, tenantID, id), tenantID)
	if err != nil {
		return nil, notFound(err, "role")
	}
	return r, nil
}

// RoleByKey loads a built-in role of a tenant by its key (model.RoleAdmin, …).
func (s *Store) RoleByKey(ctx context.Context, tenantID int64, key string) (*model.Role, error) {
	r, err := scanRole(s.queryRow(ctx, `SELECT `+roleColumns+` FROM roles WHERE tenant_id = ? AND role_key = ?`, tenantID, key), tenantID)
	if err != nil {
		return nil, notFound(err, "role "+key)
	}
	return r, nil
}

// CreateRole adds a tenant's own role (never built in: Key and BuiltIn are
// ignored). A taken name is a *model.ConflictError on "name".
func (s *Store) CreateRole(ctx context.Context, tenantID int64, r *model.Role) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	r.ID, r.TenantID, r.Key, r.BuiltIn = idgen.Next(), tenantID, "", false
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO roles (tenant_id, `+roleColumns+`) VALUES (?, ?, '', ?, ?, ?, ?, 0, ?, ?)`,
			tenantID, r.ID, r.Name, string(r.Scope), b2i(r.Collab), joinPerms(r.Perms), model.Millis(now), model.Millis(now))
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: r.Name}
		}
		if err != nil {
			return fmt.Errorf("store: create role: %w", err)
		}
		return nil
	})
}

// UpdateRole replaces a role's name, data scope, 协作 flag and permissions
// (built-in roles included; their key stays). Unknown ids are
// model.ErrNotFound, a taken name a *model.ConflictError.
func (s *Store) UpdateRole(ctx context.Context, r *model.Role) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE roles SET name = ?, data_scope = ?, collab = ?, permissions = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
			r.Name, string(r.Scope), b2i(r.Collab), joinPerms(r.Perms), time.Now().UnixMilli(), r.TenantID, r.ID)
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: r.Name}
		}
		if err != nil {
			return fmt.Errorf("store: update role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: update role: %w", model.ErrNotFound)
		}
		return nil
	})
}

// DeleteRole removes a tenant's own role. Built-in roles cannot be deleted,
// nor a role some staff member still holds (both a *model.FieldError with
// code "in_use"/"built_in", so the caller can say why).
func (s *Store) DeleteRole(ctx context.Context, tenantID, id int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		var builtIn int64
		if err := tx.queryRow(ctx, `SELECT built_in FROM roles WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&builtIn); err != nil {
			return notFound(err, "delete role")
		}
		if builtIn != 0 {
			return &model.FieldError{Field: "id", Code: "built_in", Msg: "a built-in role can be edited but not deleted"}
		}
		var holders int64
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM staff WHERE tenant_id = ? AND role_id = ?`, tenantID, id).Scan(&holders); err != nil {
			return err
		}
		if holders > 0 {
			return &model.FieldError{Field: "id", Code: "in_use", Msg: fmt.Sprintf("%d staff members hold this role: give them another first", holders)}
		}
		_, err := tx.exec(ctx, `DELETE FROM roles WHERE tenant_id = ? AND id = ?`, tenantID, id)
		return err
	})
}

// Staff loads one staff member.
func (s *Store) Staff(ctx context.Context, tenantID, id int64) (*model.Staff, error) {
	var m model.Staff
	var dept, role sql.NullInt64
	err := s.queryRow(ctx, `SELECT id, name, department_id, email, phone, role_id FROM staff WHERE tenant_id = ? AND id = ?`, tenantID, id).
		Scan(&m.ID, &m.Name, &dept, &m.Email, &m.Phone, &role)
	if err != nil {
		return nil, notFound(err, "staff")
	}
	m.DepartmentID, m.RoleID = dept.Int64, role.Int64
	return &m, nil
}

// StaffRole loads a staff member and the role they act with: their own, or
// the built-in model.DefaultRole when they have none.
func (s *Store) StaffRole(ctx context.Context, tenantID, staffID int64) (*model.Staff, *model.Role, error) {
	m, err := s.Staff(ctx, tenantID, staffID)
	if err != nil {
		return nil, nil, err
	}
	var r *model.Role
	if m.RoleID != 0 {
		r, err = s.Role(ctx, tenantID, m.RoleID)
	} else {
		r, err = s.RoleByKey(ctx, tenantID, model.DefaultRole)
	}
	if err != nil {
		return nil, nil, err
	}
	return m, r, nil
}

// SetStaffRole gives a staff member a role (0: back to model.DefaultRole).
func (s *Store) SetStaffRole(ctx context.Context, tenantID, staffID, roleID int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := checkRole(ctx, tx, tenantID, roleID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE staff SET role_id = ? WHERE tenant_id = ? AND id = ?`, nullInt(roleID), tenantID, staffID)
		if err != nil {
			return fmt.Errorf("store: set staff role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: set staff role: %w", model.ErrNotFound)
		}
		return nil
	})
}

func checkRole(ctx context.Context, tx *Tx, tenantID, roleID int64) error {
	if roleID == 0 {
		return nil
	}
	var one int
	if err := tx.queryRow(ctx, `SELECT 1 FROM roles WHERE tenant_id = ? AND id = ?`, tenantID, roleID).Scan(&one); err != nil {
		if err == sql.ErrNoRows {
			return model.Invalid("roleId", "role %d does not exist", roleID)
		}
		return tx.s.translate(err)
	}
	return nil
}

func checkStaff(ctx context.Context, tx *Tx, tenantID, staffID int64) error {
	if staffID == 0 {
		return nil
	}
	var one int
	if err := tx.queryRow(ctx, `SELECT 1 FROM staff WHERE tenant_id = ? AND id = ?`, tenantID, staffID).Scan(&one); err != nil {
		if err == sql.ErrNoRows {
			return model.Invalid("staffId", "staff %d does not exist", staffID)
		}
		return tx.s.translate(err)
	}
	return nil
}

// SetClientStaff makes an API client act as a staff member (0: as the
// tenant again). Tokens already issued follow at once: the caller is built
// from the client row on every request.
func (s *Store) SetClientStaff(ctx context.Context, tenantID int64, clientID string, staffID int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := checkStaff(ctx, tx, tenantID, staffID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE api_clients SET staff_id = ? WHERE tenant_id = ? AND client_id = ?`, nullInt(staffID), tenantID, clientID)
		if err != nil {
			return fmt.Errorf("store: set client staff: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: set client staff: %w", model.ErrNotFound)
		}
		return nil
	})
}
