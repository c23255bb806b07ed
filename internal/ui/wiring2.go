package ui

import (
	"html/template"
	"net/http"
	"sort"
	"strings"
)

// The import, export, catalogue and administration pages (pages2, files
// import*, export*, catalog*, admin*) are wired into the console here:
// their routes join the route table behind the same session, CSRF and
// error handling, and their bodies are drawn inside the console's layout
// (templates/page2.html adds their style sheet and scripts).

func (h *Handler) newPages2() *pages2 {
	return &pages2{svc: h.Svc, people: h.People,
		caller: callerOf,
		sessionID: func(r *http.Request) int64 {
			if s := sessionOf(r.Context()); s != nil {
				return s.Session.ID
			}
			return 0
		},
		lang: langOf,
		layout: func(w http.ResponseWriter, r *http.Request, title string, body template.HTML) {
			p := h.page(r, body)
			p.Title = title
			if err := h.renderPage(w, r, http.StatusOK, "page2", p); err != nil {
				h.renderError(w, r, route{}, err)
			}
		},
		fail: func(w http.ResponseWriter, r *http.Request, err error) { h.renderError(w, r, route{}, err) },
	}
}

// routes2 are pages2's routes as lines of the route table; their handlers
// check their own permissions through crm.
func (h *Handler) routes2() []route {
	m := h.p2.routes2()
	pats := make([]string, 0, len(m))
	for p := range m {
		pats = append(pats, p)
	}
	sort.Strings(pats)
	out := make([]route, 0, len(pats))
	for _, p := range pats {
		fn := m[p]
		out = append(out, route{Pattern: p, Fragment: strings.HasSuffix(p, "/status") || strings.HasSuffix(p, "/preview"),
			MaxBody: maxImportUpload + 1<<20, // the preview reads what the import reads
			Fn: func(*Handler) handlerFunc {
				return func(w http.ResponseWriter, r *http.Request) error { fn(w, r); return nil }
			}})
	}
	return out
}
