package cli

import (
	"context"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

var poolSubs = [][2]string{
	{"create", "create a 公海 with its rules; prints the pool"},
	{"list", "list a tenant's pools with their rules, one JSON object a line"},
	{"recycle", "run one recycling pass now (--dry-run: print what would move, move nothing)"},
}

func runPool(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(env, "pool", args, poolSubs)
	if err != nil {
		return err
	}
	f := newFlags("pool "+sub, env)
	f.secretKeyFlag()
	var tenant, project, dept, poolID *int64
	var follow, deal, protect, maxRep, cooldown, daily, dateDays, items *int
	var name, dateField *string
	var dry *bool
	switch sub {
	case "create":
		tenant = f.Int64("tenant", 0, "tenant id (required)")
		name = f.String("name", "", "the pool's name, unique in the tenant (required)")
		project = f.Int64("project", 0, "only customers of this project (optional)")
		dept = f.Int64("department", 0, "only staff of this department and below see it (optional)")
		follow = f.Int("recycle-no-follow-days", 0, "recycle an owned customer this many days after its last follow-up (0: off)")
		deal = f.Int("recycle-no-deal-days", 0, "recycle an owned customer this many days after its claim without a deal stage change (0: off)")
		protect = f.Int("protect-days", 0, "no recycling for this many days after a claim or assignment")
		maxRep = f.Int("max-per-rep", 0, "the most customers of the pool one rep may hold (0: no cap)")
		cooldown = f.Int("cooldown-days", 0, "days before a rep may take back a customer they released or lost")
		daily = f.Int("daily-claim-limit", 0, "the most claims per rep and day, Asia/Shanghai (0: no limit)")
		dateField = f.String("recycle-date-field", "", "recycle by a date: the key of a custom date or datetime field, e.g. a contract's end (optional)")
		dateDays = f.Int("recycle-date-days", 0, "with --recycle-date-field: recycle this many days after that date (0: once it has passed)")
	case "list":
		tenant = f.Int64("tenant", 0, "tenant id (required)")
	default: // recycle
		tenant = f.Int64("tenant", 0, "only this tenant's pools (default: every tenant)")
		poolID = f.Int64("pool", 0, "only this pool (optional)")
		dry = f.Bool("dry-run", false, "print the customers that would move and move nothing")
		items = f.Int("limit", 1000, "print at most this many customers")
	}
	if err := f.parse(rest); err != nil {
		return err
	}
	switch {
	case sub != "recycle" && *tenant == 0:
		return usagef("pool "+sub, "--tenant is required")
	case sub == "create" && *name == "":
		return usagef("pool create", "--name is required")
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if *tenant != 0 {
		if _, err := st.Tenant(ctx, *tenant); err != nil {
			return err
		}
	}
	svc, _, err := f.services(st)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		p, err := svc.CreatePool(ctx, crm.TenantCaller(*tenant, 0, model.ViaCLI), &model.Pool{Name: *name, ProjectID: *project, DepartmentID: *dept,
			Rules: model.PoolRules{RecycleNoFollowDays: *follow, RecycleNoDealDays: *deal, ProtectDays: *protect, MaxPerRep: *maxRep,
				CooldownDays: *cooldown, DailyClaimLimit: *daily, RecycleDateField: *dateField, RecycleDateDays: *dateDays}})
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, p)
	case "list":
		ps, err := svc.VisiblePools(ctx, crm.TenantCaller(*tenant, 0, model.ViaCLI))
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := printJSON(env.Stdout, p); err != nil {
				return err
			}
		}
		return nil
	default:
		rep, err := svc.Recycle(ctx, crm.RecycleOptions{TenantID: *tenant, PoolID: *poolID, DryRun: *dry, Items: *items})
		if err != nil {
			return err
		}
		for _, it := range rep.Items {
			if err := printJSON(env.Stdout, it); err != nil {
				return err
			}
		}
		rep.Items = nil
		return printJSON(env.Stderr, map[string]any{"dryRun": *dry, "summary": rep})
	}
}
