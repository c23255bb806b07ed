// Package audit writes and reads kehu's audit log: who did what, when,
// through which API and from which address — logins and failed logins,
// lockouts, role, permission and user changes, API client creation,
// rotation and revocation, exports, imports, deletes and unmask actions.
//
// There is one call, Record, taking the caller (whose Addr is the remote
// address), the action, the target and details. It writes through a
// store.AuditWriter: the Store for an entry of its own, or the Tx of the
// audited change so that the entry commits with it. The log is append-only:
// no API updates or deletes an entry, and database triggers refuse it.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Actions. Names are "area.verb"; a filter on "area." matches the area.
const (
	LoginOK        = "auth.login"        // a staff login succeeded
	LoginFailed    = "auth.login_failed" // wrong password, unknown user, bad TOTP code
	Logout         = "auth.logout"       // a session ended by its owner
	SessionRevoked = "auth.session_revoked"
	Lockout        = "auth.lockout" // a client id, login name or address was locked
	ClientAuthFail = "auth.client_failed"
	TOTPEnrolled   = "auth.totp_enrolled"
	TOTPDisabled   = "auth.totp_disabled"

	ClientCreated = "client.created"
	ClientRotated = "client.rotated"
	ClientRevoked = "client.revoked"
	ClientUpdated = "client.updated" // scopes or binding changed

	UserCreated       = "user.created" // a staff member got a login
	UserPasswordReset = "user.password_reset"
	UserDisabled      = "user.disabled"
	UserEnabled       = "user.enabled"
	UserRoleChanged   = "user.role_changed"

	RoleCreated = "role.created"
	RoleUpdated = "role.updated"
	RoleDeleted = "role.deleted"

	TenantCreated  = "tenant.created"
	ProjectCreated = "project.created"

	CustomerExport = "customer.export"
	CustomerImport = "customer.import"
	CustomerDelete = "customer.delete"
	CustomerUnmask = "customer.unmask"

	// Follow-ups written for, or edited or deleted of, another staff
	// member than the caller (a manager, the tenant): their own are not
	// administrative, and the customer's history has them anyway.
	FollowUpCreated = "followup.created"
	FollowUpUpdated = "followup.updated"
	FollowUpDeleted = "followup.deleted"

	PoolCreated = "pool.created"
	PoolUpdated = "pool.updated"
	PoolDeleted = "pool.deleted"
	// Administrative pool actions (assign, transfer, move) are recorded
	// under their model.Pool* names: pool.assign, pool.transfer, pool.move.
)

// Target is what an action was done to.
type Target struct{ Kind, ID string }

// Target constructors.
func Customer(id int64) Target       { return Target{"customer", strconv.FormatInt(id, 10)} }
func Client(id string) Target        { return Target{"client", id} }
func Staff(id int64) Target          { return Target{"staff", strconv.FormatInt(id, 10)} }
func Role(id int64) Target           { return Target{"role", strconv.FormatInt(id, 10)} }
func Tenant(id int64) Target         { return Target{"tenant", strconv.FormatInt(id, 10)} }
func Project(id int64) Target        { return Target{"project", strconv.FormatInt(id, 10)} }
func Pool(id int64) Target           { return Target{"pool", strconv.FormatInt(id, 10)} }
func FollowUp(id int64) Target       { return Target{"followup", strconv.FormatInt(id, 10)} }
func Import(id int64) Target         { return Target{"import", strconv.FormatInt(id, 10)} }
func Session(id int64) Target        { return Target{"session", strconv.FormatInt(id, 10)} }
func Login(name string) Target       { return Target{"login", name} }
func Address(addr string) Target     { return Target{"address", addr} }
func Subject(kind, id string) Target { return Target{kind, id} }

// None is the target of actions on nothing in particular (an export).
var None = Target{}

// Now is the clock of new entries (tests replace it).
var Now = time.Now

// Record appends one entry: caller did action to target, with details (any
// JSON-encodable value, nil for none). The caller's Addr is the remote
// address; a nil caller records an anonymous action of tenant 0.
func Record(ctx context.Context, w store.AuditWriter, c *model.Caller, action string, target Target, details any) error {
	e := Entry(c, action, target)
	if details != nil {
		b, err := json.Marshal(details)
		if err != nil {
			return fmt.Errorf("audit: details of %s: %w", action, err)
		}
		e.Details = b
	}
	if e.Addr == "" {
		e.Addr = AddrOf(ctx)
	}
	if e.Via == "" {
		e.Via = ViaOf(ctx)
	}
	if err := w.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit: record %s: %w", action, err)
	}
	return nil
}

// Entry builds the entry Record writes, without details.
func Entry(c *model.Caller, action string, target Target) *model.AuditEntry {
	e := &model.AuditEntry{ID: idgen.Next(), At: Now().UTC().Truncate(time.Millisecond), Action: action,
		TargetKind: target.Kind, TargetID: target.ID, ActorKind: model.AuditActorAnonymous}
	if c == nil {
		return e
	}
	e.TenantID, e.Via, e.Addr = c.TenantID, c.Via, c.Addr
	switch {
	case c.StaffID != 0:
		e.ActorKind, e.ActorID, e.ActorName = model.AuditActorStaff, strconv.FormatInt(c.StaffID, 10), c.StaffName
		if c.ClientID != "" { // an API client acting as a staff member: keep both
			e.ActorName = c.StaffName + " (" + c.ClientID + ")"
		}
	case c.ClientID != "":
		e.ActorKind, e.ActorID, e.ActorName = model.AuditActorClient, c.ClientID, c.ClientID
	case c.Via == model.ViaCLI:
		e.ActorKind = model.AuditActorOperator
	case c.Via == model.ViaSystem:
		e.ActorKind = model.AuditActorSystem
	}
	return e
}

type ctxKey struct{}

type viaKey struct{}

// WithVia returns ctx carrying the API a request came through; the server
// sets it per mounted API.
func WithVia(ctx context.Context, via model.Via) context.Context {
	return context.WithValue(ctx, viaKey{}, via)
}

// ViaOf returns the API WithVia stored, or "".
func ViaOf(ctx context.Context) model.Via {
	v, _ := ctx.Value(viaKey{}).(model.Via)
	return v
}

// ViaHandler marks every request of next as coming through via.
func ViaHandler(via model.Via, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithVia(r.Context(), via)))
	})
}

// WithAddr returns ctx carrying the remote address of the request it
// serves; the server sets it once for every request.
func WithAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, ctxKey{}, addr)
}

// AddrOf returns the remote address WithAddr stored, or "".
func AddrOf(ctx context.Context) string {
	a, _ := ctx.Value(ctxKey{}).(string)
	return a
}

// RemoteAddr is the client address of r: the host of r.RemoteAddr (kehu
// does not trust X-Forwarded-For; a proxy in front of kehu makes every
// request come from the proxy).
func RemoteAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// Middleware stores each request's remote address in its context.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithAddr(r.Context(), RemoteAddr(r))))
	})
}

// Query lists a tenant's entries newest first (for the admin API and the
// console), at most f.Limit (1–500, default 50).
func Query(ctx context.Context, st *store.Store, tenantID int64, f model.AuditFilter) ([]model.AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	return st.AuditEntries(ctx, tenantID, f)
}
