package ui

import (
	"net/http"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// Saved views on the customers list: a staff member saves the list's
// search, filter, sort and columns under a name, opens, renames, updates
// and deletes its views, and an administrator shares one with the tenant.
// Every read and write is crm's (crm/views.go decides who sees and changes
// which view), the same calls /v1/views makes.

// viewLink is a saved view as the list's views panel shows it.
type viewLink struct {
	ID      int64
	Name    string
	URL     string // the list with the view's state
	Shared  bool
	Mine    bool // the caller owns it
	Active  bool // the list shows it now
	CanEdit bool // the caller may rename, update or delete it
}

// stateOfView is the list state a view saves.
func stateOfView(v *model.SavedView) listState {
	return listState{Q: v.Q, Filter: v.Filter, Sort: v.Sort, Cols: strings.Join(v.Columns, ","), View: v.ID}
}

// viewLinks lists the caller's views for the panel; active is the view the
// list shows (0: none).
func (h *Handler) viewLinks(r *http.Request, active int64) ([]viewLink, error) {
	who := callerOf(r)
	vs, err := h.Svc.Views(r.Context(), who)
	if err != nil {
		return nil, err
	}
	out := make([]viewLink, 0, len(vs))
	for i := range vs {
		v := &vs[i]
		mine := v.StaffID == who.StaffID
		out = append(out, viewLink{ID: v.ID, Name: v.Name, URL: stateOfView(v).URL("/customers"), Shared: v.Shared, Mine: mine,
			Active: v.ID == active, CanEdit: mine || (v.Shared && who.Can(model.PermAdmin))})
	}
	return out, nil
}

// viewForm reads the list state a save or update form carries (q, filter,
// sort, cols: the list as the page shows it, filled by customers.js from
// the address bar after as-you-type searches).
func viewForm(r *http.Request) *crm.ViewInput {
	f := r.PostForm
	in := &crm.ViewInput{}
	q, filter, sort := f.Get("q"), f.Get("filter"), f.Get("sort")
	in.Q, in.Filter, in.Sort = &q, &filter, &sort
	cols := []string{}
	for _, c := range strings.Split(f.Get("cols"), ",") {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	in.Columns = &cols
	return in
}

func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return model.Invalid("", "the form could not be read")
	}
	return nil
}

// saveView serves POST /views: the list's state under a new name.
func (h *Handler) saveView(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := viewForm(r)
	name := r.PostForm.Get("name")
	in.Name = &name
	if r.PostForm.Get("shared") != "" {
		in.Shared = new(bool)
		*in.Shared = true
	}
	v, err := h.Svc.CreateView(r.Context(), callerOf(r), in)
	if err != nil {
		return err
	}
	http.Redirect(w, r, stateOfView(v).URL("/customers"), http.StatusSeeOther)
	return nil
}

// changeView serves POST /views/{id}: action rename (name),
// update (the list's current state), share or unshare.
func (h *Handler) changeView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	var in *crm.ViewInput
	switch a := r.PostForm.Get("action"); a {
	case "rename":
		name := r.PostForm.Get("name")
		in = &crm.ViewInput{Name: &name}
	case "update":
		in = viewForm(r)
	case "share", "unshare":
		b := a == "share"
		in = &crm.ViewInput{Shared: &b}
	default:
		return model.Invalid("action", "unknown action %q", a)
	}
	v, err := h.Svc.UpdateView(r.Context(), callerOf(r), id, in)
	if err != nil {
		return err
	}
	http.Redirect(w, r, stateOfView(v).URL("/customers"), http.StatusSeeOther)
	return nil
}

// deleteView serves POST /views/{id}/delete.
func (h *Handler) deleteView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteView(r.Context(), callerOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/customers", http.StatusSeeOther)
	return nil
}
