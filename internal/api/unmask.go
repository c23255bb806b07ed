package api

import (
	"errors"
	"net/http"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// unmaskOut is the full contact data of one customer.
type unmaskOut struct {
	ID       int64    `json:"id"`
	Phone    string   `json:"phone,omitempty"`
	Phones   []string `json:"phones,omitempty"`
	Email    string   `json:"email,omitempty"`
	IDNumber string   `json:"idNumber,omitempty"`
}

// unmaskCustomer serves POST /v1/customers/{id}/unmask: the "show" action
// of the console. It answers one customer's full phone numbers, email and
// id number to a caller with customer.unmask, and writes who looked at
// whose data, and from where, to the audit log; without the permission it
// is 403 and nothing is shown.
func (h *Handler) unmaskCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := decodeEmpty(r); err != nil {
		return err
	}
	// crm decides (the permission, the customer's visibility) and audits.
	c, err := h.Svc.Unmask(r.Context(), modelCaller(r), id)
	var pe *model.PermissionError
	if errors.As(err, &pe) {
		return problem(403, "insufficient_permission", "", "your role lacks the customer.unmask permission")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, 200, unmaskOut{ID: c.ID, Phone: c.Phone, Phones: c.Phones, Email: c.Email, IDNumber: c.IDNumber})
	return nil
}
