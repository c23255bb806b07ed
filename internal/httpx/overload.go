package httpx

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Overloaded is the error of a request kehu refuses for load, not for
// anything wrong with it: a rate limit spent (429), a tenant's share of
// heavy work taken (429) or the whole node's (503). Every API renders it in
// its own envelope, with a Retry-After header (SetRetryAfter).
type Overloaded struct {
	Status     int           // 429 or 503
	RetryAfter time.Duration // when trying again makes sense
	Msg        string        // safe to show: what was exceeded
	// Limit, Remaining and Reset describe a rate-limit budget (the native
	// API's RateLimit-* headers); Limit 0 when this is not a rate limit.
	Limit, Remaining int
	Reset            time.Duration
}

func (e *Overloaded) Error() string { return e.Msg }

// RetryAfterSeconds is RetryAfter rounded up to whole seconds (at least 1).
func (e *Overloaded) RetryAfterSeconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

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
