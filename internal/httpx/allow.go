package httpx

import (
	"net/http"
	"strings"
)

// Allowed returns the methods (comma-separated, for an Allow header) of the
// ServeMux patterns ("GET /v1/customers/{id}") whose path matches path; ""
// when none does. APIs use it to answer a wrong method with 405 in their own
// envelope instead of ServeMux's plain-text one.
func Allowed(patterns []string, path string) string {
	var m []string
	for _, pat := range patterns {
		method, p, _ := strings.Cut(pat, " ")
		if matchPath(p, path) {
			m = append(m, method)
		}
	}
	return strings.Join(m, ", ")
}

// matchPath matches a pattern path with {wildcards} segment by segment; as
// in ServeMux, a wildcard never matches an empty segment.
func matchPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
		} else if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// TrimSlash serves "/a/b/" as "/a/b" when a pattern matches the path
// without its trailing slashes (Spring MVC's default trailing-slash match,
// which the platforms' clients rely on); other paths are left alone.
func TrimSlash(patterns []string, r *http.Request) *http.Request {
	p := r.URL.Path
	if len(p) < 2 || !strings.HasSuffix(p, "/") {
		return r
	}
	t := strings.TrimRight(p, "/")
	if t == "" || Allowed(patterns, t) == "" {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = t, ""
	return r2
}
