package ui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/fault"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// pages are the parsed templates: one set per page file, each holding the
// layout, the shared partials (files starting with "_") and the page.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	// dict builds a map for passing several values to a partial.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(defaultZone).Format("2006-01-02 15:04")
	},
	"isoDate": func(t time.Time) string { return t.In(defaultZone).Format(time.RFC3339) },
	// seconds is a time to the second (delivery logs).
	"seconds": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(defaultZone).Format("2006-01-02 15:04:05")
	},
}

func loadPages(fsys fs.FS) (*pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	if parts, _ := fs.Glob(fsys, "templates/_*.html"); len(parts) > 0 {
		if base, err = base.ParseFS(fsys, parts...); err != nil {
			return nil, err
		}
	}
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, f)
		if err != nil {
			return nil, err
		}
		p.byName[name] = t
	}
	return p, nil
}

// Page is what every template gets: the texts (T), who is signed in, the
// navigation, the CSRF token for forms, and the page's own Data.
type Page struct {
	tr      func(key string, args ...any) string
	Lang    string
	Title   string
	Path    string // the request's path and query, for the language switch
	Caller  *model.Caller
	Staff   string // the signed-in staff member's name
	Nav     []navLink
	CSRF    string
	Data    any
	Error   string // a message for the whole page (an error state)
	Saved   bool   // a change was just saved (?saved=…)
	Problem *model.FieldError
}

// T is the text of message key in the page's language, with args applied.
func (p *Page) T(key string, args ...any) string { return p.tr(key, args...) }

// Can reports whether the signed-in caller has permission p (for showing
// actions; crm still decides).
func (p *Page) Can(perm string) bool {
	return p.Caller != nil && p.Caller.Can(model.Permission(perm))
}

func (h *Handler) page(r *http.Request, data any) *Page {
	lang := langOf(r)
	p := &Page{tr: h.messages.translator(lang), Lang: lang, Path: r.URL.RequestURI(), Data: data, Saved: r.URL.Query().Get("saved") != ""}
	if s := sessionOf(r.Context()); s != nil {
		p.Caller, p.Staff, p.CSRF = s.Caller, s.Caller.StaffName, h.People.CSRFToken(s.Token)
		p.Nav = h.navFor(r, s.Caller, p.T)
	}
	return p
}

func (h *Handler) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error {
	return h.execute(w, status, name, "layout.html", p)
}

// fragment writes the template block of page name (a part of the page
// fetched by a script), without the layout.
func (h *Handler) fragment(w http.ResponseWriter, r *http.Request, page, block string, data any) error {
	return h.execute(w, http.StatusOK, page, block, h.page(r, data))
}

func (h *Handler) execute(w http.ResponseWriter, status int, page, block string, p *Page) error {
	t := h.pages.byName[page]
	if t == nil {
		return fmt.Errorf("ui: no template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, p); err != nil {
		return fmt.Errorf("ui: render %s/%s: %w", page, block, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// renderError answers err as the error page (or, for a fragment route, a
// short fragment): crm's safe message, never a cause.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, rt route, err error) {
	err = fault.Faulted(err) // a database that is down is a 503, as on the APIs
	status, msg := h.classify(r, err)
	setRetryAfter(w, err)
	if status >= 500 {
		h.Log.ErrorContext(r.Context(), "console request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	p := h.page(r, nil)
	p.Error = msg
	p.Title = p.T("error.title")
	block := "layout.html"
	if rt.Fragment {
		block = "error-fragment"
	}
	if e := h.execute(w, status, "error", block, p); e != nil {
		h.Log.ErrorContext(r.Context(), "console error page failed", slog.Any("error", e))
		http.Error(w, msg, status)
	}
}

// setRetryAfter says when trying again helps — a rate limit, a lockout, a
// database that is down or full — as the APIs do (Retry-After).
func setRetryAfter(w http.ResponseWriter, err error) {
	httpx.OverloadHeaders(w, err)
	if ra, ok := auth.RetryAfter(err); ok {
		w.Header().Set("Retry-After", ra)
	}
}

// classify gives an error its status and the message a user sees. The
// status, code and safe detail come from fault.Of — the classification the
// native API answers with — and the console only translates: the message
// "fault.<code>" of the catalogue (given the detail where it has a %s),
// else the safe detail of a client error, else "internal error".
func (h *Handler) classify(r *http.Request, err error) (int, string) {
	lang := langOf(r)
	t := h.messages.translator(lang)
	var locked *auth.LockedError
	switch {
	case errors.Is(err, errCSRF):
		return http.StatusForbidden, t("error.csrf")
	case errors.As(err, &locked):
		return http.StatusTooManyRequests, t("login.locked", locked.Seconds()) // the same seconds as Retry-After
	}
	f := fault.Of(err)
	if f.Status == 400 && f.Field != "" && f.Code != "invalid_query" && f.Code != "invalid_filter" {
		f.Status = http.StatusUnprocessableEntity // a form value: the page says which
	}
	if key := "fault." + f.Code; h.messages.has(lang, key) {
		if strings.Contains(t(key), "%s") {
			return f.Status, t(key, f.Detail)
		}
		return f.Status, t(key)
	}
	if f.Internal() {
		return f.Status, t("fault.internal")
	}
	return f.Status, f.Detail
}
