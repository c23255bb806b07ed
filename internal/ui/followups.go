package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// The follow-up form of the customer page (写跟进): kind, what was said or
// done, when (now unless changed) and the next follow-up planned. It is
// crm's AddFollowUp with the session's caller — the same rules as POST
// /v1/customers/{id}/follow-ups (who may follow up whom, the kinds, the
// times) and the same effect: the customer's lastFollowAt, and so its 公海
// recycling clock, moves. Each follow-up of the timeline has the same form
// to edit it (UpdateFollowUp) and a delete button behind a confirmation
// (DeleteFollowUp).

// followForm is what the form shows: the values sent, after a refused
// submit, or empty.
type followForm struct {
	Kind, Content, At, NextAt string
	Error                     string
}

// datetimeLocal is the layout of an <input type="datetime-local"> value.
const datetimeLocal = "2006-01-02T15:04"

// readFollowForm reads a follow-up form: what it shows again if refused,
// crm's input, and the message for a time it cannot read ("" if none).
// Editing (edit), an emptied time leaves the follow-up's time as it was and
// an emptied next follow-up clears it; adding, an empty time is now.
func readFollowForm(r *http.Request, t func(string, ...any) string, edit bool) (followForm, *crm.FollowUpInput, string) {
	f := r.PostForm
	form := followForm{Kind: f.Get("kind"), Content: strings.TrimSpace(f.Get("content")), At: f.Get("at"), NextAt: f.Get("next")}
	in := &crm.FollowUpInput{Content: &form.Content}
	if form.Kind != "" {
		in.Kind = &form.Kind
	}
	if edit && form.NextAt == "" {
		in.NextAt = &time.Time{}
	}
	for _, v := range []struct {
		raw string
		dst **time.Time
	}{{form.At, &in.At}, {form.NextAt, &in.NextAt}} {
		if v.raw == "" {
			continue
		}
		at, err := time.ParseInLocation(datetimeLocal, v.raw, crm.China)
		if err != nil {
			return form, nil, t("followup.badTime", v.raw)
		}
		*v.dst = &at
	}
	return form, in, ""
}

// addFollowUp serves POST /customers/{id}/followups.
func (h *Handler) addFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return model.Invalid("", "the form could not be read")
	}
	form, in, bad := readFollowForm(r, h.messages.translator(langOf(r)), false)
	if bad != "" {
		form.Error = bad
		return h.showFollowForm(w, r, id, 0, form)
	}
	_, err = h.Svc.AddFollowUp(r.Context(), callerOf(r), id, in)
	var fe *model.FieldError
	if errors.As(err, &fe) {
		form.Error = fe.Error()
		return h.showFollowForm(w, r, id, 0, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?saved=followup#followups", http.StatusSeeOther)
	return nil
}

// followUpOf reads the follow-up of POST /customers/{id}/followups/{fid}…
// as the caller: one of that customer's (crm decides whether the caller may
// see it; another customer's is not found here).
func (h *Handler) followUpOf(r *http.Request) (customerID, id int64, err error) {
	customerID, err = pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	id, err = pathID(r, "fid")
	if err != nil {
		return 0, 0, err
	}
	f, err := h.Svc.FollowUp(r.Context(), callerOf(r), id)
	if err != nil {
		return 0, 0, err
	}
	if f.CustomerID != customerID {
		return 0, 0, model.ErrNotFound
	}
	return customerID, id, nil
}

// editFollowUp serves POST /customers/{id}/followups/{fid}: crm's
// UpdateFollowUp (the same rules as PATCH /v1/follow-ups/{id}; the
// customer's lastFollowAt and nextFollowAt follow).
func (h *Handler) editFollowUp(w http.ResponseWriter, r *http.Request) error {
	customerID, id, err := h.followUpOf(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return model.Invalid("", "the form could not be read")
	}
	form, in, bad := readFollowForm(r, h.messages.translator(langOf(r)), true)
	if bad != "" {
		form.Error = bad
		return h.showFollowForm(w, r, customerID, id, form)
	}
	_, err = h.Svc.UpdateFollowUp(r.Context(), callerOf(r), id, in)
	var fe *model.FieldError
	if errors.As(err, &fe) {
		form.Error = fe.Error()
		return h.showFollowForm(w, r, customerID, id, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(customerID, 10)+"?saved=followup#followup-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// deleteFollowUp serves POST /customers/{id}/followups/{fid}/delete
// (behind a confirmation on the page): crm's DeleteFollowUp; the customer's
// follow-up fields fall back to its newest remaining follow-up.
func (h *Handler) deleteFollowUp(w http.ResponseWriter, r *http.Request) error {
	customerID, id, err := h.followUpOf(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteFollowUp(r.Context(), callerOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(customerID, 10)+"?saved=followup#followups", http.StatusSeeOther)
	return nil
}

// showFollowForm renders the customer page again with a refused form: the
// new follow-up's (editing 0) or follow-up editing's.
func (h *Handler) showFollowForm(w http.ResponseWriter, r *http.Request, id, editing int64, form followForm) error {
	d, err := h.customerData(r, id, false, nil)
	if err != nil {
		return err
	}
	if editing != 0 {
		if d.FollowEdits == nil { // a caller without the forms (no edit permission) sent one
			d.FollowEdits = map[int64]followForm{}
		}
		d.FollowEdits[editing] = form
	} else {
		d.Follow = form
	}
	p := h.page(r, d)
	p.Title = d.C.Name
	return h.renderPage(w, r, http.StatusUnprocessableEntity, "customer", p)
}
