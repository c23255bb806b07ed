package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
)

// tokenError is an RFC 6749 §5.2 error response.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// token implements the client credentials grant (RFC 6749 §4.4). The client
// authenticates with HTTP Basic or with client_id/client_secret form fields.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) error {
	fail := func(status int, code, desc string) error {
		if status == 401 {
			w.Header().Set("WWW-Authenticate", `Basic realm="kehu"`)
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, status, tokenError{code, desc})
		return nil
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return fail(400, "invalid_request", "send the token request as application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return fail(400, "invalid_request", "the form body could not be parsed")
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			return fail(400, "invalid_request", "grant_type is required")
		}
		return fail(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" || secret == "" {
		return fail(401, "invalid_client", "client authentication is required (HTTP Basic or client_id and client_secret)")
	}
	c, err := h.Auth.Authenticate(r.Context(), id, secret)
	if err != nil {
		if errors.Is(err, auth.ErrBadCredentials) {
			return fail(401, "invalid_client", "unknown client or wrong secret")
		}
		if ra, ok := auth.RetryAfter(err); ok {
			w.Header().Set("Retry-After", ra)
			return fail(429, "temporarily_unavailable", err.Error())
		}
		return err
	}
	scopes := c.Scopes
	if s := strings.Fields(r.PostForm.Get("scope")); len(s) > 0 {
		for _, x := range s {
			if !c.HasScope(x) {
				return fail(400, "invalid_scope", "the client was not granted scope "+x)
			}
		}
		scopes = s
	}
	narrowed := *c
	narrowed.Scopes = scopes
	tok, _, err := h.Auth.Issue(&narrowed, "native", "access", TokenTTL)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, 200, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int(TokenTTL.Seconds()), "scope": strings.Join(scopes, " "),
	})
	return nil
}
