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

// CreateTenant inserts a tenant with a new id.
func (s *Store) CreateTenant(ctx context.Context, name string) (*model.Tenant, error) {
	t := &model.Tenant{ID: idgen.Next(), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, t.ID, t.Name, model.Millis(t.CreatedAt)); err != nil {
			return err
		}
		return createBuiltInRoles(ctx, tx, t.ID, t.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create tenant: %w", err)
	}
	return t, nil
}

// Tenant loads a tenant.
func (s *Store) Tenant(ctx context.Context, id int64) (*model.Tenant, error) {
	var t model.Tenant
	var created int64
	err := s.queryRow(ctx, `SELECT id, name, created_at FROM tenants WHERE id = ?`, id).Scan(&t.ID, &t.Name, &created)
	if err != nil {
		return nil, notFound(err, "tenant")
	}
	t.CreatedAt = model.FromMillis(created)
	return &t, nil
}

// CreateProject inserts a project in a tenant.
func (s *Store) CreateProject(ctx context.Context, tenantID int64, name string) (*model.Project, error) {
	p := &model.Project{ID: idgen.Next(), TenantID: tenantID, Name: name, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	err := s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO projects (tenant_id, id, name, created_at) VALUES (?, ?, ?, ?)`,
			p.TenantID, p.ID, p.Name, model.Millis(p.CreatedAt))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create project: %w", err)
	}
	return p, nil
}

// Project loads one project of a tenant.
func (s *Store) Project(ctx context.Context, tenantID, id int64) (*model.Project, error) {
	p := model.Project{TenantID: tenantID}
	var created int64
	err := s.queryRow(ctx, `SELECT id, name, created_at FROM projects WHERE tenant_id = ? AND id = ?`, tenantID, id).
		Scan(&p.ID, &p.Name, &created)
	if err != nil {
		return nil, notFound(err, "project")
	}
	p.CreatedAt = model.FromMillis(created)
	return &p, nil
}

// Projects lists a tenant's projects by id.
func (s *Store) Projects(ctx context.Context, tenantID int64) ([]model.Project, error) {
	rows, err := s.query(ctx, `SELECT id, name, created_at FROM projects WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list projects: %w", err)
	}
	defer rows.Close()
	var out []model.Project
	for rows.Next() {
		p := model.Project{TenantID: tenantID}
		var created int64
		if err := rows.Scan(&p.ID, &p.Name, &created); err != nil {
			return nil, err
		}
		p.CreatedAt = model.FromMillis(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SealedClient is an API client row with its secret still sealed.
type SealedClient struct {
	model.Client
	Sealed  []byte
	Revoked bool
}

// CreateClient stores a client whose secret is already sealed.
func (s *Store) CreateClient(ctx context.Context, c *model.Client, sealed []byte) error {
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := checkStaff(ctx, tx, c.TenantID, c.StaffID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO api_clients (tenant_id, client_id, name, project_id, staff_id, scopes, secret_sealed, secret_version, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.TenantID, c.ClientID, c.Name, nullInt(c.ProjectID), nullInt(c.StaffID), strings.Join(c.Scopes, " "), sealed, c.SecretVersion, model.Millis(c.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create client: %w", err)
	}
	return nil
}

// Client loads a client by tenant and client id.
//
// It comes from the node's cache while the tenant's clients version is
// current (catalogcache.go), so a rotation or revocation on any node takes
// effect on the next request everywhere.
func (s *Store) Client(ctx context.Context, tenantID int64, clientID string) (*SealedClient, error) {
	ctx = Primary(ctx) // a credential check never trusts a replica
	_, clients, err := s.cacheVersions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	key := clientKey{tenantID, clientID}
	if v, ok := s.clientCache.Load(key); ok {
		if e := v.(*clientEntry); e.version == clients {
			c := *e.c
			return &c, nil
		}
	}
	c, err := s.client(ctx, tenantID, clientID)
	if err != nil {
		return nil, err
	}
	cached := *c
	s.clientCache.Store(key, &clientEntry{version: clients, c: &cached})
	return c, nil
}

func (s *Store) client(ctx context.Context, tenantID int64, clientID string) (*SealedClient, error) {
	var c SealedClient
	var project, staff sql.NullInt64
	var scopes string
	var created int64
	var revoked sql.NullInt64
	err := s.queryRow(ctx, `SELECT tenant_id, client_id, name, project_id, staff_id, scopes, secret_sealed, secret_version, created_at, revoked_at
		FROM api_clients WHERE tenant_id = ? AND client_id = ?`, tenantID, clientID).
		Scan(&c.TenantID, &c.ClientID, &c.Name, &project, &staff, &scopes, &c.Sealed, &c.SecretVersion, &created, &revoked)
	if err != nil {
		return nil, notFound(err, "client")
	}
	c.ProjectID, c.StaffID = project.Int64, staff.Int64
	c.Scopes = strings.Fields(scopes)
	c.CreatedAt = model.FromMillis(created)
	c.Revoked = revoked.Valid
	return &c, nil
}

// RotateClientSecret replaces a client's sealed secret and bumps its version,
// which invalidates every token issued before.
func (s *Store) RotateClientSecret(ctx context.Context, tenantID int64, clientID string, sealed []byte) (int64, error) {
	var version int64
	err := s.InTx(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `UPDATE api_clients SET secret_sealed = ?, secret_version = secret_version + 1
			WHERE tenant_id = ? AND client_id = ? RETURNING secret_version`, sealed, tenantID, clientID).Scan(&version)
	})
	if err != nil {
		return 0, notFound(err, "rotate client")
	}
	return version, nil
}

// RevokeClient marks a client revoked; its tokens and signatures stop working.
func (s *Store) RevokeClient(ctx context.Context, tenantID int64, clientID string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE api_clients SET revoked_at = ? WHERE tenant_id = ? AND client_id = ?`,
			time.Now().UnixMilli(), tenantID, clientID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: revoke client: %w", model.ErrNotFound)
		}
		return nil
	})
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// TenantByName finds the oldest tenant with a name (used by `kehu demo` to
// find its own tenant again).
func (s *Store) TenantByName(ctx context.Context, name string) (*model.Tenant, error) {
	var id int64
	if err := s.queryRow(ctx, `SELECT id FROM tenants WHERE name = ? ORDER BY id LIMIT 1`, name).Scan(&id); err != nil {
		return nil, notFound(err, "tenant by name")
	}
	return s.Tenant(ctx, id)
}

// ClientIDs lists a tenant's active client ids, oldest first.
func (s *Store) ClientIDs(ctx context.Context, tenantID int64) ([]string, error) {
	rows, err := s.query(ctx, `SELECT client_id FROM api_clients WHERE tenant_id = ? AND revoked_at IS NULL ORDER BY created_at, client_id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list clients: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// TenantRateLimit is a tenant's request budget per API client in requests
// per second across all nodes (0: the server's default).
func (s *Store) TenantRateLimit(ctx context.Context, tenantID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT rate_limit FROM tenants WHERE id = ?`, tenantID).Scan(&n)
	if err != nil {
		return 0, notFound(err, "tenant")
	}
	return n, nil
}

// SetTenantRateLimit sets a tenant's request budget per API client
// (requests per second across all nodes; 0: the server's default).
func (s *Store) SetTenantRateLimit(ctx context.Context, tenantID int64, perSecond int) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE tenants SET rate_limit = ? WHERE id = ?`, perSecond, tenantID)
		if err != nil {
			return fmt.Errorf("store: tenant rate limit: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: tenant %d: %w", tenantID, model.ErrNotFound)
		}
		return nil
	})
}
