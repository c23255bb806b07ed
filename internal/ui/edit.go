package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// Editing in place: each editable field of the customer page has its own
// small form (opened by a <details>, no script needed) that posts one field
// to POST /customers/{id}/fields. The value goes to crm.UpdateCustomer as
// the same CustomerInput the native PATCH decodes, so validation and its
// messages are the API's.

// textFields are the system fields edited as one line of text, by key.
var textFields = map[int64]string{model.FieldName: "text", model.FieldPhone: "tel", model.FieldEmail: "email",
	model.FieldCompany: "text", model.FieldAddress: "text", model.FieldIDNumber: "text", model.FieldExternalID: "text",
	model.FieldFirstName: "text", model.FieldLastName: "text", model.FieldCity: "text", model.FieldState: "text",
	model.FieldCountry: "text", model.FieldPostalCode: "text", model.FieldStreet: "text"}

// inputKeys are the CustomerInput names of the system fields whose key
// differs.
var inputKeys = map[int64]string{model.FieldOwner: "ownerId", model.FieldStage: "stageId", model.FieldTags: "tagIds",
	model.FieldCollaborators: "collaboratorIds"}

// editor fills in how fv is edited, from f and the customer's value.
func editor(fv *fieldView, f *model.Field, c *model.Customer, custom map[string]any, n *names) {
	if !f.System {
		switch f.Type {
		case model.TypeText, model.TypeEmail, model.TypePhone, model.TypeDate, model.TypeNumber:
			fv.Edit = "text"
		case model.TypeTextarea:
			fv.Edit = "textarea"
		case model.TypeSelect, model.TypeBool:
			fv.Edit = "select"
		case model.TypeMultiSelect:
			fv.Edit = "multi"
		default:
			return
		}
		v := custom[f.Key]
		switch f.Type {
		case model.TypeSelect:
			id, _ := asInt(v)
			fv.Options = append([]option{{Value: "", Label: "—"}}, optionsOf(f, map[int64]bool{id: v != nil})...)
		case model.TypeMultiSelect:
			sel := map[int64]bool{}
			if l, ok := v.([]any); ok {
				for _, x := range l {
					if id, ok := asInt(x); ok {
						sel[id] = true
					}
				}
			}
			fv.Options = optionsOf(f, sel)
		case model.TypeBool:
			b, _ := v.(bool)
			fv.Options = []option{{Value: "", Label: "—", Selected: v == nil}, {Value: "true", Label: "✓", Selected: v != nil && b},
				{Value: "false", Label: "✗", Selected: v != nil && !b}}
		default:
			if v != nil && !fv.Masked {
				fv.Value = customText(f, v)
			}
		}
		return
	}
	if _, ok := textFields[f.ID]; ok {
		fv.Edit = "text"
		if !fv.Masked {
			switch f.ID {
			case model.FieldPhone:
				fv.Value = c.Phone
			default:
				fv.Value = fv.Text
			}
		}
		return
	}
	switch f.ID {
	case model.FieldRemark:
		fv.Edit, fv.Value = "textarea", c.Remark
	case model.FieldAge:
		fv.Edit, fv.Value = "text", fv.Text
	case model.FieldStatus, model.FieldSex, model.FieldIDType, model.FieldMarriage, model.FieldEducation:
		cur := map[int64]int{model.FieldStatus: c.Status, model.FieldSex: c.Sex, model.FieldIDType: c.IDType,
			model.FieldMarriage: c.Marriage, model.FieldEducation: c.Education}[f.ID]
		fv.Edit, fv.Options = "select", optionsOf(f, map[int64]bool{int64(cur): true})
	case model.FieldOwner:
		fv.Edit, fv.Options = "select", []option{{Value: "0", Label: "—", Selected: c.OwnerID == 0}}
		for _, s := range n.StaffList {
			fv.Options = append(fv.Options, option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name, Selected: s.ID == c.OwnerID})
		}
	case model.FieldStage:
		fv.Edit, fv.Options = "select", []option{{Value: "0", Label: "—", Selected: c.StageID == 0}}
		for _, s := range n.StageList {
			fv.Options = append(fv.Options, option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name, Selected: s.ID == c.StageID})
		}
	case model.FieldTags:
		fv.Edit = "multi"
		for _, g := range n.TagGroups {
			for _, t := range g.Tags {
				fv.Options = append(fv.Options, option{Value: strconv.FormatInt(t.ID, 10), Label: g.Name + " · " + t.Name,
					Selected: contains(c.TagIDs, t.ID)})
			}
		}
	case model.FieldCollaborators:
		fv.Edit = "multi"
		for _, s := range n.StaffList {
			fv.Options = append(fv.Options, option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name, Selected: contains(c.CollaboratorIDs, s.ID)})
		}
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func optionsOf(f *model.Field, sel map[int64]bool) []option {
	var out []option
	for _, o := range f.Options {
		if o.Deleted && !sel[o.ID] {
			continue
		}
		out = append(out, option{Value: strconv.FormatInt(o.ID, 10), Label: o.Label, Selected: sel[o.ID]})
	}
	return out
}

// editError is a refused edit: the field, crm's message, what was typed.
type editError struct{ field, msg, value string }

// editField serves POST /customers/{id}/fields: field=key, value=… (values
// for a multiple choice).
func (h *Handler) editField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return model.Invalid("", "the form could not be read")
	}
	who := callerOf(r)
	env, err := h.Svc.Env(r.Context(), who)
	if err != nil {
		return err
	}
	key := r.PostForm.Get("field")
	f := env.Catalog.ByKey[key]
	if f == nil {
		return &model.FieldError{Field: key, Code: "unknown_field", Msg: "no such field"}
	}
	in, err := inputOf(f, r.PostForm)
	if err == nil {
		_, err = h.Svc.UpdateCustomer(r.Context(), who, id, in)
	}
	var fe *model.FieldError
	var ce *model.ConflictError
	switch {
	case errors.As(err, &fe):
		return h.showCustomer(w, r, id, false, &editError{field: key, msg: fe.Error(), value: r.PostForm.Get("value")})
	case errors.As(err, &ce):
		return h.showCustomer(w, r, id, false, &editError{field: key, msg: ce.Error(), value: r.PostForm.Get("value")})
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?saved="+url.QueryEscape(key)+"#field-"+key, http.StatusSeeOther)
	return nil
}

// inputOf builds the CustomerInput that sets field f to the form's value,
// in the JSON the native API takes (so crm sees exactly what a PATCH of
// that value would carry).
func inputOf(f *model.Field, form url.Values) (*crm.CustomerInput, error) {
	raw := strings.TrimSpace(form.Get("value"))
	var v any
	switch {
	case f.Type == model.TypeTags || f.Type == model.TypeStaffList || f.Type == model.TypeMultiSelect:
		ids := []int64{}
		for _, s := range form["values"] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, model.Invalid(f.Key, "%q is not a choice", s)
			}
			ids = append(ids, n)
		}
		v = ids
	case f.Type == model.TypeSelect || f.Type == model.TypeStaff || f.Type == model.TypeStage || f.Type == model.TypeNumber:
		if raw == "" {
			if f.System {
				v = 0
			}
			break
		}
		v = json.Number(raw)
		if _, err := v.(json.Number).Float64(); err != nil {
			return nil, model.Invalid(f.Key, "%q is not a number", raw)
		}
	case f.Type == model.TypeBool:
		switch raw {
		case "true":
			v = true
		case "false":
			v = false
		}
	default:
		if raw != "" || f.System {
			v = raw
		}
	}
	body := map[string]any{}
	if f.System {
		k := f.Key
		if ik, ok := inputKeys[f.ID]; ok {
			k = ik
		}
		body[k] = v
	} else {
		body["fields"] = map[string]any{f.Key: v}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var in crm.CustomerInput
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&in); err != nil {
		return nil, model.Invalid(f.Key, "not a valid value")
	}
	return &in, nil
}
