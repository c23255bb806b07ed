package httpx

import "strings"

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
