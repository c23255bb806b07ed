// Package testenv starts a complete kehu for tests: a real database (a
// SQLite file in a temp dir, or a fresh PostgreSQL database from
// internal/pgtest), migrated, with the real HTTP handler behind an
// httptest.Server, one tenant and one API client. No part is mocked.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
	"github.com/kehu/kehu/internal/webhook"
)

// Databases lists the dialects every store-backed suite runs on.
var Databases = storetest.Databases

// OpenStore opens and migrates a fresh database of the given dialect.
func OpenStore(t testing.TB, dialect string) *store.Store { return storetest.Open(t, dialect) }

// Env is a running kehu.
type Env struct {
	URL    string
	Server *httptest.Server
	Store  *store.Store
	Svc    *crm.Service
	Auth   *auth.Service
	Tenant *model.Tenant
	Client *model.Client // with its plain Secret
	// Webhooks is the running delivery service (private targets allowed).
	Webhooks *webhook.Service
	// StopBackground is the node's shutdown of its background work (the
	// feed, webhooks, imports): it cancels and waits. Cleanup calls it too.
	StopBackground func()
}

// New starts kehu on a fresh database with one tenant and one client.
func New(t testing.TB, dialect string) *Env { return NewWith(t, dialect, nil) }

// NewWith is New with a chance to change the server's dependencies (limits,
// timeouts) before it starts.
func NewWith(t testing.TB, dialect string, tune func(*server.Deps)) *Env {
	t.Helper()
	return NewOn(t, OpenStore(t, dialect), tune)
}

// NewOn is NewWith on a store the test opened and migrated itself (a
// SQLite file on a file system it controls: a full or read-only disk).
func NewOn(t testing.TB, st *store.Store, tune func(*server.Deps)) *Env {
	t.Helper()
	keys, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Store: st, Svc: crm.New(st, "CN", crm.China), Auth: &auth.Service{Store: st, Keys: keys, Guard: &auth.Guard{Store: st}, Cache: auth.NewCache()}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&tlog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// Tests deliver webhooks to receivers on loopback, with short backoffs.
	e.Webhooks = webhook.New(st, keys, e.Svc.Engine, log)
	e.Webhooks.AllowPrivate, e.Webhooks.Backoff, e.Webhooks.MaxBackoff = true, 50*time.Millisecond, 200*time.Millisecond
	deps := &server.Deps{Store: st, Svc: e.Svc, Auth: e.Auth, Log: log, Webhooks: e.Webhooks}
	if tune != nil {
		tune(deps)
	}
	e.Server = httptest.NewServer(server.Handler(deps))
	t.Cleanup(e.Server.Close)
	e.StopBackground = server.StartBackground(context.Background(), deps)
	t.Cleanup(e.StopBackground) // runs before the server closes
	e.URL = e.Server.URL
	e.Tenant, e.Client = e.NewTenant(t, "test tenant", 0)
	return e
}

// NewTenant creates another tenant with a client (bound to projectID in
// that tenant if non-zero — pass -1 to create and bind a new project).
func (e *Env) NewTenant(t testing.TB, name string, projectID int64) (*model.Tenant, *model.Client) {
	t.Helper()
	ctx := context.Background()
	tn, err := e.Store.CreateTenant(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if projectID == -1 {
		p, err := e.Store.CreateProject(ctx, tn.ID, name+" project")
		if err != nil {
			t.Fatal(err)
		}
		projectID = p.ID
	}
	// The tenant's own client may change the catalogue (catalog:write), as
	// an operator's would; bound and extra clients get what tests ask for.
	var scopes []string
	if projectID == 0 {
		scopes = []string{model.ScopeRead, model.ScopeWrite, model.ScopeCatalogWrite}
	}
	c, err := e.Auth.CreateClient(ctx, tn.ID, projectID, name+" client", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c
}

// NewClient creates another client of a tenant, optionally bound to a project.
func (e *Env) NewClient(t testing.TB, tenantID, projectID int64, scopes ...string) *model.Client {
	t.Helper()
	c, err := e.Auth.CreateClient(context.Background(), tenantID, projectID, "extra client", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type tlog struct{ t testing.TB }

func (l *tlog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }
