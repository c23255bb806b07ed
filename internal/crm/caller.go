package crm

import (
	"context"
	"errors"
	"fmt"

	"github.com/kehu/kehu/internal/model"
)

// Building callers. Every API, the importer, the exporter and the console
// turn whoever authenticated into a *model.Caller with one of these and pass
// it into every crm call; nothing outside crm decides what a caller sees.

// ClientCaller is the caller of a request authenticated as API client c
// (with its current row: scopes, project binding, staff member). A client
// acting as a staff member gets that member's role, department and data
// scope; one whose staff member no longer exists is refused (ErrForbidden)
// rather than silently widened to the tenant.
func (s *Service) ClientCaller(ctx context.Context, c *model.Client, via model.Via, addr string) (*model.Caller, error) {
	caller := &model.Caller{TenantID: c.TenantID, ProjectID: c.ProjectID, ClientID: c.ClientID,
		ClientName: c.Name, Scopes: append([]string(nil), c.Scopes...), Via: via, Addr: addr}
	if c.StaffID == 0 {
		return caller, nil
	}
	if err := s.actAs(ctx, caller, c.StaffID); err != nil {
		return nil, fmt.Errorf("crm: client %s acts as staff %d: %w", c.ClientID, c.StaffID, err)
	}
	return caller, nil
}

// StaffCaller is the caller of a staff member who logged in themselves (the
// console): their role, department and data scope, no project binding.
func (s *Service) StaffCaller(ctx context.Context, tenantID, staffID int64, via model.Via, addr string) (*model.Caller, error) {
	caller := &model.Caller{TenantID: tenantID, Via: via, Addr: addr}
	if err := s.actAs(ctx, caller, staffID); err != nil {
		return nil, fmt.Errorf("crm: staff %d: %w", staffID, err)
	}
	return caller, nil
}

// TenantCaller acts as the whole tenant (or one project of it): the CLI and
// background work, which hold every permission.
func TenantCaller(tenantID, projectID int64, via model.Via) *model.Caller {
	return &model.Caller{TenantID: tenantID, ProjectID: projectID, Via: via}
}

func (s *Service) actAs(ctx context.Context, caller *model.Caller, staffID int64) error {
	m, role, err := s.Store.StaffRole(ctx, caller.TenantID, staffID)
	if errors.Is(err, model.ErrNotFound) {
		return &model.PermissionError{}
	}
	if err != nil {
		return err
	}
	caller.StaffID, caller.StaffName, caller.DeptID, caller.Role = m.ID, m.Name, m.DepartmentID, role
	return nil
}

type callerKey struct{}

// WithCaller returns ctx carrying the request's caller; the APIs' shared
// authentication step stores it once, every handler reads it back with
// CallerFrom.
func WithCaller(ctx context.Context, c *model.Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller WithCaller stored, or nil.
func CallerFrom(ctx context.Context) *model.Caller {
	c, _ := ctx.Value(callerKey{}).(*model.Caller)
	return c
}

// SystemCaller acts as the whole tenant for background work and tools,
// recording writes under actor (created/updated by).
func SystemCaller(tenantID int64, actor model.Actor) *model.Caller {
	return &model.Caller{TenantID: tenantID, ClientID: actor.ID, ClientName: actor.Name, Via: model.ViaSystem}
}
