package model

import "time"

// Overloaded is the error of a request kehu refuses for load, not for
// anything wrong with it: a rate limit spent (429), a tenant's share of
// heavy work taken (429) or the whole node's (503). Every API renders it in
// its own envelope, with a Retry-After header (httpx.OverloadHeaders).
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
