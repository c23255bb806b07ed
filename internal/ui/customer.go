package ui

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// fieldGroups say how the customer page groups the system fields; custom
// fields follow in their catalogue order, then the record's own data.
var fieldGroups = []struct {
	Key    string
	Fields []int64
}{
	{"group.contact", []int64{model.FieldName, model.FieldPhone, model.FieldEmail, model.FieldCompany, model.FieldSex,
		model.FieldBornDate, model.FieldAge, model.FieldIDType, model.FieldIDNumber, model.FieldStatus}},
	{"group.sales", []int64{model.FieldOwner, model.FieldCollaborators, model.FieldStage, model.FieldTags, model.FieldProject}},
	{"group.pool", []int64{model.FieldPool, model.FieldClaimedAt, model.FieldProtectedUntil, model.FieldLastFollowAt,
		model.FieldLastFollowUser, model.FieldNextFollowAt}},
	{"group.address", []int64{model.FieldAddress, model.FieldStreet, model.FieldCity, model.FieldState, model.FieldCountry, model.FieldPostalCode}},
	{"group.more", []int64{model.FieldRemark, model.FieldExternalID, model.FieldFirstName, model.FieldLastName}},
}

// fieldView is one field on the customer page.
type fieldView struct {
	Key, Label, Text string
	Type             model.FieldType
	Masked           bool // the text is masked for this caller
	// Edit is how the field is edited in place ("" for read-only fields):
	// text, textarea, number, select, multi (checkboxes).
	Edit    string
	Value   string   // the input's current value (empty when masked)
	Options []option // select and multi choices
	Error   string   // crm's message after a refused edit of this field
}

type option struct {
	Value, Label string
	Selected     bool
}

type groupView struct {
	Label  string
	Fields []fieldView
}

// historyEntry is one change on the timeline.
type historyEntry struct {
	Time    time.Time
	Kind    string
	Actor   string
	Via     string
	Changes []changeView
}

type changeView struct{ Field, Old, New string }

type customerData struct {
	C       *model.Customer
	Groups  []groupView
	History []historyEntry
	Names   *names
	Masked  bool // some values are masked
	CanShow bool // the caller may unmask them ("show", audited)
	Shown   bool // this answer shows them unmasked
	CanEdit bool
	// FollowUps is the follow-ups timeline (crm.ListFollowUps, newest
	// first), drawn by templates/_followups.html.
	FollowUps []*model.FollowUp
	// FollowKinds are the kinds the follow-up form offers; Follow is the
	// form (followups.go).
	FollowKinds []model.FollowUpKind
	Follow      followForm
	// FollowEdits are the edit forms of the timeline's follow-ups, by id:
	// their values, or a refused edit's.
	FollowEdits map[int64]followForm
}

func (h *Handler) customerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.showCustomer(w, r, id, false, nil)
}

// showCustomer renders the customer page: unmasked when shown (after the
// audited "show"), with editErr at its field after a refused edit.
func (h *Handler) showCustomer(w http.ResponseWriter, r *http.Request, id int64, shown bool, editErr *editError) error {
	d, err := h.customerData(r, id, shown, editErr)
	if err != nil {
		return err
	}
	p := h.page(r, d)
	p.Title = d.C.Name
	status := http.StatusOK
	if editErr != nil {
		status, p.Error = http.StatusUnprocessableEntity, editErr.msg
	}
	return h.renderPage(w, r, status, "customer", p)
}

func (h *Handler) customerData(r *http.Request, id int64, shown bool, editErr *editError) (*customerData, error) {
	ctx, who := r.Context(), callerOf(r)
	canShow := who.Can(model.PermUnmask)
	read := who
	if canShow && !shown {
		// The page shows contact data masked until "show" is pressed, also
		// to roles that may see it: crm masks for a caller narrowed to
		// lack the permission (only ever less than the session may).
		read = withoutUnmask(who)
	}
	c, err := h.Svc.CustomerPage(ctx, read, id)
	if err != nil {
		return nil, err
	}
	env, err := h.Svc.Env(ctx, who)
	if err != nil {
		return nil, err
	}
	n, err := h.loadNames(ctx, who)
	if err != nil {
		return nil, err
	}
	t := h.messages.translator(langOf(r))
	masked := !read.Can(model.PermUnmask)
	d := &customerData{C: c, Names: n, Masked: masked && (c.Phone != "" || c.Email != "" || c.IDNumber != ""),
		CanShow: canShow && !shown, Shown: shown, CanEdit: who.Can(model.PermEdit)}
	custom := env.Catalog.FieldsByKey(c.Custom)
	view := func(f *model.Field) fieldView {
		fv := fieldView{Key: f.Key, Label: f.Label, Type: f.Type, Text: display(f, c, custom, n)}
		fv.Masked = masked && fv.Text != "" && maskable(f)
		if d.CanEdit {
			editor(&fv, f, c, custom, n)
		}
		if editErr != nil && editErr.field == f.Key {
			fv.Error, fv.Value = editErr.msg, editErr.value
		}
		return fv
	}
	for _, g := range fieldGroups {
		gv := groupView{Label: t(g.Key)}
		for _, id := range g.Fields {
			if f := env.Catalog.Fields[id]; f != nil {
				gv.Fields = append(gv.Fields, view(f))
			}
		}
		d.Groups = append(d.Groups, gv)
	}
	cg := groupView{Label: t("group.custom")}
	for _, f := range env.Catalog.List() {
		if !f.System {
			cg.Fields = append(cg.Fields, view(&f))
		}
	}
	if len(cg.Fields) > 0 {
		d.Groups = append(d.Groups, cg)
	}
	fl, err := h.Svc.ListFollowUps(ctx, read, id, crm.FollowUpPage{Limit: 50})
	if err != nil {
		return nil, err
	}
	d.FollowUps = fl.Items
	if d.CanEdit {
		if d.FollowKinds, err = h.Svc.FollowUpKinds(ctx, who); err != nil {
			return nil, err
		}
		d.FollowEdits = make(map[int64]followForm, len(fl.Items))
		for _, f := range fl.Items {
			e := followForm{Kind: f.Kind, Content: f.Content, At: f.At.In(crm.China).Format(datetimeLocal)}
			if !f.NextAt.IsZero() {
				e.NextAt = f.NextAt.In(crm.China).Format(datetimeLocal)
			}
			d.FollowEdits[f.ID] = e
		}
	}
	evs, err := h.Svc.History(ctx, read, id, 0, 200) // masked like the page
	if err != nil {
		return nil, err
	}
	for _, e := range slices.Backward(evs) {
		he := historyEntry{Time: e.CreatedAt, Kind: e.Kind, Actor: e.Actor.Name, Via: string(e.Via)}
		for _, ch := range e.Changes {
			he.Changes = append(he.Changes, changeOf(ch, env.Catalog, n, t))
		}
		d.History = append(d.History, he)
	}
	return d, nil
}

// timeText shows a change's time (RFC 3339, or epoch ms) as the page shows
// times, anything else as rawText.
func timeText(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return rawText(b)
	}
	switch v := v.(type) {
	case string:
		if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return fmtTime(at)
		}
	case float64:
		if v > 0 {
			return fmtTime(time.UnixMilli(int64(v)))
		}
		return ""
	}
	return rawText(b)
}

// rawText shows a change's JSON value compactly: strings without quotes.
func rawText(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "" {
		return ""
	}
	if uq, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		return uq
	}
	return s
}

// withoutUnmask is caller narrowed to lack customer.unmask.
func withoutUnmask(c *model.Caller) *model.Caller {
	n := *c
	if c.Role != nil {
		r := *c.Role
		r.Perms = slices.DeleteFunc(slices.Clone(r.Perms), func(p model.Permission) bool { return p == model.PermUnmask })
		n.Role = &r
	}
	return &n
}

func maskable(f *model.Field) bool {
	switch f.ID {
	case model.FieldPhone, model.FieldEmail, model.FieldIDNumber:
		return true
	}
	return !f.System && (f.Type == model.TypePhone || f.Type == model.TypeEmail)
}

// unmaskCustomer serves POST /customers/{id}/unmask, the "show" action:
// crm's Unmask (the permission, the read, the audit entry) as POST
// /v1/customers/{id}/unmask, then the page with the full values.
func (h *Handler) unmaskCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Svc.Unmask(r.Context(), callerOf(r), id); err != nil {
		return err
	}
	return h.showCustomer(w, r, id, true, nil)
}

// changeOf shows one change of the history: the field's label, ids named
// (staff, stages, tags, projects, pools), a follow-up as its kind and
// content, how a customer entered a pool in words (t, the page's language).
func changeOf(ch model.Change, cat *store.Catalog, n *names, t func(string, ...any) string) changeView {
	labelOf := func(id int64) string {
		if f := cat.Fields[id]; f != nil {
			return f.Label
		}
		return ch.Field
	}
	ref := map[string]struct {
		label string
		m     map[int64]string
	}{"ownerId": {labelOf(model.FieldOwner), n.Staff}, "stageId": {labelOf(model.FieldStage), n.Stages}, "tagIds": {labelOf(model.FieldTags), n.Tags},
		"collaboratorIds": {labelOf(model.FieldCollaborators), n.Staff}, "projectId": {labelOf(model.FieldProject), n.Projects},
		"lastFollowUserId": {labelOf(model.FieldLastFollowUser), n.Staff}, "poolId": {labelOf(model.FieldPool), n.Pools},
		"homePoolId": {t("history.homePool"), n.Pools}}
	if r, ok := ref[ch.Field]; ok {
		named := func(b []byte) string {
			var ids []int64
			var one int64
			if json.Unmarshal(b, &one) == nil {
				if one == 0 {
					return ""
				}
				return nameOf(r.m, one)
			}
			_ = json.Unmarshal(b, &ids)
			return namesOf(r.m, ids)
		}
		return changeView{Field: r.label, Old: named(ch.Old), New: named(ch.New)}
	}
	switch ch.Field {
	case "followUp": // the follow-up written (or edited) with the change
		fu := func(b []byte) string {
			var f struct{ Kind, Content string }
			if json.Unmarshal(b, &f) != nil || (f.Kind == "" && f.Content == "") {
				return rawText(b)
			}
			if f.Kind == "" {
				return f.Content
			}
			return f.Kind + "：" + f.Content
		}
		return changeView{Field: t("customer.followups"), Old: fu(ch.Old), New: fu(ch.New)}
	case "poolEntry":
		entry := func(b []byte) string {
			var v string
			if json.Unmarshal(b, &v) != nil || v == "" {
				return ""
			}
			return t("history.poolEntry." + v)
		}
		return changeView{Field: t("history.poolEntry"), Old: entry(ch.Old), New: entry(ch.New)}
	case "poolEnteredAt":
		return changeView{Field: t("history.poolEnteredAt"), Old: timeText(ch.Old), New: timeText(ch.New)}
	case "poolReason":
		return changeView{Field: t("history.poolReason"), Old: rawText(ch.Old), New: rawText(ch.New)}
	}
	label := ch.Field
	f := cat.ByKey[strings.TrimPrefix(ch.Field, "fields.")]
	if f != nil {
		label = f.Label
	}
	// Select options by their labels (the history names them, deleted
	// options too), times as the page shows times, other values as stored.
	shown := func(value, named json.RawMessage) string {
		var many []string
		if json.Unmarshal(named, &many) == nil && many != nil {
			return strings.Join(many, "、")
		}
		if len(named) > 0 {
			return rawText(named)
		}
		if f != nil && f.Type == model.TypeDateTime {
			return timeText(value)
		}
		return rawText(value)
	}
	return changeView{Field: label, Old: shown(ch.Old, ch.OldLabel), New: shown(ch.New, ch.NewLabel)}
}
