package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

// RequestIDHeader carries a request's id both ways.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID is the id Observe gave the request ("" outside a request).
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// saneRequestID accepts a client's id when it is short and plain (letters,
// digits and . _ : -), so that it can go into headers, logs and JSON as is.
func saneRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// NewRequestID is a random 32-hex-digit id (the shape of Yeastar's).
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withRequestID takes the client's X-Request-Id when sane, else makes one,
// puts it in the context and on the response.
func withRequestID(w http.ResponseWriter, r *http.Request) (*http.Request, string) {
	id := r.Header.Get(RequestIDHeader)
	if !saneRequestID(id) {
		id = NewRequestID()
	}
	w.Header().Set(RequestIDHeader, id)
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)), id
}

// LogHandler wraps a slog handler so that every record logged with a
// request's context (log.InfoContext(ctx, …), LogAttrs(ctx, …)) carries
// the request id, and the tenant and client once the API authenticated
// them.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(ctxHandler); ok {
		return h
	}
	return ctxHandler{h}
}

// WithRequestContext returns log with LogHandler around its handler.
func WithRequestContext(log *slog.Logger) *slog.Logger { return slog.New(LogHandler(log.Handler())) }

type ctxHandler struct{ slog.Handler }

func (c ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("requestId", id))
		if i := infoOf(ctx); i != nil && i.tenant != 0 {
			r.AddAttrs(slog.Int64("tenantId", i.tenant), slog.String("clientId", i.client))
		}
	}
	return c.Handler.Handle(ctx, r)
}

func (c ctxHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return ctxHandler{c.Handler.WithAttrs(as)}
}
func (c ctxHandler) WithGroup(name string) slog.Handler { return ctxHandler{c.Handler.WithGroup(name)} }

// SetCaller records who is calling (for the access log and every log line
// of the request): the API authenticates, then calls it.
func SetCaller(r *http.Request, tenantID int64, clientID string) {
	if i := infoOf(r.Context()); i != nil {
		i.tenant, i.client = tenantID, clientID
	}
}
