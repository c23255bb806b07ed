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
// recycling clock, moves.

// followForm is what the form shows: the values sent, after a refused
// submit, or empty.
type followForm struct {
	Kind, Content, At, NextAt string
	Error                     string
}

// datetimeLocal is the layout of an <input type="datetime-local"> value.
const datetimeLocal = "2006-01-02T15:04"

// addFollowUp serves POST /customers/{id}/followups.
func (h *Handler) addFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return model.ErrNotFound
	}
	if err := r.ParseForm(); err != nil {
		return model.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	form := followForm{Kind: f.Get("kind"), Content: strings.TrimSpace(f.Get("content")), At: f.Get("at"), NextAt: f.Get("next")}
	in := &crm.FollowUpInput{Content: &form.Content}
	if form.Kind != "" {
		in.Kind = &form.Kind
	}
	t := h.messages.translator(langOf(r))
	for _, v := range []struct {
		raw string
		dst **time.Time
	}{{form.At, &in.At}, {form.NextAt, &in.NextAt}} {
		if v.raw == "" {
			continue
		}
		at, err := time.ParseInLocation(datetimeLocal, v.raw, crm.China)
		if err != nil {
			form.Error = t("followup.badTime", v.raw)
			return h.showFollowForm(w, r, id, form)
		}
		*v.dst = &at
	}
	_, err = h.Svc.AddFollowUp(r.Context(), callerOf(r), id, in)
	var fe *model.FieldError
	if errors.As(err, &fe) {
		form.Error = fe.Error()
		return h.showFollowForm(w, r, id, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?saved=followup#followups", http.StatusSeeOther)
	return nil
}

// showFollowForm renders the customer page again with the refused form.
func (h *Handler) showFollowForm(w http.ResponseWriter, r *http.Request, id int64, form followForm) error {
	d, err := h.customerData(r, id, false, nil)
	if err != nil {
		return err
	}
	d.Follow = form
	p := h.page(r, d)
	p.Title = d.C.Name
	return h.renderPage(w, r, http.StatusUnprocessableEntity, "customer", p)
}
