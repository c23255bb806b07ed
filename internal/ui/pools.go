package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// The 公海 page (/pools): the pools the caller sees, each with its rules and
// how many customers it holds, and a link to its customers — the customer
// list filtered by "pool = id", where the list's bulk actions claim (领取)
// and release (释放). Which pools a caller sees, and every action on them,
// is crm's (VisiblePools, PoolSearch, Claim, Release): the page only shows.

// poolRoutes are the 公海 page's lines of the route table. Creating,
// changing and deleting pools is crm's admin.manage; the page offers the
// forms to callers with it.
func (h *Handler) poolRoutes() []route {
	r := func(p string, perm model.Permission, fn func(h *Handler) handlerFunc) route {
		return route{Pattern: p, Perm: perm, Fn: fn}
	}
	return []route{
		r("GET /pools", "", func(h *Handler) handlerFunc { return h.poolsPage }),
		r("POST /pools", model.PermAdmin, func(h *Handler) handlerFunc { return h.savePool }),
		r("POST /pools/{id}", model.PermAdmin, func(h *Handler) handlerFunc { return h.savePool }),
		r("POST /pools/{id}/delete", model.PermAdmin, func(h *Handler) handlerFunc { return h.deletePool }),
	}
}

// poolRow is a pool as the page shows it.
type poolRow struct {
	P        *model.Pool
	Count    int64    // customers in the pool the caller sees
	Rules    []string // its rules that are on, in words
	Customer string   // the customer list of the pool
	Project  string   // "" for every project
	Form     poolFormView
}

// poolFormView is a pool form's values as the template fills them in.
type poolFormView struct {
	ID                        int64 // 0: a new pool
	Name, Project, Department string
	DateField, DateDays       string
	Rules                     []ruleInput
	Err                       string
	Open                      bool
}

// ruleInput is one number of a pool form.
type ruleInput struct{ Key, Value string }

// poolRuleKeys are the pool forms' number inputs, in order (the date rule's
// field and days follow them); ruleFields maps each, and the date rule's
// days, to its place in the rules, for filling the form and reading it.
var poolRuleKeys = []string{"recycleNoFollowDays", "recycleNoDealDays", "protectDays", "maxPerRep", "cooldownDays", "dailyClaimLimit"}

func ruleFields(r *model.PoolRules) map[string]*int {
	return map[string]*int{"recycleNoFollowDays": &r.RecycleNoFollowDays, "recycleNoDealDays": &r.RecycleNoDealDays,
		"protectDays": &r.ProtectDays, "maxPerRep": &r.MaxPerRep, "cooldownDays": &r.CooldownDays,
		"dailyClaimLimit": &r.DailyClaimLimit, "recycleDateDays": &r.RecycleDateDays}
}

func formOf(id int64, p *model.Pool, errMsg string) poolFormView {
	r := p.Rules
	v := ruleFields(&r)
	f := poolFormView{ID: id, Name: p.Name, DateField: r.RecycleDateField, DateDays: strconv.Itoa(r.RecycleDateDays), Err: errMsg, Open: errMsg != ""}
	if p.ProjectID != 0 {
		f.Project = strconv.FormatInt(p.ProjectID, 10)
	}
	if p.DepartmentID != 0 {
		f.Department = strconv.FormatInt(p.DepartmentID, 10)
	}
	for _, k := range poolRuleKeys {
		f.Rules = append(f.Rules, ruleInput{Key: k, Value: strconv.Itoa(*v[k])})
	}
	return f
}

type poolsData struct {
	Rows []poolRow
	// For callers with admin.manage: the choices of the pool forms, and
	// the form refused (its pool's id, 0 for a new one) with its message.
	CanManage   bool
	Projects    []checkOption
	Departments []checkOption
	DateFields  []checkOption // custom date and datetime fields, for the date rule
	New         poolFormView
}

// poolForm is a pool as its form was sent.
type poolForm struct {
	ID    int64
	Pool  model.Pool
	Error string
}

func (h *Handler) poolsPage(w http.ResponseWriter, r *http.Request) error {
	return h.showPools(w, r, http.StatusOK, nil)
}

func (h *Handler) showPools(w http.ResponseWriter, r *http.Request, status int, refused *poolForm) error {
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
	if d.CanManage = who.Can(model.PermAdmin); d.CanManage {
		d.New = formOf(0, &model.Pool{}, "")
		for i := range d.Rows {
			d.Rows[i].Form = formOf(d.Rows[i].P.ID, d.Rows[i].P, "")
		}
		if refused != nil {
			f := formOf(refused.ID, &refused.Pool, refused.Error)
			if refused.ID == 0 {
				d.New = f
			}
			for i := range d.Rows {
				if d.Rows[i].P.ID == refused.ID {
					if refused.Pool.Name == "" && refused.Error != "" { // a refused delete: the pool as it is
						f = formOf(refused.ID, d.Rows[i].P, refused.Error)
					}
					d.Rows[i].Form = f
				}
			}
		}
		for id, name := range n.Projects {
			d.Projects = append(d.Projects, checkOption{Value: strconv.FormatInt(id, 10), Label: name})
		}
		slices.SortFunc(d.Projects, func(a, b checkOption) int { return strings.Compare(a.Label, b.Label) })
		depts, err := h.Store.Departments(ctx, who.TenantID)
		if err != nil {
			return err
		}
		for _, dp := range depts {
			d.Departments = append(d.Departments, checkOption{Value: strconv.FormatInt(dp.ID, 10), Label: dp.Name})
		}
		for _, f := range env.Catalog.List() {
			if !f.System && (f.Type == model.TypeDate || f.Type == model.TypeDateTime) {
				d.DateFields = append(d.DateFields, checkOption{Value: f.Key, Label: f.Label})
			}
		}
	}
	pg := h.page(r, d)
	pg.Title = pg.T("pools.title")
	return h.renderPage(w, r, status, "pools", pg)
}

// savePool serves POST /pools (a new pool) and POST /pools/{id} (its
// name, binding and rules): crm's CreatePool and UpdatePool; a refusal is
// shown on the page with the form as sent.
func (h *Handler) savePool(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	var id int64
	if v := r.PathValue("id"); v != "" {
		var err error
		if id, err = strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
			return model.ErrNotFound
		}
	}
	f := r.PostForm
	p := model.Pool{Name: f.Get("name")}
	form := &poolForm{ID: id}
	num := func(key string, dst *int) {
		v := strings.TrimSpace(f.Get(key))
		if v == "" || form.Error != "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			form.Error = h.messages.translator(langOf(r))("pools.badNumber", key, v)
			return
		}
		*dst = n
	}
	ids := func(key string, dst *int64) {
		if v := f.Get(key); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			*dst = n
		}
	}
	ids("projectId", &p.ProjectID)
	ids("departmentId", &p.DepartmentID)
	dst := ruleFields(&p.Rules)
	for _, key := range append(slices.Clip(poolRuleKeys), "recycleDateDays") {
		num(key, dst[key])
	}
	p.Rules.RecycleDateField = f.Get("recycleDateField")
	form.Pool = p
	if form.Error != "" {
		return h.showPools(w, r, http.StatusUnprocessableEntity, form)
	}
	var err error
	if id == 0 {
		_, err = h.Svc.CreatePool(r.Context(), callerOf(r), &p)
	} else {
		_, err = h.Svc.UpdatePool(r.Context(), callerOf(r), id, &p)
	}
	if err != nil {
		status, msg, ok := h.refused(r, err)
		if !ok {
			return err
		}
		form.Error = msg
		return h.showPools(w, r, status, form)
	}
	http.Redirect(w, r, "/pools?saved=1", http.StatusSeeOther)
	return nil
}

// deletePool serves POST /pools/{id}/delete: crm's DeletePool (only a pool
// that holds and governs no customer).
func (h *Handler) deletePool(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Svc.DeletePool(r.Context(), callerOf(r), id); err != nil {
		status, msg, ok := h.refused(r, err)
		if !ok {
			return err
		}
		return h.showPools(w, r, status, &poolForm{ID: id, Error: msg})
	}
	http.Redirect(w, r, "/pools?saved=1", http.StatusSeeOther)
	return nil
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
