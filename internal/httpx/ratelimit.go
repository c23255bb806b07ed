package httpx

import (
	"context"
	"net"
	"net/http"

	"github.com/kehu/kehu/internal/ratelimit"
)

type limiterKey struct{}

// WithLimiter makes l the request budget of every request under next: the
// APIs ask it through Arrived and Authenticated.
func WithLimiter(next http.Handler, l *ratelimit.Limiter) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), limiterKey{}, l)))
	})
}

func limiterOf(ctx context.Context) *ratelimit.Limiter {
	l, _ := ctx.Value(limiterKey{}).(*ratelimit.Limiter)
	return l
}

// Arrived counts a request against its source address's budget; every API
// calls it first, before reading a body or checking a credential, so token
// endpoints and logins are limited too. The address is the TCP peer.
func Arrived(r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	_, err = limiterOf(r.Context()).Address(host)
	return err
}

// Authenticated records the caller (SetCaller) and counts the request
// against the client's budget (its tenant's setting). The decision is nil
// when no budget applies.
func Authenticated(r *http.Request, tenantID int64, clientID string) (*ratelimit.Decision, error) {
	SetCaller(r, tenantID, clientID)
	return limiterOf(r.Context()).Client(r.Context(), tenantID, clientID)
}

// SetRateLimitHeaders writes a decision as RateLimit-* headers (the native
// API sends them on every authenticated answer).
func SetRateLimitHeaders(w http.ResponseWriter, d *ratelimit.Decision) {
	if d != nil {
		SetRateLimit(w, d.Limit, d.Remaining, d.Reset)
	}
}
