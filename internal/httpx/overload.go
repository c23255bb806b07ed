package httpx

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// Overloaded is model.Overloaded, here where the APIs render it.
type Overloaded = model.Overloaded

// SetRetryAfter sets Retry-After for an Overloaded error.
func SetRetryAfter(w http.ResponseWriter, e *Overloaded) {
	w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds()))
}

// OverloadHeaders sets Retry-After, and the RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset headers for a spent rate limit,
// when err is an Overloaded; it reports whether it was.
func OverloadHeaders(w http.ResponseWriter, err error) (*Overloaded, bool) {
	var o *Overloaded
	if !errors.As(err, &o) {
		return nil, false
	}
	SetRetryAfter(w, o)
	if o.Limit > 0 {
		SetRateLimit(w, o.Limit, o.Remaining, o.Reset)
	}
	return o, true
}

// SetRateLimit sets the RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers):
// the budget, what is left of it and the seconds until it is whole again.
func SetRateLimit(w http.ResponseWriter, limit, remaining int, reset time.Duration) {
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
	h.Set("RateLimit-Reset", strconv.Itoa(int((reset+time.Second-1)/time.Second)))
}
