package ui

import (
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/model"
)

// route is one line of the console's route table.
type route struct {
	Pattern string // ServeMux pattern: "GET /customers/{id}"
	// Public routes need no session (sign-in, language switch).
	Public bool
	// Perm is the permission the page needs beyond being signed in ("" for
	// none). It only decides whether the page is offered; crm still checks
	// every read and write with the caller.
	Perm model.Permission
	// Fragment routes answer a piece of a page (fetched by static/*.js):
	// errors are answered as a short fragment, a missing session as 401.
	Fragment bool
	// MaxBody bounds a state-changing request's body; 0: 1 MiB.
	MaxBody int64
	Fn      func(h *Handler) handlerFunc
}

// routes is the console's one route table.
func (h *Handler) routes() []route {
	return append([]route{
		{Pattern: "GET /{$}", Fn: func(h *Handler) handlerFunc { return h.home }},
		{Pattern: "GET /login", Public: true, Fn: func(h *Handler) handlerFunc { return h.loginPage }},
		{Pattern: "POST /login", Public: true, Fn: func(h *Handler) handlerFunc { return h.loginSubmit }},
		{Pattern: "POST /logout", Fn: func(h *Handler) handlerFunc { return h.logout }},
		{Pattern: "GET /lang/{lang}", Public: true, Fn: func(h *Handler) handlerFunc { return h.switchLang }},
		{Pattern: "GET /customers", Fn: func(h *Handler) handlerFunc { return h.customersPage }},
		{Pattern: "GET /customers/rows", Fragment: true, Fn: func(h *Handler) handlerFunc { return h.customersRows }},
		{Pattern: "GET /customers/total", Fragment: true, Fn: func(h *Handler) handlerFunc { return h.customersTotal }},
		{Pattern: "POST /customers/bulk", Fn: func(h *Handler) handlerFunc { return h.bulkAction }},
		{Pattern: "POST /views", Fn: func(h *Handler) handlerFunc { return h.saveView }},
		{Pattern: "POST /views/{id}", Fn: func(h *Handler) handlerFunc { return h.changeView }},
		{Pattern: "POST /views/{id}/delete", Fn: func(h *Handler) handlerFunc { return h.deleteView }},
		{Pattern: "GET /customers/{id}", Fn: func(h *Handler) handlerFunc { return h.customerPage }},
		{Pattern: "POST /customers/{id}/fields", Fn: func(h *Handler) handlerFunc { return h.editField }},
		{Pattern: "POST /customers/{id}/unmask", Fn: func(h *Handler) handlerFunc { return h.unmaskCustomer }},
		{Pattern: "POST /customers/{id}/followups", Fn: func(h *Handler) handlerFunc { return h.addFollowUp }},
		{Pattern: "POST /customers/{id}/followups/{fid}", Fn: func(h *Handler) handlerFunc { return h.editFollowUp }},
		{Pattern: "POST /customers/{id}/followups/{fid}/delete", Fn: func(h *Handler) handlerFunc { return h.deleteFollowUp }},
	}, append(append(h.routes2(), h.webhookRoutes()...), h.poolRoutes()...)...)
}

// pathID is the positive id in the path segment name, or model.ErrNotFound
// (a console URL with anything else in its place names nothing).
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.ErrNotFound
	}
	return id, nil
}
