package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

func runMigrate(ctx context.Context, env *Env, args []string) error {
	f := newFlags("migrate", env)
	if err := f.parse(args); err != nil {
		return err
	}
	st, err := f.openOrCreate(ctx, false)
	if err != nil && !strings.Contains(err.Error(), "kehu migrate") {
		return err
	}
	if st == nil {
		if st, err = f.openOrCreate(ctx, true); err != nil {
			return err
		}
		defer st.Close()
		have, _, _ := st.SchemaVersion(ctx)
		return printJSON(env.Stdout, map[string]any{"schemaVersion": have, "migrated": true})
	}
	defer st.Close()
	have, _, _ := st.SchemaVersion(ctx)
	return printJSON(env.Stdout, map[string]any{"schemaVersion": have, "migrated": false})
}

// runVersion prints what this binary is: its module version, the commit and
// time it was built from (from the Go toolchain's VCS stamping), the Go
// version and the schema version it migrates to.
func runVersion(_ context.Context, env *Env, args []string) error {
	f := newFlags("version", env)
	if err := f.parse(args); err != nil {
		return err
	}
	return printJSON(env.Stdout, versionInfo())
}

// buildVersion and buildCommit may be set at link time (go build -ldflags
// "-X github.com/kehu/kehu/internal/cli.buildCommit=…") where the toolchain's
// VCS stamping is off (GOFLAGS=-buildvcs=false, a source tarball).
var buildVersion, buildCommit string

func versionInfo() map[string]any {
	v := map[string]any{"version": "(devel)", "commit": "unknown", "go": runtime.Version(),
		"os": runtime.GOOS + "/" + runtime.GOARCH, "schemaVersion": store.SchemaVersionOfBinary()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v["version"] = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v["commit"] = s.Value
		case "vcs.time":
			v["commitTime"] = s.Value
		case "vcs.modified":
			v["modified"] = s.Value == "true"
		}
	}
	if buildVersion != "" {
		v["version"] = buildVersion
	}
	if buildCommit != "" {
		v["commit"] = buildCommit
	}
	return v
}

var tenantSubs = [][2]string{
	{"create", "--name NAME: create a tenant (creates the database if needed)"},
	{"list", "[--table]: every tenant, one JSON object a line"},
	{"rate-limit", "--tenant ID --rate N: requests per second per API client of the tenant, across all nodes (0: the server's --rate-client)"},
}

func runTenant(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(env, "tenant", args, tenantSubs)
	if err != nil {
		return err
	}
	f := newFlags("tenant "+sub, env)
	if sub == "rate-limit" {
		tenant := f.Int64("tenant", 0, "tenant id (required)")
		rate := f.Int("rate", 0, "requests per second per API client, across all nodes (0: the server's default)")
		if err := f.parse(rest); err != nil {
			return err
		}
		if *tenant == 0 || *rate < 0 {
			return usagef("tenant rate-limit", "--tenant is required and --rate must be 0 or more")
		}
		st, err := f.open(ctx, true)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.SetTenantRateLimit(ctx, *tenant, *rate); err != nil {
			return err
		}
		return printJSON(env.Stdout, map[string]any{"tenantId": *tenant, "rateLimit": *rate})
	}
	if sub == "list" {
		table := f.Bool("table", false, "print an aligned table instead of JSON lines")
		if err := f.parse(rest); err != nil {
			return err
		}
		st, err := f.open(ctx, true)
		if err != nil {
			return err
		}
		defer st.Close()
		ts, err := st.Tenants(ctx)
		if err != nil {
			return err
		}
		l := newLister(env.Stdout, *table, "ID", "NAME", "CREATED")
		for _, t := range ts {
			l.row(map[string]any{"id": t.ID, "name": t.Name, "createdAt": t.CreatedAt}, t.ID, t.Name, stamp(t.CreatedAt))
		}
		return l.flush()
	}
	name := f.String("name", "", "tenant name (required)")
	if err := f.parse(rest); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return usagef("tenant create", "--name is required")
	}
	// A new installation starts with its first tenant, so this command
	// creates the database (not only at the default path).
	st, err := f.openOrCreate(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.CreateTenant(ctx, strings.TrimSpace(*name))
	if err != nil {
		return err
	}
	return printJSON(env.Stdout, map[string]any{"id": t.ID, "name": t.Name})
}

var projectSubs = [][2]string{
	{"create", "--tenant ID --name NAME: create a project"},
	{"list", "[--tenant ID] [--table]: the projects of a tenant (or of every tenant)"},
}

func runProject(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(env, "project", args, projectSubs)
	if err != nil {
		return err
	}
	f := newFlags("project "+sub, env)
	tenant := f.Int64("tenant", 0, "tenant id (required for create)")
	if sub == "list" {
		table := f.Bool("table", false, "print an aligned table instead of JSON lines")
		if err := f.parse(rest); err != nil {
			return err
		}
		st, err := f.open(ctx, true)
		if err != nil {
			return err
		}
		defer st.Close()
		tenants, err := tenantsOf(ctx, st, *tenant)
		if err != nil {
			return err
		}
		l := newLister(env.Stdout, *table, "ID", "TENANT", "NAME", "CREATED")
		for _, tid := range tenants {
			ps, err := st.Projects(ctx, tid)
			if err != nil {
				return err
			}
			for _, p := range ps {
				l.row(map[string]any{"id": p.ID, "tenantId": p.TenantID, "name": p.Name, "createdAt": p.CreatedAt}, p.ID, p.TenantID, p.Name, stamp(p.CreatedAt))
			}
		}
		return l.flush()
	}
	name := f.String("name", "", "project name (required)")
	if err := f.parse(rest); err != nil {
		return err
	}
	if *tenant == 0 || strings.TrimSpace(*name) == "" {
		return usagef("project create", "--tenant and --name are required")
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Tenant(ctx, *tenant); err != nil {
		return fmt.Errorf("tenant %d: %w", *tenant, err)
	}
	p, err := st.CreateProject(ctx, *tenant, strings.TrimSpace(*name))
	if err != nil {
		return err
	}
	return printJSON(env.Stdout, map[string]any{"id": p.ID, "tenantId": p.TenantID, "name": p.Name})
}

// tenantsOf is the one tenant asked for (checked to exist) or all of them.
func tenantsOf(ctx context.Context, st *store.Store, tenant int64) ([]int64, error) {
	if tenant != 0 {
		if _, err := st.Tenant(ctx, tenant); err != nil {
			return nil, fmt.Errorf("tenant %d: %w", tenant, err)
		}
		return []int64{tenant}, nil
	}
	ts, err := st.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids, nil
}

var clientSubs = [][2]string{
	{"create", "--tenant ID [--project ID] [--staff ID] [--name NAME] [--scopes …]: a new API client; prints its secret once"},
	{"list", "[--tenant ID] [--table]: API clients (never their secrets), revoked ones flagged"},
	{"rotate", "--client ID: a new secret; every token of the client stops working"},
	{"revoke", "--client ID: the client can no longer authenticate"},
}

func runClient(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(env, "client", args, clientSubs)
	if err != nil {
		return err
	}
	f := newFlags("client "+sub, env)
	f.secretKeyFlag()
	var tenant, project, staff *int64
	var name, scopes, clientID *string
	var table *bool
	switch sub {
	case "create":
		tenant = f.Int64("tenant", 0, "tenant id (required)")
		project = f.Int64("project", 0, "bind the client to this project (optional)")
		name = f.String("name", "", "client name")
		staff = f.Int64("staff", 0, "the client acts as this staff member, with their role and data scope (optional)")
		scopes = f.String("scopes", "customers:read customers:write", "space-separated scopes: customers:read customers:write catalog:write admin")
	case "list":
		tenant = f.Int64("tenant", 0, "only this tenant's clients")
		table = f.Bool("table", false, "print an aligned table instead of JSON lines")
	default:
		clientID = f.String("client", "", "client id (required)")
	}
	if err := f.parse(rest); err != nil {
		return err
	}
	switch {
	case sub == "create" && *tenant == 0:
		return usagef("client create", "--tenant is required")
	case clientID != nil && *clientID == "":
		return usagef("client "+sub, "--client is required")
	}
	if sub != "list" {
		if err := f.checkSharedKey(); err != nil { // before the database is touched
			return err
		}
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if sub == "list" {
		if *tenant != 0 {
			if _, err := st.Tenant(ctx, *tenant); err != nil {
				return fmt.Errorf("tenant %d: %w", *tenant, err)
			}
		}
		cs, err := st.Clients(ctx, *tenant)
		if err != nil {
			return err
		}
		l := newLister(env.Stdout, *table, "CLIENT ID", "TENANT", "PROJECT", "NAME", "SCOPES", "CREATED", "REVOKED")
		for _, c := range cs {
			var pid any
			if c.ProjectID != 0 {
				pid = c.ProjectID
			}
			l.row(map[string]any{"clientId": c.ClientID, "tenantId": c.TenantID, "projectId": pid, "name": c.Name,
				"scopes": c.Scopes, "createdAt": c.CreatedAt, "revoked": c.Revoked},
				c.ClientID, c.TenantID, dash(pid), dash(c.Name), strings.Join(c.Scopes, " "), stamp(c.CreatedAt), c.Revoked)
		}
		return l.flush()
	}
	_, au, err := f.services(st)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		c, err := au.Create(ctx, model.Client{TenantID: *tenant, ProjectID: *project, StaffID: *staff, Name: *name, Scopes: strings.Fields(*scopes)})
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, st, operator(c.TenantID), audit.ClientCreated, audit.Client(c.ClientID),
			map[string]any{"name": c.Name, "projectId": c.ProjectID, "scopes": c.Scopes}); err != nil {
			return err
		}
		var pid any
		if c.ProjectID != 0 {
			pid = c.ProjectID
		}
		out := map[string]any{"clientId": c.ClientID, "clientSecret": c.Secret, "tenantId": c.TenantID, "projectId": pid}
		if c.StaffID != 0 {
			out["staffId"] = c.StaffID
		}
		return printJSON(env.Stdout, out)
	case "rotate":
		c, err := au.Rotate(ctx, *clientID)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, st, operator(c.TenantID), audit.ClientRotated, audit.Client(c.ClientID), nil); err != nil {
			return err
		}
		return printJSON(env.Stdout, map[string]any{"clientId": c.ClientID, "clientSecret": c.Secret, "tenantId": c.TenantID})
	default:
		if err := au.Revoke(ctx, *clientID); err != nil {
			return err
		}
		tid, _ := auth.TenantOf(*clientID)
		if err := audit.Record(ctx, st, operator(tid), audit.ClientRevoked, audit.Client(*clientID), nil); err != nil {
			return err
		}
		return printJSON(env.Stdout, map[string]any{"clientId": *clientID, "revoked": true})
	}
}

// operator is the caller of CLI commands run on the server, for the audit log.
func operator(tenantID int64) *model.Caller {
	return &model.Caller{TenantID: tenantID, Via: model.ViaCLI}
}

// lister prints the rows of a list command as JSON lines (the default, for
// scripts: jq reads them) or as an aligned table for people. The table is
// aligned by display width, not by bytes or runes: a Chinese character takes
// two columns of a terminal (text/tabwriter counts it as one, so a 项目 name
// pushed every later column out of line).
type lister struct {
	w     io.Writer
	table bool
	rows  [][]string
	err   error
}

func newLister(w io.Writer, table bool, header ...string) *lister {
	l := &lister{w: w, table: table}
	if table {
		l.rows = append(l.rows, header)
	}
	return l
}

func (l *lister) row(obj map[string]any, cells ...any) {
	if l.err != nil {
		return
	}
	if !l.table {
		l.err = printJSON(l.w, obj)
		return
	}
	s := make([]string, len(cells))
	for i, c := range cells {
		s[i] = fmt.Sprint(c)
	}
	l.rows = append(l.rows, s)
}

func (l *lister) flush() error {
	if l.err != nil || !l.table {
		return l.err
	}
	var widths []int
	for _, r := range l.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range l.rows {
		b.Reset()
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(l.w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// displayWidth is the number of terminal columns s takes: East Asian wide
// and fullwidth characters two, combining marks and other zero-width
// characters none, everything else one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == 0x200B || r == 0xFEFF || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.IsControl(r):
		case width.LookupRune(r).Kind() == width.EastAsianWide || width.LookupRune(r).Kind() == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func stamp(t time.Time) string { return t.In(crm.China).Format("2006-01-02 15:04 -07:00") }

func dash(v any) any {
	if v == nil || v == "" {
		return "-"
	}
	return v
}
