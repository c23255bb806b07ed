package ui

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/webhook"
)

//go:embed templates/*.html static/* messages/*.json
var assets embed.FS

// Handler serves the console.
type Handler struct {
	Svc    *crm.Service
	Store  *store.Store // saved views and sessions only; customers go through Svc
	People *people.Service
	Log    *slog.Logger
	// Webhooks serves the webhook pages (set by the server; nil: they
	// answer not found).
	Webhooks *webhook.Service

	pages    *pages
	p2       *pages2
	messages *catalogues
	mux      *http.ServeMux
	static   http.Handler
}

// New builds the console handler.
func New(svc *crm.Service, ppl *people.Service, log *slog.Logger) (*Handler, error) {
	h := &Handler{Svc: svc, Store: svc.Store, People: ppl, Log: log}
	h.messages = consoleMessages
	var err error
	if h.pages, err = loadPages(assets); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	h.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	h.p2 = h.newPages2()
	h.mux = http.NewServeMux()
	for _, rt := range h.routes() {
		h.mux.Handle(rt.Pattern, h.wrap(rt))
	}
	h.mux.HandleFunc("GET /static/", h.serveStatic)
	h.mux.HandleFunc("GET /static2/", func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		adminStatic.ServeHTTP(w, r)
	})
	return h, nil
}

// Patterns are the ServeMux patterns the console answers, for the server
// to mount this handler at.
func (h *Handler) Patterns() []string {
	out := []string{"GET /static/", "GET /static2/"}
	for _, rt := range h.routes() {
		out = append(out, rt.Pattern)
	}
	return out
}

// csp is the Content-Security-Policy of every console answer: nothing
// inline, nothing from elsewhere, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	httpx.SetRoute(r)
	// Assets change only with the binary; a day of caching and a
	// revalidation after that.
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if strings.HasSuffix(r.URL.Path, "/") {
		http.NotFound(w, r)
		return
	}
	h.static.ServeHTTP(w, r)
}

// handlerFunc is a console handler: it writes a page or returns an error,
// which wrap renders as the error page (or a fragment's error).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

type ctxKey int

const sessionKey ctxKey = 0

// session is the signed-in staff member of a request.
type session = people.Authenticated

func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey).(*session)
	return s
}

var errCSRF = errors.New("csrf")
