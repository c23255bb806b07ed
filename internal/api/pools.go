package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// 公海 pools: /v1/pools, their rules and actions. Every rule (who may see
// a pool, claim, assign; caps, cooldowns, daily limits) is crm's; these
// handlers decode, call and render with the catalogue's helpers
// (catalog.go: decode, writeList).

// poolIn is a pool as a client writes it (create: every member but name
// optional; PATCH: only the members sent change).
type poolIn struct {
	Name         *string      `json:"name"`
	ProjectID    *int64       `json:"projectId"`
	DepartmentID *int64       `json:"departmentId"`
	Rules        *poolRulesIn `json:"rules"`
}

// poolRulesIn are rules as a client writes them; members not sent keep
// their value (0, off, for a new pool).
type poolRulesIn struct {
	RecycleNoFollowDays *int `json:"recycleNoFollowDays"`
	RecycleNoDealDays   *int `json:"recycleNoDealDays"`
	ProtectDays         *int `json:"protectDays"`
	MaxPerRep           *int `json:"maxPerRep"`
	CooldownDays        *int `json:"cooldownDays"`
	DailyClaimLimit     *int `json:"dailyClaimLimit"`
	// The date rule: a custom date or datetime field's key ("" off) and
	// the days after its date.
	RecycleDateField *string `json:"recycleDateField"`
	RecycleDateDays  *int    `json:"recycleDateDays"`
}

func (in *poolIn) apply(p *model.Pool) {
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.ProjectID != nil {
		p.ProjectID = *in.ProjectID
	}
	if in.DepartmentID != nil {
		p.DepartmentID = *in.DepartmentID
	}
	if r := in.Rules; r != nil {
		set(&p.Rules.RecycleNoFollowDays, r.RecycleNoFollowDays)
		set(&p.Rules.RecycleNoDealDays, r.RecycleNoDealDays)
		set(&p.Rules.ProtectDays, r.ProtectDays)
		set(&p.Rules.MaxPerRep, r.MaxPerRep)
		set(&p.Rules.CooldownDays, r.CooldownDays)
		set(&p.Rules.DailyClaimLimit, r.DailyClaimLimit)
		set(&p.Rules.RecycleDateDays, r.RecycleDateDays)
		if r.RecycleDateField != nil {
			p.Rules.RecycleDateField = *r.RecycleDateField
		}
	}
}

func (h *Handler) listPools(w http.ResponseWriter, r *http.Request) error {
	ps, err := h.Svc.VisiblePools(r.Context(), whoOf(r))
	return writeList(w, ps, err)
}

func (h *Handler) createPool(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[poolIn](r)
	if err != nil {
		return err
	}
	var p model.Pool
	in.apply(&p)
	out, err := h.Svc.CreatePool(r.Context(), whoOf(r), &p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/pools/"+strconv.FormatInt(out.ID, 10))
	httpx.WriteJSON(w, 201, out)
	return nil
}

func (h *Handler) getPool(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := h.Svc.Pool(r.Context(), whoOf(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, p)
	return nil
}

func (h *Handler) updatePool(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decode[poolIn](r)
	if err != nil {
		return err
	}
	who := whoOf(r)
	old, err := h.Svc.Pool(r.Context(), who, id)
	if err != nil {
		return err
	}
	p := *old
	in.apply(&p)
	out, err := h.Svc.UpdatePool(r.Context(), who, id, &p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, out)
	return nil
}

func (h *Handler) deletePool(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeletePool(r.Context(), whoOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// poolAction serves one of the pool actions: the body names the customers
// (and the rep, the reason); the answer is the customers after the action,
// as the caller sees them.
func (h *Handler) poolAction(act func(ctx context.Context, c *model.Caller, pool int64, in *crm.PoolActionInput) ([]*model.Customer, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		in, err := decode[crm.PoolActionInput](r)
		if err != nil {
			return err
		}
		who := whoOf(r)
		cs, err := act(r.Context(), who, id, in)
		if err != nil {
			return err
		}
		cat, err := h.Store.LoadCatalog(r.Context(), who.TenantID)
		if err != nil {
			return err
		}
		out := make([]customerOut, len(cs))
		for i, c := range cs {
			out[i] = present(c, cat)
		}
		httpx.WriteJSON(w, 200, map[string]any{"data": out})
		return nil
	}
}

// poolCustomers: GET /v1/pools/{id}/customers, the customers in a pool
// with the query parameters, paging, sorts and totals of GET /v1/customers
// (the same engine; crm adds the pool and the caller's visibility).
func (h *Handler) poolCustomers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req, err := listRequest(r.URL.Query())
	if err != nil {
		return err
	}
	return h.runSearch(w, r, req, func(ctx context.Context, c *model.Caller, req *query.Request, env *query.Env) (*query.Result, error) {
		return h.Svc.PoolSearch(ctx, c, id, req, env)
	})
}

func (h *Handler) poolActions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.PoolActionFilter{Limit: 100}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"before", &f.Before}, {"customerId", &f.CustomerID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return problem(400, "invalid", p.name, p.name+" must be a positive id")
			}
			*p.dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return problem(400, "out_of_range", "limit", "limit must be from 1 to 500")
		}
		f.Limit = n
	}
	acts, err := h.Svc.PoolActions(r.Context(), whoOf(r), id, f)
	if err != nil {
		return err
	}
	out := map[string]any{"data": acts}
	if acts == nil {
		out["data"] = []model.PoolAction{}
	}
	if len(acts) == f.Limit {
		out["nextBefore"] = acts[len(acts)-1].ID
	}
	httpx.WriteJSON(w, 200, out)
	return nil
}
