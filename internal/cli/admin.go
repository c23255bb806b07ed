package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/model"
)

func runMigrate(ctx context.Context, env *Env, args []string) error {
	f := newFlags("migrate", env)
	if err := f.parse(args); err != nil {
		return err
	}
	st, err := f.open(ctx, false)
	if err != nil && !strings.Contains(err.Error(), "kehu migrate") {
		return err
	}
	if st == nil {
		if st, err = f.open(ctx, true); err != nil {
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

func runTenant(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: kehu tenant create --name NAME [--db …]")
	}
	f := newFlags("tenant create", env)
	name := f.String("name", "", "tenant name (required)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return fmt.Errorf("--name is required")
	}
	st, err := f.open(ctx, true)
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

func runProject(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: kehu project create --tenant ID --name NAME [--db …]")
	}
	f := newFlags("project create", env)
	tenant := f.Int64("tenant", 0, "tenant id (required)")
	name := f.String("name", "", "project name (required)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if *tenant == 0 || strings.TrimSpace(*name) == "" {
		return fmt.Errorf("--tenant and --name are required")
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

func runClient(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "rotate" && args[0] != "revoke") {
		return fmt.Errorf("usage: kehu client create --tenant ID [--project ID] [--staff ID] [--name NAME] [--scopes …] | kehu client rotate --client ID | kehu client revoke --client ID")
	}
	sub := args[0]
	f := newFlags("client "+sub, env)
	tenant := f.Int64("tenant", 0, "tenant id (create)")
	project := f.Int64("project", 0, "bind the client to this project (create, optional)")
	name := f.String("name", "", "client name (create)")
	staff := f.Int64("staff", 0, "the client acts as this staff member, with their role and data scope (create, optional)")
	scopes := f.String("scopes", "customers:read customers:write", "space-separated scopes: customers:read customers:write catalog:write admin (create)")
	clientID := f.String("client", "", "client id (rotate, revoke)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	_, au, err := f.services(st)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if *tenant == 0 {
			return fmt.Errorf("--tenant is required")
		}
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
		if *clientID == "" {
			return fmt.Errorf("--client is required")
		}
		c, err := au.Rotate(ctx, *clientID)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, st, operator(c.TenantID), audit.ClientRotated, audit.Client(c.ClientID), nil); err != nil {
			return err
		}
		return printJSON(env.Stdout, map[string]any{"clientId": c.ClientID, "clientSecret": c.Secret, "tenantId": c.TenantID})
	default:
		if *clientID == "" {
			return fmt.Errorf("--client is required")
		}
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
