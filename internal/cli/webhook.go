package cli

import (
	"context"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/webhook"
)

var webhookSubs = [][2]string{
	{"create", "subscribe a URL to a tenant's changes; prints the subscription with its secret"},
	{"list", "list a tenant's subscriptions"},
	{"update", "change a subscription (url, kinds, filter, format, enable/disable)"},
	{"delete", "delete a subscription and its delivery log"},
	{"deliveries", "print a subscription's delivery log, newest first"},
	{"redeliver", "send one delivery again now"},
	{"replay", "deliver the feed again from a position"},
	{"rotate-secret", "give a subscription a new signing secret; prints it (shown this once)"},
}

func runWebhook(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(env, "webhook", args, webhookSubs)
	if err != nil {
		return err
	}
	f := newFlags("webhook "+sub, env)
	f.secretKeyFlag()
	tenant := f.Int64("tenant", 0, "tenant id (required)")
	var id, project, delivery, after *int64
	var url, kinds, filter, format, status, signing *string
	var enable, disable *bool
	var limit *int
	if sub != "create" && sub != "list" {
		id = f.Int64("webhook", 0, "subscription id (required)")
	}
	switch sub {
	case "create", "update":
		url = f.String("url", "", "where to POST the events (http:// or https://)")
		kinds = f.String("kinds", "", "comma-separated event kinds: add,edit,delete,webhook.disabled (default add,edit,delete)")
		filter = f.String("filter", "", `only customers matching this condition, such as 'status = 1 && tags ?= "VIP"'`)
		format = f.String("format", "", "payload format: native (default) or dashi (达实 domain events)")
		if sub == "create" {
			project = f.Int64("project", 0, "only this project's customers (optional)")
			after = f.Int64("after", -1, "start after this feed position (default: the newest, so only changes from now on)")
			signing = f.String("signing-secret", "", "sign with this Standard Webhooks secret (whsec_…, 24–64 bytes) instead of a new one, e.g. the receiver's key of a subscription moved from elsewhere; better given as KEHU_SIGNING_SECRET than on the command line")
		} else {
			enable = f.Bool("enable", false, "enable the subscription (after kehu disabled it, for instance)")
			disable = f.Bool("disable", false, "disable the subscription")
		}
	case "deliveries":
		status = f.String("status", "", "only pending, delivered or failed deliveries")
		limit = f.Int("limit", 100, "at most this many (1 to 1000)")
	case "redeliver":
		delivery = f.Int64("delivery", 0, "delivery id (required)")
	case "replay":
		after = f.Int64("after", 0, "deliver the events after this feed position (0: the whole feed)")
	}
	if err := f.parse(rest); err != nil {
		return err
	}
	switch {
	case *tenant == 0:
		return usagef("webhook "+sub, "--tenant is required")
	case id != nil && *id == 0:
		return usagef("webhook "+sub, "--webhook is required")
	case delivery != nil && *delivery == 0:
		return usagef("webhook "+sub, "--delivery is required")
	case sub == "create" && *url == "":
		return usagef("webhook create", "--url is required")
	case limit != nil && (*limit < 1 || *limit > 1000):
		return usagef("webhook deliveries", "--limit must be from 1 to 1000")
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Tenant(ctx, *tenant); err != nil {
		return err
	}
	svc, au, err := f.services(st)
	if err != nil {
		return err
	}
	// The administrator at the command line may target private addresses
	// (the server still refuses to deliver there unless it is allowed).
	wh := webhook.New(st, au.Keys, svc.Engine, nil)
	wh.AllowPrivate = true
	caller := crm.TenantCaller(*tenant, 0, model.ViaCLI)
	in := &webhook.Input{}
	if url != nil {
		set := func(p *string) *string {
			if *p == "" {
				return nil
			}
			return p
		}
		in.URL, in.Filter, in.Format = set(url), set(filter), set(format)
		if *kinds != "" {
			ks := strings.Split(*kinds, ",")
			for i := range ks {
				ks[i] = strings.TrimSpace(ks[i])
			}
			in.Kinds = &ks
		}
	}
	switch sub {
	case "create":
		if *signing != "" {
			in.Secret = signing
		}
		if *project != 0 {
			in.ProjectID = project
		}
		if *after >= 0 {
			in.After = after
		}
		w, err := wh.Create(ctx, caller, in)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, w)
	case "list":
		ws, err := wh.List(ctx, caller)
		if err != nil {
			return err
		}
		for _, w := range ws {
			if err := printJSON(env.Stdout, w); err != nil {
				return err
			}
		}
		return nil
	case "update":
		if *enable && *disable {
			return usagef("webhook update", "--enable and --disable exclude each other")
		}
		if *enable || *disable {
			on := *enable
			in.Enabled = &on
		}
		w, err := wh.Update(ctx, caller, *id, in)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, w)
	case "delete":
		if err := wh.Delete(ctx, caller, *id); err != nil {
			return err
		}
		return printJSON(env.Stdout, map[string]any{"deleted": *id})
	case "deliveries":
		ds, err := wh.Deliveries(ctx, caller, *id, *status, 0, *limit)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := printJSON(env.Stdout, d); err != nil {
				return err
			}
		}
		return nil
	case "rotate-secret":
		w, err := wh.RotateSecret(ctx, caller, *id)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, w)
	case "redeliver":
		if err := wh.Redeliver(ctx, caller, *id, *delivery); err != nil {
			return err
		}
		return printJSON(env.Stdout, map[string]any{"redelivering": *delivery})
	default: // replay
		if err := wh.Replay(ctx, caller, *id, *after); err != nil {
			return err
		}
		return printJSON(env.Stdout, map[string]any{"webhook": *id, "replayingAfter": *after})
	}
}
