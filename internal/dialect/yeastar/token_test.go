package yeastar_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/testenv"
)

// claimsOf reads a JWT's payload without verifying it.
func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTokenFlows(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		p := login(t, e, e.Client)
		if p.TokenType != "bearer" || p.ExpiresIn != 1800 || p.AccessToken == "" || p.RefreshToken == "" || p.JTI == "" {
			t.Fatalf("token response %+v", p)
		}
		ac, rc := claimsOf(t, p.AccessToken), claimsOf(t, p.RefreshToken)
		if ac["jti"] != p.JTI {
			t.Errorf("jti %q is not the access token's (%v)", p.JTI, ac["jti"])
		}
		if ac["kind"] != "access" || rc["kind"] != "refresh" {
			t.Errorf("kinds %v / %v", ac["kind"], rc["kind"])
		}
		for name, c := range map[string]map[string]any{"access": ac, "refresh": rc} {
			if aud, _ := c["aud"].([]any); len(aud) != 1 || aud[0] != auth.AudYeastar {
				t.Errorf("%s token audience %v", name, c["aud"])
			}
		}
		if life := ac["exp"].(float64) - ac["iat"].(float64); life != 1800 {
			t.Errorf("access token lives %vs, want 1800", life)
		}
		if life := rc["exp"].(float64) - rc["iat"].(float64); life != 15*24*3600 {
			t.Errorf("refresh token lives %vs, want 15 days", life)
		}
		wantOK(t, api(t, e, p.AccessToken, "GET", "/customers", ""))

		// A refresh gives a new pair; both the new and the old refresh
		// token keep working until they expire (documented decision).
		p2 := decodePair(t, refresh(t, e, p.RefreshToken))
		if p2.AccessToken == p.AccessToken || p2.RefreshToken == p.RefreshToken || p2.JTI == p.JTI {
			t.Fatal("refresh returned the same tokens")
		}
		wantOK(t, api(t, e, p2.AccessToken, "GET", "/customers", ""))
		wantOK(t, api(t, e, p.AccessToken, "GET", "/customers", ""))
		p3 := decodePair(t, refresh(t, e, p.RefreshToken))
		decodePair(t, refresh(t, e, p2.RefreshToken))

		// Token kinds do not mix.
		wantFail(t, api(t, e, p.RefreshToken, "GET", "/customers", ""), 401, 10004)
		r := refresh(t, e, p.AccessToken)
		checkEnvelope(t, r)
		wantFail(t, r, 401, 10004, "refresh token")

		// A multipart form works too.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("grant_type", "client_credentials")
		mw.WriteField("client_id", e.Client.ClientID)
		mw.WriteField("client_secret", e.Client.Secret)
		mw.Close()
		decodePair(t, send(t, "POST", e.URL+"/dm/open_api/oauth/token", &body, map[string]string{"Content-Type": mw.FormDataContentType()}))

		// Rotation kills every token of the client, refresh tokens included.
		rotated, err := e.Auth.Rotate(ctx(), e.Client.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range []string{p.RefreshToken, p2.RefreshToken, p3.RefreshToken} {
			r := refresh(t, e, rt)
			checkEnvelope(t, r)
			wantFail(t, r, 401, 10004, "revoked")
		}
		wantFail(t, api(t, e, p3.AccessToken, "GET", "/customers", ""), 401, 10004, "revoked")
		r = tokenCall(t, e, url.Values{"grant_type": {"client_credentials"}, "client_id": {e.Client.ClientID}, "client_secret": {e.Client.Secret}})
		checkEnvelope(t, r)
		wantFail(t, r, 401, 10004, "client")
		p4 := login(t, e, rotated)
		wantOK(t, api(t, e, p4.AccessToken, "GET", "/customers", ""))

		// Revoking the client kills its refresh tokens too.
		if err := e.Auth.Revoke(ctx(), e.Client.ClientID); err != nil {
			t.Fatal(err)
		}
		r = refresh(t, e, p4.RefreshToken)
		checkEnvelope(t, r)
		wantFail(t, r, 401, 10004, "revoked")
		wantFail(t, api(t, e, p4.AccessToken, "GET", "/customers", ""), 401, 10004)
	})
}

func TestTokenExpiry(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		past := *e.Auth
		past.Now = func() time.Time { return time.Now().Add(-15*24*time.Hour - time.Minute) }
		acc, _, err := past.Issue(e.Client, auth.AudYeastar, auth.KindAccess, 30*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		ref, _, err := past.Issue(e.Client, auth.AudYeastar, auth.KindRefresh, 15*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		wantFail(t, api(t, e, acc, "GET", "/customers", ""), 401, 10004, "expired")
		r := refresh(t, e, ref)
		checkEnvelope(t, r)
		wantFail(t, r, 401, 10004, "expired")
	})
}

func TestTokenErrors(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		id, secret := e.Client.ClientID, e.Client.Secret
		cases := []struct {
			name   string
			form   url.Values
			hdr    []string
			status int
			code   int
			msg    string
		}{
			{"missing grant_type", url.Values{"client_id": {id}, "client_secret": {secret}}, nil, 400, 40002, "grant_type"},
			{"unsupported grant_type", url.Values{"grant_type": {"password"}}, nil, 400, 40002, "grant_type"},
			{"missing client_id", url.Values{"grant_type": {"client_credentials"}, "client_secret": {secret}}, nil, 400, 40002, "client_id"},
			{"missing client_secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}}, nil, 400, 40002, "client_secret"},
			{"missing refresh_token", url.Values{"grant_type": {"refresh_token"}}, nil, 400, 40002, "refresh_token"},
			{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret + "x"}}, nil, 401, 10004, "client"},
			{"unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"kh1_aaaaaaaaaaaaaaaaaaaa"}, "client_secret": {secret}}, nil, 401, 10004, "client"},
			{"garbage refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"abc.def.ghi"}}, nil, 401, 10004, "refresh token"},
			{"JSON content type, no form", nil, []string{"Content-Type", "application/json"}, 400, 40002, "grant_type"},
			{"no User-Agent", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, []string{"User-Agent", ""}, 400, 40002, "User-Agent"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := tokenCall(t, e, c.form, c.hdr...)
				checkEnvelope(t, r)
				wantFail(t, r, c.status, c.code, c.msg)
				if strings.Contains(string(r.Body), secret) {
					t.Error("the secret is echoed")
				}
			})
		}
		r := send(t, "GET", e.URL+"/dm/open_api/oauth/token", nil, nil)
		checkEnvelope(t, r)
		wantFail(t, r, 405, 40002, "POST")
		// A native token is not a Yeastar token, and the other way round.
		nat := nativeToken(t, e)
		wantFail(t, api(t, e, nat, "GET", "/customers", ""), 401, 10004)
		yt := login(t, e, e.Client).AccessToken
		if r := send(t, "GET", e.URL+"/v1/customers", nil, map[string]string{"Authorization": "Bearer " + yt}); r.Status != 401 {
			t.Errorf("a Yeastar token on the native API: HTTP %d", r.Status)
		}
	})
}

// nativeToken gets a native API token for the env's client.
func nativeToken(t *testing.T, e *testenv.Env) string {
	t.Helper()
	r := send(t, "POST", e.URL+"/v1/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"},
		"client_id": {e.Client.ClientID}, "client_secret": {e.Client.Secret}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || out.AccessToken == "" {
		t.Fatalf("native token: HTTP %d %s", r.Status, r.Body)
	}
	return out.AccessToken
}
