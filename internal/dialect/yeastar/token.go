package yeastar

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// maxTokenBody bounds the token call's form.
const maxTokenBody = 64 << 10

// tokenOut is the token response: no envelope, as Yeastar sends it.
type tokenOut struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	JTI          string `json:"jti"`
}

// token implements POST /dm/open_api/oauth/token with
// grant_type=client_credentials (client_id, client_secret) and
// grant_type=refresh_token (refresh_token). Both answer a new access token
// and a new refresh token. As the Spring OAuth2 server YCM's tokens come
// from, parameters are read from the form body and from the query string of
// the POST (the body wins), and the client may authenticate with HTTP Basic
// (RFC 6749 §2.3.1: form-encoded id and secret, base64) instead of
// client_id/client_secret parameters. The access log records the path
// only, never the query, so secrets in a query string stay out of it.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenBody)
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return paramError("body", "the form body could not be parsed")
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxTokenBody); err != nil {
			return paramError("body", "the multipart form body could not be parsed")
		}
	default:
		// No form body: parameters may still come in the query string.
		if b, _ := io.ReadAll(r.Body); len(bytes.TrimSpace(b)) > 0 {
			return paramError("Content-Type", "send the token request as application/x-www-form-urlencoded")
		}
		if err := r.ParseForm(); err != nil {
			return paramError("query", "the query string could not be parsed")
		}
	}
	form := r.Form // body values first, then the query string's
	if id, secret, ok := basicCredentials(r); ok {
		if fid := form.Get("client_id"); fid != "" && fid != id {
			return paramError("client_id", "differs from the client in the Authorization header")
		}
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	var c *model.Client
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
		id, secret := form.Get("client_id"), form.Get("client_secret")
		if id == "" {
			return paramError("client_id", "is required")
		}
		if secret == "" {
			return paramError("client_secret", "is required")
		}
		var err error
		c, err = h.Auth.Authenticate(r.Context(), id, secret)
		if errors.Is(err, auth.ErrBadCredentials) {
			return tokenFailure("INVALID CLIENT: unknown or revoked client_id, or wrong client_secret")
		}
		if err != nil {
			return err
		}
	case "refresh_token":
		rt := form.Get("refresh_token")
		if rt == "" {
			return paramError("refresh_token", "is required")
		}
		var err error
		_, c, err = h.Auth.Verify(r.Context(), rt, auth.AudYeastar, auth.KindRefresh)
		switch {
		case errors.Is(err, auth.ErrTokenExpired):
			return tokenFailure("TOKEN INVALID OR EXPIRED: the refresh token has expired; request a new token pair with grant_type=client_credentials")
		case errors.Is(err, auth.ErrTokenRevoked):
			return tokenFailure("TOKEN INVALID OR EXPIRED: the refresh token was revoked (client secret rotated or client revoked)")
		case errors.Is(err, auth.ErrTokenInvalid):
			return tokenFailure("TOKEN INVALID OR EXPIRED: the refresh token is not valid")
		case err != nil:
			return err
		}
	case "":
		return paramError("grant_type", "is required (client_credentials or refresh_token)")
	default:
		return paramError("grant_type", "must be client_credentials or refresh_token")
	}
	access, claims, err := h.Auth.Issue(c, auth.AudYeastar, auth.KindAccess, AccessTTL)
	if err != nil {
		return err
	}
	refresh, _, err := h.Auth.Issue(c, auth.AudYeastar, auth.KindRefresh, RefreshTTL)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, tokenOut{AccessToken: access, RefreshToken: refresh, TokenType: "bearer",
		ExpiresIn: int(AccessTTL.Seconds()), JTI: claims.ID})
	return nil
}

// basicCredentials reads "Authorization: Basic base64(id:secret)", where id
// and secret are form-encoded first (RFC 6749 §2.3.1; a plain id and
// secret, as most clients send them, decode to themselves).
func basicCredentials(r *http.Request) (id, secret string, ok bool) {
	id, secret, ok = r.BasicAuth()
	if !ok {
		return "", "", false
	}
	if u, err := url.QueryUnescape(id); err == nil {
		id = u
	}
	if u, err := url.QueryUnescape(secret); err == nil {
		secret = u
	}
	return id, secret, id != ""
}
