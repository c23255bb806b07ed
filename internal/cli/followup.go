package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

var followupSubs = [][2]string{
	{"add", "record a follow-up (跟进) of a customer for a staff member; prints it"},
	{"list", "list a customer's (--customer) or a staff member's (--staff) follow-ups, newest first, one JSON object a line"},
	{"delete", "delete a follow-up; the customer's follow-up fields fall back to its newest remaining one"},
}

// runFollowup: kehu followup add|list|delete. The CLI acts as the tenant
// (crm decides as for an API client of the tenant): a follow-up names its
// staff member, and every write is administrative, so in the audit log.
func runFollowup(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(env, "followup", args, followupSubs)
	if err != nil {
		return err
	}
	f := newFlags("followup "+sub, env)
	f.secretKeyFlag()
	tenant := f.Int64("tenant", 0, "tenant id (required)")
	var customer, staff, id *int64
	var kind, content, at, next *string
	var limit *int
	switch sub {
	case "add":
		customer = f.Int64("customer", 0, "the customer followed up (required)")
		staff = f.Int64("staff", 0, "the staff member who followed up (required)")
		kind = f.String("kind", "", "电话, 微信, 拜访, 邮件, 其他 or a kind of the tenant (required)")
		content = f.String("content", "", "what was said or done (required)")
		at = f.String("at", "", `when it happened (RFC 3339 or "2025-01-02 15:04", +08:00 when no zone; default now)`)
		next = f.String("next", "", "when to follow up next (optional)")
	case "list":
		customer = f.Int64("customer", 0, "this customer's follow-ups")
		staff = f.Int64("staff", 0, "this staff member's follow-ups, across customers")
		limit = f.Int("limit", 100, "print at most this many")
	default: // delete
		id = f.Int64("id", 0, "the follow-up (required)")
	}
	if err := f.parse(rest); err != nil {
		return err
	}
	switch {
	case *tenant == 0:
		return usagef("followup "+sub, "--tenant is required")
	case sub == "add" && (*customer == 0 || *staff == 0 || *kind == "" || *content == ""):
		return usagef("followup add", "--customer, --staff, --kind and --content are required")
	case sub == "list" && (*customer == 0) == (*staff == 0):
		return usagef("followup list", "name one of --customer or --staff")
	case sub == "list" && *limit < 1:
		return usagef("followup list", "--limit must be at least 1")
	case sub == "delete" && *id == 0:
		return usagef("followup delete", "--id is required")
	}
	in := &crm.FollowUpInput{}
	if sub == "add" {
		in.Kind, in.Content, in.StaffID = kind, content, staff
		for _, x := range []struct {
			flag, v string
			dst     **time.Time
		}{{"--at", *at, &in.At}, {"--next", *next, &in.NextAt}} {
			if x.v == "" {
				continue
			}
			t, err := crm.ParseTime(x.v)
			if err != nil {
				return usagef("followup add", "%s: %v", x.flag, err)
			}
			*x.dst = &t
		}
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Tenant(ctx, *tenant); err != nil {
		return fmt.Errorf("tenant %d: %w", *tenant, err)
	}
	svc, _, err := f.services(st)
	if err != nil {
		return err
	}
	caller := crm.TenantCaller(*tenant, 0, model.ViaCLI)
	switch sub {
	case "add":
		fu, err := svc.AddFollowUp(ctx, caller, *customer, in)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, fu)
	case "list":
		page := crm.FollowUpPage{Limit: min(*limit, crm.MaxFollowUpPage)}
		for n := 0; n < *limit; {
			var l *crm.FollowUpList
			if *customer != 0 {
				l, err = svc.ListFollowUps(ctx, caller, *customer, page)
			} else {
				l, err = svc.StaffFollowUps(ctx, caller, *staff, page)
			}
			if err != nil {
				return err
			}
			for _, fu := range l.Items {
				if n == *limit {
					break
				}
				if err := printJSON(env.Stdout, fu); err != nil {
					return err
				}
				n++
			}
			if l.Next == "" {
				break
			}
			page.Cursor = l.Next
		}
		return nil
	default:
		return svc.DeleteFollowUp(ctx, caller, *id)
	}
}
