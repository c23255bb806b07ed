package api

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

func decode[T any](r *http.Request) (*T, error) {
	body, err := httpx.ReadBody(r, 1<<20)
	if err != nil {
		return nil, err
	}
	var v T
	if err := httpx.DecodeJSON(body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// writeList answers {"data": items}, an empty array rather than null.
func writeList[T any](w http.ResponseWriter, items []T, err error) error {
	if err != nil {
		return err
	}
	if items == nil {
		items = []T{}
	}
	httpx.WriteJSON(w, 200, map[string]any{"data": items})
	return nil
}

// createNamed serves the catalogue entries created from just a name.
func createNamed[T any](w http.ResponseWriter, r *http.Request, max int, create func(ctx context.Context, tenantID int64, name string) (T, error)) error {
	in, err := decode[struct {
		Name string `json:"name"`
	}](r)
	if err != nil {
		return err
	}
	name, err := requireName("name", in.Name, max)
	if err != nil {
		return err
	}
	v, err := create(r.Context(), tenantOf(r), name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, v)
	return nil
}

func tenantOf(r *http.Request) int64 { return callerOf(r.Context()).client.TenantID }

func requireName(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", &model.FieldError{Field: field, Code: "required", Msg: "is required"}
	}
	if len([]rune(v)) > max {
		return "", &model.FieldError{Field: field, Code: "too_long", Msg: "is longer than " + strconv.Itoa(max) + " characters"}
	}
	if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", model.Invalid(field, "contains control characters or invalid UTF-8")
	}
	return v, nil
}

func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request) error {
	items, err := h.Svc.Projects(r.Context(), modelCaller(r)) // a bound client sees its project only
	return writeList(w, items, err)
}

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[struct {
		Name string `json:"name"`
	}](r)
	if err != nil {
		return err
	}
	name, err := requireName("name", in.Name, 100)
	if err != nil {
		return err
	}
	if callerOf(r.Context()).client.ProjectID != 0 {
		return problem(403, "project_forbidden", "", "a project-bound client cannot create projects")
	}
	p, err := h.Store.CreateProject(r.Context(), tenantOf(r), name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, p)
	return nil
}

func (h *Handler) listFields(w http.ResponseWriter, r *http.Request) error {
	cat, err := h.Store.LoadCatalog(r.Context(), tenantOf(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, map[string]any{"data": cat.List()})
	return nil
}

var fieldKeyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

type fieldIn struct {
	Key      *string `json:"key"`
	Label    *string `json:"label"`
	Type     *string `json:"type"`
	Unique   *bool   `json:"unique"`
	Required *bool   `json:"required"`
	Options  *[]struct {
		ID    int64  `json:"id"`
		Label string `json:"label"`
	} `json:"options"`
}

func (h *Handler) createField(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[fieldIn](r)
	if err != nil {
		return err
	}
	f := &model.Field{}
	if in.Key == nil || !fieldKeyRe.MatchString(*in.Key) {
		return model.Invalid("key", "key is required: a letter or _ then letters, digits or _, at most 64")
	}
	f.Key = *in.Key
	cat, err := h.Store.LoadCatalog(r.Context(), tenantOf(r))
	if err != nil {
		return err
	}
	if g := cat.ByKey[f.Key]; g != nil && g.System {
		return &model.ConflictError{Field: "key", Value: f.Key}
	}
	if in.Type == nil {
		return &model.FieldError{Field: "type", Code: "required", Msg: "is required"}
	}
	f.Type = model.FieldType(*in.Type)
	ok := false
	for _, t := range model.CustomTypes {
		ok = ok || t == f.Type
	}
	if !ok {
		return model.Invalid("type", "unknown type %q; one of text, textarea, select, multiselect, date, datetime, number, phone, bool, email, area", *in.Type)
	}
	label := f.Key
	if in.Label != nil {
		label = *in.Label
	}
	if f.Label, err = requireName("label", label, 100); err != nil {
		return err
	}
	if in.Unique != nil && *in.Unique {
		switch f.Type {
		case model.TypeText, model.TypePhone, model.TypeEmail, model.TypeNumber:
			f.Unique = true
		default:
			return model.Invalid("unique", "only text, phone, email and number fields can be unique")
		}
	}
	if in.Required != nil {
		f.Required = *in.Required
	}
	if err := setOptions(f, in, true); err != nil {
		return err
	}
	if err := h.Store.CreateField(r.Context(), tenantOf(r), f); err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, f)
	return nil
}

func setOptions(f *model.Field, in *fieldIn, create bool) error {
	choice := f.Type == model.TypeSelect || f.Type == model.TypeMultiSelect
	if in.Options == nil {
		if create && choice {
			return &model.FieldError{Field: "options", Code: "required", Msg: "select fields need options"}
		}
		return nil
	}
	if !choice {
		return model.Invalid("options", "only select and multiselect fields have options")
	}
	seen := map[string]bool{}
	var opts []model.Option
	for i, o := range *in.Options {
		label, err := requireName("options["+strconv.Itoa(i)+"].label", o.Label, 100)
		if err != nil {
			return err
		}
		if seen[label] {
			return model.Invalid("options["+strconv.Itoa(i)+"].label", "duplicate option %q", label)
		}
		seen[label] = true
		if o.ID != 0 {
			if _, ok := f.OptionByID(o.ID); !ok {
				return model.Invalid("options["+strconv.Itoa(i)+"].id", "no option with id %d", o.ID)
			}
		}
		opts = append(opts, model.Option{ID: o.ID, Label: label})
	}
	if len(opts) == 0 || len(opts) > 500 {
		return model.Invalid("options", "between 1 and 500 options")
	}
	f.Options = opts
	return nil
}

// compatible says which type changes keep every stored value meaningful.
func compatible(from, to model.FieldType) bool {
	if from == to {
		return true
	}
	switch from {
	case model.TypeText:
		return to == model.TypeTextarea
	case model.TypeTextarea:
		return false // may hold values longer than text allows
	case model.TypeSelect:
		return false
	}
	return false
}

func (h *Handler) updateField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decode[fieldIn](r)
	if err != nil {
		return err
	}
	cat, err := h.Store.LoadCatalog(r.Context(), tenantOf(r))
	if err != nil {
		return err
	}
	cur := cat.Fields[id]
	if cur == nil || cur.System {
		return model.ErrNotFound
	}
	f := *cur
	if in.Key != nil && *in.Key != f.Key {
		return model.Invalid("key", "a field's key cannot change (its id and key are stable)")
	}
	if in.Label != nil {
		if f.Label, err = requireName("label", *in.Label, 100); err != nil {
			return err
		}
	}
	if in.Type != nil && model.FieldType(*in.Type) != f.Type {
		if !compatible(f.Type, model.FieldType(*in.Type)) {
			return model.Invalid("type", "changing %s to %s could corrupt stored values; only text → textarea is allowed — create a new field and copy instead", f.Type, *in.Type)
		}
		f.Type = model.FieldType(*in.Type)
	}
	if in.Unique != nil && *in.Unique != f.Unique {
		return model.Invalid("unique", "uniqueness is set when a field is created")
	}
	if in.Required != nil {
		f.Required = *in.Required
	}
	if err := setOptions(&f, in, false); err != nil {
		return err
	}
	if err := h.Store.UpdateField(r.Context(), tenantOf(r), &f); err != nil {
		return err
	}
	cat, err = h.Store.LoadCatalog(r.Context(), tenantOf(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, cat.Fields[id])
	return nil
}

func (h *Handler) deleteField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if id <= model.MaxSystemFieldID {
		return problem(400, "invalid", "id", "system fields cannot be deleted")
	}
	if err := h.Store.DeleteField(r.Context(), tenantOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (h *Handler) listTags(w http.ResponseWriter, r *http.Request) error {
	items, err := h.Store.TagGroups(r.Context(), tenantOf(r))
	return writeList(w, items, err)
}

func (h *Handler) createTagGroup(w http.ResponseWriter, r *http.Request) error {
	return createNamed(w, r, 50, h.Store.CreateTagGroup)
}

func (h *Handler) createTag(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[struct {
		GroupID int64  `json:"groupId"`
		Name    string `json:"name"`
	}](r)
	if err != nil {
		return err
	}
	name, err := requireName("name", in.Name, 50)
	if err != nil {
		return err
	}
	if in.GroupID == 0 {
		return &model.FieldError{Field: "groupId", Code: "required", Msg: "is required (create a group with POST /v1/tag-groups)"}
	}
	t, err := h.Store.CreateTag(r.Context(), tenantOf(r), in.GroupID, name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, t)
	return nil
}

func (h *Handler) deleteTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteTag(r.Context(), tenantOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (h *Handler) listStaff(w http.ResponseWriter, r *http.Request) error {
	items, err := h.Svc.Staff(r.Context(), modelCaller(r)) // as far as the data scope reaches (crm/directory.go)
	return writeList(w, items, err)
}

func (h *Handler) createStaff(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[model.Staff](r)
	if err != nil {
		return err
	}
	if in.Name, err = requireName("name", in.Name, 100); err != nil {
		return err
	}
	if in.ID != 0 {
		return model.Invalid("id", "ids are assigned by kehu")
	}
	if c := callerOf(r.Context()); in.RoleID != 0 && (c == nil || !c.client.HasScope(model.ScopeAdmin)) {
		return problem(403, "insufficient_scope", "roleId", "giving a staff member a role needs the "+model.ScopeAdmin+" scope")
	}
	if err := h.Store.CreateStaff(r.Context(), tenantOf(r), in); err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, in)
	return nil
}

func (h *Handler) listDepartments(w http.ResponseWriter, r *http.Request) error {
	items, err := h.Store.Departments(r.Context(), tenantOf(r))
	return writeList(w, items, err)
}

func (h *Handler) createDepartment(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[struct {
		Name     string `json:"name"`
		ParentID int64  `json:"parentId"`
	}](r)
	if err != nil {
		return err
	}
	name, err := requireName("name", in.Name, 100)
	if err != nil {
		return err
	}
	d, err := h.Store.CreateDepartment(r.Context(), tenantOf(r), in.ParentID, name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, d)
	return nil
}

func (h *Handler) listStages(w http.ResponseWriter, r *http.Request) error {
	items, err := h.Store.Stages(r.Context(), tenantOf(r))
	return writeList(w, items, err)
}

func (h *Handler) createStage(w http.ResponseWriter, r *http.Request) error {
	return createNamed(w, r, 50, h.Store.CreateStage)
}

// maxWait is the longest long-poll GET /v1/events accepts.
const maxWait = 60 * time.Second

// listEvents pages through the change feed:
// GET /v1/events?after=POSITION&limit=N&kind=add,edit&customerId=ID&wait=30s.
// With wait, an empty page is held until an event arrives or the wait ends.
func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request) error {
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	if err := crm.FeedAccess(caller); err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.EventFilter{Limit: 100, ProjectID: callerOf(r.Context()).client.ProjectID}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return problem(400, "invalid", "after", "after must be a feed position (the next of the previous page, or 0)")
		}
		f.After = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return problem(400, "out_of_range", "limit", "limit must be from 1 to 1000")
		}
		f.Limit = n
	}
	if v := q.Get("customerId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return problem(400, "invalid", "customerId", "customerId must be a customer id")
		}
		f.CustomerID = n
	}
	for _, k := range q["kind"] {
		for _, k := range strings.Split(k, ",") {
			switch k = strings.TrimSpace(k); k {
			case model.EventAdd, model.EventEdit, model.EventDelete, model.EventWebhookDisabled:
				f.Kinds = append(f.Kinds, k)
			default:
				return problem(400, "invalid", "kind", "kind must be add, edit, delete or webhook.disabled (comma-separated for several)")
			}
		}
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			if n, err2 := strconv.Atoi(v); err2 == nil {
				d, err = time.Duration(n)*time.Second, nil
			}
		}
		if err != nil || d < 0 || d > maxWait {
			return problem(400, "out_of_range", "wait", "wait must be a duration from 0s to 60s, such as 30s")
		}
		wait = d
	}
	ctx := r.Context()
	httpx.Extend(ctx, w, wait+httpx.BudgetOf(ctx)) // a long poll waits, then reads
	deadline := time.Now().Add(wait)
	var evs []model.Event
	for {
		signal := h.Store.FeedSignal()
		var err error
		if evs, err = h.Store.Events(ctx, tenantOf(r), f); err != nil {
			return err
		}
		left := time.Until(deadline)
		if len(evs) > 0 || left <= 0 {
			break
		}
		// Woken by this node's numbering or another node's NOTIFY; the
		// re-read every second covers a SQLite written by another process.
		t := time.NewTimer(min(left, time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil // the client left
		case <-signal:
		case <-t.C:
		}
		t.Stop()
	}
	type evOut struct {
		model.Event
		Customer any             `json:"customer,omitempty"`
		Info     json.RawMessage `json:"info,omitempty"` // webhook.disabled: which subscription and why
	}
	out := make([]evOut, 0, len(evs))
	next := f.After
	var cat *store.Catalog
	for _, e := range evs {
		o := evOut{Event: e}
		if e.CustomerID == 0 {
			o.Info = e.Data
		} else if len(e.Data) > 0 {
			if cat == nil {
				var err error
				if cat, err = h.Store.LoadCatalog(ctx, tenantOf(r)); err != nil {
					return err
				}
			}
			c, err := store.DecodeSnapshot(e.Data, e.TenantID)
			if err != nil {
				return err
			}
			o.Customer = present(c, cat) // as GET /v1/customers/{id} shows it
		}
		out = append(out, o)
		next = e.Position
	}
	httpx.WriteJSON(w, 200, map[string]any{"data": out, "next": next})
	return nil
}
