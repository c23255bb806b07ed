package people

import (
	"net/http"
	"time"
)

// Cookie and CSRF names the native API and the console share.
const (
	CookieName = "kehu_session"
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// SetCookie sets the session cookie: HttpOnly (scripts never see the
// token), SameSite=Lax (other sites' forms and fetches do not carry it),
// Secure when the request came over TLS, for the whole site, until expires.
func SetCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, Expires: expires.UTC(), MaxAge: int(time.Until(expires).Seconds())})
}

// ClearCookie removes the session cookie.
func ClearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: -1})
}

// TokenFrom returns the session token of r's cookie, or "".
func TokenFrom(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// Safe reports whether a method changes nothing (CSRF checks skip it).
func Safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// CSRFFrom returns the CSRF token a request carries: the X-CSRF-Token
// header, else the csrf_token field of a form body.
func CSRFFrom(r *http.Request) string {
	if v := r.Header.Get(CSRFHeader); v != "" {
		return v
	}
	return r.PostFormValue(CSRFField)
}

// RequireCSRF wraps the console's form handlers: a state-changing request
// that carries a session cookie must carry that session's CSRF token too,
// else it is answered 403 by fail. Requests without a session cookie pass
// (they are not authenticated by it).
func (s *Service) RequireCSRF(next http.Handler, fail func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := TokenFrom(r); tok != "" && !Safe(r.Method) && !s.CheckCSRF(tok, CSRFFrom(r)) {
			fail(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
