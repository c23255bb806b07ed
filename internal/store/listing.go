package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"

	"github.com/kehu/kehu/internal/model"
)

// SchemaVersionOfBinary is the schema version this binary migrates to (the
// number of embedded migrations; both databases keep the same numbering).
func SchemaVersionOfBinary() int {
	entries, err := fs.ReadDir(migrationFS, "migrations/sqlite")
	if err != nil {
		return 0
	}
	return len(entries)
}

// Tenants lists every tenant by id (for `kehu tenant list`).
func (s *Store) Tenants(ctx context.Context) ([]model.Tenant, error) {
	rows, err := s.query(ctx, `SELECT id, name, created_at FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	defer rows.Close()
	var out []model.Tenant
	for rows.Next() {
		var t model.Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = model.FromMillis(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ListedClient is an API client as `kehu client list` shows it: never its
// secret.
type ListedClient struct {
	model.Client
	Revoked bool
}

// Clients lists the API clients of a tenant (every tenant when tenantID is
// 0), oldest first, revoked ones included and flagged.
func (s *Store) Clients(ctx context.Context, tenantID int64) ([]ListedClient, error) {
	q := `SELECT tenant_id, client_id, name, project_id, scopes, created_at, revoked_at FROM api_clients`
	var args []any
	if tenantID != 0 {
		q += ` WHERE tenant_id = ?`
		args = append(args, tenantID)
	}
	rows, err := s.query(ctx, q+` ORDER BY tenant_id, created_at, client_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list clients: %w", err)
	}
	defer rows.Close()
	var out []ListedClient
	for rows.Next() {
		var c ListedClient
		var project, revoked sql.NullInt64
		var scopes string
		var created int64
		if err := rows.Scan(&c.TenantID, &c.ClientID, &c.Name, &project, &scopes, &created, &revoked); err != nil {
			return nil, err
		}
		c.ProjectID = project.Int64
		c.Scopes = strings.Fields(scopes)
		c.CreatedAt = model.FromMillis(created)
		c.Revoked = revoked.Valid
		out = append(out, c)
	}
	return out, rows.Err()
}
