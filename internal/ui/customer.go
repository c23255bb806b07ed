package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
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
	{"group.address", []int64{model.FieldAddress, model.FieldStreet, model.FieldCity, model.FieldState, model.FieldCountry, model.FieldPostalCode}},
	{"group.more", []int64{model.FieldRemark, model.FieldExternalID, model.FieldFirstName, model.FieldLastName}},
}

// fieldView is one field on the customer page.
type fieldView struct {
	Key, Label, Text string
	Type             model.FieldType
	Masked           bool // the text is masked for this caller
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
	Masked  bool // some values are masked; the "show" action may be offered
	// FollowUps is the slot of the follow-ups timeline (nil until crm has
	// follow-ups; templates/customer.html draws "followups" when set).
	FollowUps any
}

func (h *Handler) customerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return model.ErrNotFound
	}
	d, err := h.customerData(r, id)
	if err != nil {
		return err
	}
	p := h.page(r, d)
	p.Title = d.C.Name
	return h.renderPage(w, r, http.StatusOK, "customer", p)
}

func (h *Handler) customerData(r *http.Request, id int64) (*customerData, error) {
	ctx, who := r.Context(), callerOf(r)
	c, err := h.Svc.Customer(ctx, who, id)
	if err != nil {
		return nil, err
	}
	env, err := h.Svc.Env(ctx, who)
	if err != nil {
		return nil, err
	}
	n, err := h.loadNames(ctx, who.TenantID)
	if err != nil {
		return nil, err
	}
	t := h.messages.translator(langOf(r))
	masked := !who.Can(model.PermUnmask)
	d := &customerData{C: c, Names: n, Masked: masked && (c.Phone != "" || c.Email != "" || c.IDNumber != "")}
	custom := env.Catalog.FieldsByKey(c.Custom)
	view := func(f *model.Field) fieldView {
		fv := fieldView{Key: f.Key, Label: f.Label, Type: f.Type, Text: display(f, c, custom, n)}
		fv.Masked = masked && fv.Text != "" && (f.ID == model.FieldPhone || f.ID == model.FieldEmail || f.ID == model.FieldIDNumber)
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
	evs, err := h.Svc.History(ctx, who, id, 0, 200)
	if err != nil {
		return nil, err
	}
	for _, e := range slices.Backward(evs) {
		he := historyEntry{Time: e.CreatedAt, Kind: e.Kind, Actor: e.Actor.Name, Via: string(e.Via)}
		for _, ch := range e.Changes {
			label := ch.Field
			if f := env.Catalog.ByKey[ch.Field]; f != nil {
				label = f.Label
			}
			he.Changes = append(he.Changes, changeView{Field: label, Old: rawText(ch.Old), New: rawText(ch.New)})
		}
		d.History = append(d.History, he)
	}
	return d, nil
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
