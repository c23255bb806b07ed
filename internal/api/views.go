package api

import (
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// Saved views of the customers list: /v1/views. A view belongs to a staff
// member (a session, or a client bound to one); crm decides who sees and
// changes which (own + shared, sharing needs admin.manage).

// viewIn is the body of POST /v1/views and PATCH /v1/views/{id}.
type viewIn struct {
	Name    *string   `json:"name"`
	Q       *string   `json:"q"`
	Filter  *string   `json:"filter"`
	Sort    *string   `json:"sort"`
	Columns *[]string `json:"columns"`
	Shared  *bool     `json:"shared"`
}

func decodeView(r *http.Request) (*crm.ViewInput, error) {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return nil, err
	}
	var in viewIn
	if err := httpx.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	return &crm.ViewInput{Name: in.Name, Q: in.Q, Filter: in.Filter, Sort: in.Sort, Columns: in.Columns, Shared: in.Shared}, nil
}

type viewList struct {
	Data []model.SavedView `json:"data"`
}

func (h *Handler) listViews(w http.ResponseWriter, r *http.Request) error {
	for k := range r.URL.Query() {
		return problem(400, "unknown_parameter", k, "unknown query parameter "+strconv.Quote(k)+"; GET /v1/views takes none")
	}
	vs, err := h.Svc.Views(r.Context(), whoOf(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, viewList{Data: vs})
	return nil
}

func (h *Handler) createView(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeView(r)
	if err != nil {
		return err
	}
	v, err := h.Svc.CreateView(r.Context(), whoOf(r), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, v)
	return nil
}

func (h *Handler) getView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.Svc.View(r.Context(), whoOf(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, v)
	return nil
}

func (h *Handler) updateView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decodeView(r)
	if err != nil {
		return err
	}
	v, err := h.Svc.UpdateView(r.Context(), whoOf(r), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, v)
	return nil
}

func (h *Handler) deleteView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteView(r.Context(), whoOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
