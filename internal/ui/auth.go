package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/store"
)

// maxForm bounds a form body (routes with uploads set their own MaxBody).
const maxForm = 1 << 20

// wrap runs one route: the session (people.Authenticate, as the native
// API does) becomes the request's caller; a state-changing request must
// carry the session's CSRF token; a page needing a permission the role
// lacks is answered 403 before the handler runs.
func (h *Handler) wrap(rt route) http.Handler {
	fn := rt.Fn(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if !people.Safe(r.Method) {
			limit := int64(maxForm)
			if rt.MaxBody > 0 {
				limit = rt.MaxBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		tok := people.TokenFrom(r)
		var a *people.Authenticated
		if tok != "" {
			var err error
			a, err = h.People.Authenticate(r.Context(), tok)
			if err != nil && !errors.Is(err, people.ErrNoSession) {
				h.renderError(w, r, rt, err)
				return
			}
		}
		if a != nil {
			ctx := context.WithValue(r.Context(), sessionKey, a)
			// The staff member's writes fence their reads on every node and replica.
			r = r.WithContext(store.WithSession(ctx, a.Caller.TenantID, a.Caller.Session()))
		}
		if !rt.Public {
			if a == nil {
				if tok != "" {
					people.ClearCookie(w, r)
				}
				if rt.Fragment || !people.Safe(r.Method) {
					h.renderError(w, r, rt, people.ErrNoSession)
					return
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			if !people.Safe(r.Method) && !h.People.CheckCSRF(tok, people.CSRFFrom(r)) {
				h.renderError(w, r, rt, errCSRF)
				return
			}
			if rt.Perm != "" && !a.Caller.Can(rt.Perm) {
				h.renderError(w, r, rt, model.ErrForbidden)
				return
			}
		}
		if err := fn(w, r); err != nil {
			h.renderError(w, r, rt, err)
		}
	})
}

// callerOf is the request's caller for crm.
func callerOf(r *http.Request) *model.Caller {
	if s := sessionOf(r.Context()); s != nil {
		return s.Caller
	}
	return nil
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/customers", http.StatusSeeOther)
	return nil
}

// The sign-in form has no session yet, so its CSRF protection is a
// double-submit token: a random value in a cookie that the form repeats.
const loginCSRFCookie = "kehu_login_csrf"

type loginData struct {
	Next      string
	Login     string
	Password  string // only carried into the second-factor step
	Tenant    string
	Step      string // "", "totp"
	AskTenant bool
	Token     string
}

func (h *Handler) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) == 26 {
		return c.Value
	}
	v := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: v, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return v
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"), "/customers")
	if sessionOf(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return h.showLogin(w, r, http.StatusOK, &loginData{Next: next, Token: h.loginToken(w, r)}, "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, d *loginData, msg string) error {
	p := h.page(r, d)
	p.Title, p.Error = p.T("login.title"), msg
	return h.renderPage(w, r, status, "login", p)
}

func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return model.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	d := &loginData{Next: localPath(f.Get("next"), "/customers"), Login: strings.TrimSpace(f.Get("login")),
		Tenant: strings.TrimSpace(f.Get("tenant"))}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(f.Get(people.CSRFField))) != 1 {
		d.Token = h.loginToken(w, r)
		t := h.messages.translator(langOf(r))
		return h.showLogin(w, r, http.StatusForbidden, d, t("login.expired"))
	}
	d.Token = c.Value
	t := h.messages.translator(langOf(r))
	var tenant int64
	if d.Tenant != "" {
		if tenant, err = strconv.ParseInt(d.Tenant, 10, 64); err != nil || tenant <= 0 {
			d.AskTenant = true
			return h.showLogin(w, r, http.StatusUnprocessableEntity, d, t("login.badTenant"))
		}
		d.AskTenant = true
	}
	st, err := h.People.Login(r.Context(), people.LoginRequest{TenantID: tenant, Login: d.Login, Password: f.Get("password"),
		TOTP: f.Get("totp"), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, people.ErrTOTPRequired):
		d.Step, d.Password = "totp", f.Get("password")
		return h.showLogin(w, r, http.StatusOK, d, "")
	case errors.Is(err, people.ErrTenantRequired):
		d.AskTenant = true
		return h.showLogin(w, r, http.StatusUnprocessableEntity, d, t("login.needTenant"))
	case errors.Is(err, people.ErrBadLogin):
		msg := t("login.bad")
		if f.Get("totp") != "" {
			msg = t("login.badCode")
		}
		return h.showLogin(w, r, http.StatusUnauthorized, d, msg)
	case err != nil:
		status, msg := h.classify(r, err)
		if status >= 500 {
			return err
		}
		setRetryAfter(w, err) // a lockout or a spent login budget says when
		return h.showLogin(w, r, status, d, msg)
	}
	people.SetCookie(w, r, st.Token, st.Session.CreatedAt.Add(people.MaxAge))
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil})
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.People.Logout(r.Context(), sessionOf(r.Context())); err != nil {
		return err
	}
	people.ClearCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
