package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// The 公海 page (/pools): the pools the caller sees, each with its rules and
// how many customers it holds, and a link to its customers — the customer
// list filtered by "pool = id", where the list's bulk actions claim (领取)
// and release (释放). Which pools a caller sees, and every action on them,
// is crm's (VisiblePools, PoolSearch, Claim, Release): the page only shows.

// poolRoutes are the 公海 page's lines of the route table.
func (h *Handler) poolRoutes() []route {
	return []route{{Pattern: "GET /pools", Fn: func(h *Handler) handlerFunc { return h.poolsPage }}}
}

// poolRow is a pool as the page shows it.
type poolRow struct {
	P        *model.Pool
	Count    int64    // customers in the pool the caller sees
	Rules    []string // its rules that are on, in words
	Customer string   // the customer list of the pool
	Project  string   // "" for every project
}

type poolsData struct {
	Rows []poolRow
}

func (h *Handler) poolsPage(w http.ResponseWriter, r *http.Request) error {
	ctx, who := r.Context(), callerOf(r)
	pools, err := h.Svc.VisiblePools(ctx, who)
	if err != nil {
		return err
	}
	env, err := h.Svc.Env(ctx, who)
	if err != nil {
		return err
	}
	n, err := h.loadNames(ctx, who)
	if err != nil {
		return err
	}
	t := h.messages.translator(langOf(r))
	d := &poolsData{}
	for _, p := range pools {
		res, err := h.Svc.PoolSearch(ctx, who, p.ID, &query.Request{PageSize: 1, Total: query.TotalExact}, env)
		if err != nil {
			return err
		}
		row := poolRow{P: p, Count: res.Total, Rules: poolRuleTexts(p, env, t),
			Customer: "/customers?" + url.Values{"filter": {"pool = " + strconv.FormatInt(p.ID, 10)}}.Encode()}
		if p.ProjectID != 0 {
			row.Project = n.Projects[p.ProjectID]
		}
		d.Rows = append(d.Rows, row)
	}
	pg := h.page(r, d)
	pg.Title = pg.T("pools.title")
	return h.renderPage(w, r, http.StatusOK, "pools", pg)
}

// poolRuleTexts says a pool's rules that are on.
func poolRuleTexts(p *model.Pool, env *query.Env, t func(string, ...any) string) []string {
	r := p.Rules
	var out []string
	add := func(n int, key string) {
		if n > 0 {
			out = append(out, t(key, n))
		}
	}
	add(r.RecycleNoFollowDays, "pools.rule.noFollow")
	add(r.RecycleNoDealDays, "pools.rule.noDeal")
	if r.RecycleDateField != "" {
		label := r.RecycleDateField
		if f := env.Catalog.ByKey[label]; f != nil {
			label = f.Label
		}
		out = append(out, t("pools.rule.date", label, r.RecycleDateDays))
	}
	add(r.ProtectDays, "pools.rule.protect")
	add(r.MaxPerRep, "pools.rule.maxPerRep")
	add(r.CooldownDays, "pools.rule.cooldown")
	add(r.DailyClaimLimit, "pools.rule.daily")
	return out
}
