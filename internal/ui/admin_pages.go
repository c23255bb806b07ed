package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
)

// The import, export, catalogue and administration pages. They read
// through crm and the store with the session's caller and change things
// through the native API from static JS (the same handlers, validation,
// messages and audit entries as every API client); their templates are
// admin_templates/*.html, rendered into the console's layout.

//go:embed admin_templates/*.html
var adminTemplateFS embed.FS

// adminTemplates are parsed once; each request executes a clone bound to
// its language.
var adminTemplates = template.Must(template.New("pages2").Funcs(pageFuncs("zh-CN")).ParseFS(adminTemplateFS, "admin_templates/*.html"))

// pages2 serves these pages; the console wires it to its session, layout
// and error page.
type pages2 struct {
	svc    *crm.Service
	people *people.Service
	// caller is the request's caller (the console's session middleware
	// put it there), sessionID its session (0: none).
	caller    func(*http.Request) *model.Caller
	sessionID func(*http.Request) int64
	lang      func(*http.Request) string
	// layout writes a whole page around body; fail the console's error
	// page for err (403, 404, 500 …).
	layout func(w http.ResponseWriter, r *http.Request, title string, body template.HTML)
	fail   func(w http.ResponseWriter, r *http.Request, err error)
}

// text is the message key in lang, from the console's catalogues
// (messages/*.json), like every other page's texts.
func text(lang, key string) string {
	return consoleMessages.translator(lang)(key)
}

// consoleMessages are the catalogues embedded in the binary (a broken one
// fails every test, so it cannot ship).
var consoleMessages = func() *catalogues {
	c, err := loadCatalogues(assets)
	if err != nil {
		panic(err)
	}
	return c
}()

func pageFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"T": func(key string) string { return text(lang, key) },
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(defaultZone).Format("2006-01-02 15:04:05")
		},
		"percent":    func(p float64) int { return int(math.Floor(p * 100)) },
		"deref":      func(p *int64) int64 { return *p },
		"join":       strings.Join,
		"running":    running,
		"inc":        func(n int) int { return n + 1 },
		"fieldTable": func(fs []model.Field, canEdit bool) fieldTable { return fieldTable{Fields: fs, CanEdit: canEdit} },
		"indent":     func(n int) string { return strings.Repeat("\u00a0\u00a0", n) },
	}
}

// fieldTable is a table of fields, editable or not.
type fieldTable struct {
	Fields  []model.Field
	CanEdit bool
}

// render executes template name with data in the request's language.
func (p *pages2) render(r *http.Request, name string, data any) (template.HTML, error) {
	t, err := adminTemplates.Clone()
	if err != nil {
		return "", err
	}
	t.Funcs(pageFuncs(p.lang(r)))
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("ui: template %s: %w", name, err)
	}
	// .p2 scopes admin_static/admin.css to these pages.
	return template.HTML(`<div class="p2">` + b.String() + `</div>`), nil
}

// page renders template name as a whole page titled by the message key.
func (p *pages2) page(w http.ResponseWriter, r *http.Request, titleKey, name string, data any, err error) {
	if err != nil {
		p.fail(w, r, err)
		return
	}
	body, err := p.render(r, name, data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	p.layout(w, r, text(p.lang(r), titleKey), body)
}

// fragment writes template name alone (the wizard's steps, polled status).
func (p *pages2) fragment(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	body, err := p.render(r, name, data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// routes2 are these pages' routes, for the console's route table.
func (p *pages2) routes2() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /import":              p.importPage,
		"POST /import/preview":     p.importPreview,
		"GET /import/{id}":         p.importJob,
		"GET /import/{id}/status":  p.importStatus,
		"GET /export":              p.exportPage,
		"GET /catalog":             p.catalogSection("fields"),
		"GET /catalog/tags":        p.catalogSection("tags"),
		"GET /catalog/stages":      p.catalogSection("stages"),
		"GET /catalog/departments": p.catalogSection("departments"),
		"GET /catalog/staff":       p.catalogSection("staff"),
		"GET /admin":               func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/admin/users", http.StatusFound) },
		"GET /admin/users":         p.adminUsers,
		"GET /admin/roles":         p.adminRoles,
		"GET /admin/clients":       p.adminClients,
		"GET /admin/audit":         p.adminAudit,
		"GET /admin/sessions":      p.adminSessions,
	}
}

// Nav2 says which of these pages the caller's role reaches (the layout's
// navigation shows only those).
type Nav2 struct{ Import, Export, Catalog, Admin bool }

func nav2(c *model.Caller) Nav2 {
	if c == nil {
		return Nav2{}
	}
	return Nav2{Import: c.Can(model.PermImport), Export: c.Can(model.PermExport), Catalog: true, Admin: needAdmin(c) == nil}
}

var _ = importer.StatusDone

func mustSub(f embed.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}
