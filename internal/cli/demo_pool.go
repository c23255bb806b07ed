package cli

import (
	"context"
	"fmt"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// demoPoolSize is how many of the demo's customers start in its 公海.
const demoPoolSize = 300

// demoPool gives the demo tenant a 公海 on its first start, so the console's
// 公海 page and the pool APIs have something to show: a pool with the usual
// rules (recycled after 30 days without a follow-up, 7 days of protection
// after a claim, at most 200 customers a rep, 20 claims a day) holding the
// tenant's oldest demoPoolSize customers, moved in with crm's pool action
// as a manager would.
func demoPool(ctx context.Context, svc *crm.Service, tenantID int64) error {
	by := crm.TenantCaller(tenantID, 0, model.ViaCLI)
	pools, err := svc.VisiblePools(ctx, by)
	if err != nil || len(pools) > 0 {
		return err // made on an earlier start
	}
	p, err := svc.CreatePool(ctx, by, &model.Pool{Name: "公共公海", Rules: model.PoolRules{RecycleNoFollowDays: 30, ProtectDays: 7,
		MaxPerRep: 200, CooldownDays: 3, DailyClaimLimit: 20}})
	if err != nil {
		return fmt.Errorf("demo pool: %w", err)
	}
	env, err := svc.Env(ctx, by)
	if err != nil {
		return err
	}
	req := &query.Request{PageSize: crm.MaxPoolBatch, Sort: []query.SortSpec{{Field: "createdAt"}}}
	for moved := 0; moved < demoPoolSize; {
		res, err := svc.Search(ctx, by, req, env)
		if err != nil {
			return err
		}
		var ids []int64
		for _, c := range res.Customers {
			ids = append(ids, c.ID)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := svc.Move(ctx, by, p.ID, &crm.PoolActionInput{CustomerIDs: ids, Reason: "演示数据"}); err != nil {
			return fmt.Errorf("demo pool: %w", err)
		}
		moved += len(ids)
		if req.Cursor = res.NextCursor; req.Cursor == "" {
			return nil
		}
	}
	return nil
}
