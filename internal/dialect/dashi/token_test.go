package dashi_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/dialect/dashi"
)

func TestTokenGolden(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		status, body := e.call(t, "GET", dashi.TokenPath+"?"+tokenQuery(t, e.Client.ClientID, e.Client.Secret, "md5", uniqueNow()), "", "")
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		golden(t, "token", scrub(body, "token"))
	})
}

// TestTokenSignMethods: every spelling of every method, signatures in
// either hex case, timestamps just inside the window; each token then
// works on the page call.
func TestTokenSignMethods(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.Client
		for _, tc := range []struct {
			name, method string
			upper        bool
			skew         time.Duration
		}{
			{"md5", "md5", false, 0},
			{"md5 upper-case hex", "md5", true, 0},
			{"MD5 method in capitals", "MD5", false, 0},
			{"hmac-sha256", "hmac-sha256", false, 0},
			{"hmac_sha256", "hmac_sha256", false, 0},
			{"hmac-sha256 upper-case hex", "hmac-sha256", true, 0},
			{"19 minutes old", "md5", false, -19 * time.Minute},
			{"19 minutes ahead", "hmac_sha256", false, 19 * time.Minute},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ts := strconv.FormatInt(uniqueNow().Add(tc.skew).UnixMilli(), 10)
				sign, err := dashi.Sign(tc.method, c.ClientID, ts, c.Secret)
				if err != nil {
					t.Fatal(err)
				}
				if tc.upper {
					sign = strings.ToUpper(sign)
				}
				q := url.Values{"appid": {c.ClientID}, "sign_method": {tc.method}, "sign": {sign}, "timestamp": {ts}}
				status, body := e.call(t, "GET", dashi.TokenPath+"?"+q.Encode(), "", "")
				if status != 200 {
					t.Fatalf("%d %s", status, body)
				}
				tok := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(body)), `{"token":"`), `"}`)
				if status, body := e.page(t, tok, "project="+e.project(), `{"pageSize":1,"pageIndex":1}`); status != 200 {
					t.Fatalf("page with the token: %d %s", status, body)
				}
			})
		}
	})
}

func TestTokenErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.Auth.Guard = nil // one bad signature after another: the answers, not the lockout (internal/server/lockout_test.go)
		c := e.Client
		now := time.Now()
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		good, _ := dashi.Sign("md5", c.ClientID, ts, c.Secret)
		hmacSign, _ := dashi.Sign("hmac-sha256", c.ClientID, ts, c.Secret)
		wrongSecret, _ := dashi.Sign("md5", c.ClientID, ts, c.Secret+"x")
		q := func(kv ...string) string {
			v := url.Values{"appid": {c.ClientID}, "sign_method": {"md5"}, "sign": {good}, "timestamp": {ts}}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == "-" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v.Encode()
		}
		unknownID := auth.IDPrefix + strconv.FormatInt(e.Tenant.ID, 36) + "_aaaaaaaaaaaaaaaaaaaa"
		unknownSign, _ := dashi.Sign("md5", unknownID, ts, c.Secret)
		for _, tc := range []struct {
			name, query string
			code        int
			status, msg string
		}{
			{"missing appid", q("appid", "-"), 400, dashi.StatusParamError, "appid"},
			{"missing sign", q("sign", "-"), 400, dashi.StatusParamError, "sign"},
			{"missing timestamp", q("timestamp", "-"), 400, dashi.StatusParamError, "timestamp"},
			{"missing sign_method", q("sign_method", "-"), 400, dashi.StatusParamError, "sign_method"},
			{"unknown sign_method", q("sign_method", "sha1"), 400, dashi.StatusParamError, "sign_method"},
			{"10-digit timestamp", q("timestamp", strconv.FormatInt(now.Unix(), 10)), 400, dashi.StatusParamError, "13 位"},
			{"non-numeric timestamp", q("timestamp", "17000000000xx"), 400, dashi.StatusParamError, "timestamp"},
			{"stale timestamp", tokenQuery(t, c.ClientID, c.Secret, "md5", now.Add(-21*time.Minute)), 403, dashi.StatusTimestampExpired, "timestamp"},
			{"future timestamp", tokenQuery(t, c.ClientID, c.Secret, "md5", now.Add(21*time.Minute)), 403, dashi.StatusTimestampExpired, "timestamp"},
			{"unknown appid", q("appid", unknownID, "sign", unknownSign), 403, dashi.StatusSignError, "签名不匹配"},
			{"malformed appid", q("appid", "371344636432453"), 403, dashi.StatusSignError, "签名不匹配"},
			{"bad signature", q("sign", strings.Repeat("0", 32)), 403, dashi.StatusSignError, "签名不匹配"},
			{"signed with another secret", q("sign", wrongSecret), 403, dashi.StatusSignError, "签名不匹配"},
			{"hmac signature sent as md5", q("sign", hmacSign), 403, dashi.StatusSignError, "签名不匹配"},
			{"md5 signature sent as hmac", q("sign_method", "hmac-sha256"), 403, dashi.StatusSignError, "签名不匹配"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body := e.call(t, "GET", dashi.TokenPath+"?"+tc.query, "", "")
				wantError(t, status, body, tc.code, tc.status, tc.msg)
			})
		}
		t.Run("POST is not allowed", func(t *testing.T) {
			status, body := e.call(t, "POST", dashi.TokenPath+"?"+q(), "", "{}")
			wantError(t, status, body, 405, dashi.StatusMethodNotAllowed, "GET")
		})
		t.Run("unknown endpoint", func(t *testing.T) {
			status, body := e.call(t, "GET", "/api/open/customer/customer-manage/v1/nothing", "", "")
			wantError(t, status, body, 404, dashi.StatusNotFound, "接口不存在")
		})
	})
}

// TestBearerErrors: every way a visitor token can be unacceptable, on the
// page and the add call, with nothing written.
func TestBearerErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.Client

		e.Auth.Now = func() time.Time { return time.Now().Add(-dashi.TokenTTL - time.Minute) }
		expired, _, err := e.Auth.Issue(c, auth.AudDashi, auth.KindAccess, dashi.TokenTTL)
		e.Auth.Now = nil
		if err != nil {
			t.Fatal(err)
		}
		native, _, err := e.Auth.Issue(c, auth.AudNative, auth.KindAccess, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"tid": c.TenantID, "cid": c.ClientID, "sub": c.ClientID, "iss": auth.Issuer, "aud": []string{auth.AudDashi},
			"kind": auth.KindAccess, "sv": 1, "scp": c.Scopes, "jti": "x",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		}).SignedString([]byte("not kehu's key"))
		if err != nil {
			t.Fatal(err)
		}
		revokedClient := e.NewClient(t, e.Tenant.ID, 0)
		revoked := e.token(t, revokedClient)
		if err := e.Auth.Revoke(ctx, revokedClient.ClientID); err != nil {
			t.Fatal(err)
		}
		rotatedClient := e.NewClient(t, e.Tenant.ID, 0)
		rotated := e.token(t, rotatedClient)
		fresh, err := e.Auth.Rotate(ctx, rotatedClient.ClientID)
		if err != nil {
			t.Fatal(err)
		}

		before := e.eventCount(t)
		for _, tc := range []struct {
			name, header string
			status       string
		}{
			{"missing", "", dashi.StatusTokenInvalid},
			{"not bearer", "Basic " + c.ClientID, dashi.StatusTokenInvalid},
			{"empty bearer", "Bearer ", dashi.StatusTokenInvalid},
			{"garbage", "Bearer not-a-jwt", dashi.StatusTokenInvalid},
			{"forged", "Bearer " + forged, dashi.StatusTokenInvalid},
			{"native API token", "Bearer " + native, dashi.StatusTokenInvalid},
			{"expired", "Bearer " + expired, dashi.StatusTokenExpired},
			{"revoked client", "Bearer " + revoked, dashi.StatusTokenInvalid},
			{"rotated secret", "Bearer " + rotated, dashi.StatusTokenInvalid},
		} {
			for _, ep := range []struct{ path, body string }{
				{dashi.PagePath, `{"pageSize":10,"pageIndex":1}`},
				{dashi.AddPath, `{"name":"张三"}`},
			} {
				t.Run(tc.name+" "+ep.path[strings.LastIndex(ep.path, "/")+1:], func(t *testing.T) {
					hdr := http.Header{}
					if tc.header != "" {
						hdr.Set("Authorization", tc.header)
					}
					status, body := e.callWith(t, "POST", ep.path+"?project="+e.project(), hdr, ep.body)
					wantError(t, status, body, 401, tc.status, "令牌")
				})
			}
		}
		if n := e.eventCount(t); n != before {
			t.Fatalf("%d customer writes happened", n-before)
		}

		t.Run("revoked client cannot get a token", func(t *testing.T) {
			status, body := e.call(t, "GET", dashi.TokenPath+"?"+tokenQuery(t, revokedClient.ClientID, revokedClient.Secret, "md5", uniqueNow()), "", "")
			wantError(t, status, body, 403, dashi.StatusSignError, "签名不匹配")
		})
		t.Run("rotated secret: old one fails, new one works", func(t *testing.T) {
			status, body := e.call(t, "GET", dashi.TokenPath+"?"+tokenQuery(t, rotatedClient.ClientID, rotatedClient.Secret, "md5", uniqueNow()), "", "")
			wantError(t, status, body, 403, dashi.StatusSignError, "签名不匹配")
			tok := e.token(t, fresh)
			if status, body := e.page(t, tok, "project="+e.project(), `{"pageSize":1,"pageIndex":1}`); status != 200 {
				t.Fatalf("%d %s", status, body)
			}
		})
	})
}

// TestTokenURLWorksOnce: a signed token URL gives one token; replaying it
// (also with a future timestamp, valid for up to 40 minutes) is refused,
// and an unknown appid is answered exactly like a bad signature.
func TestTokenURLWorksOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.Client
		for _, skew := range []time.Duration{0, 19 * time.Minute} {
			q := tokenQuery(t, c.ClientID, c.Secret, "md5", uniqueNow().Add(skew))
			if status, body := e.call(t, "GET", dashi.TokenPath+"?"+q, "", ""); status != 200 {
				t.Fatalf("first use: %d %s", status, body)
			}
			for range 3 {
				status, body := e.call(t, "GET", dashi.TokenPath+"?"+q, "", "")
				wantError(t, status, body, 403, dashi.StatusSignError, "已使用过")
			}
			// Extra parameters do not make it a new URL.
			status, body := e.call(t, "GET", dashi.TokenPath+"?"+q+"&_t=1&project=1", "", "")
			wantError(t, status, body, 403, dashi.StatusSignError, "已使用过")
		}
		// The retry a client should make: a new timestamp, a new signature.
		e.token(t, c)

		ts := uniqueNow()
		unknownID := auth.IDPrefix + strconv.FormatInt(e.Tenant.ID, 36) + "_aaaaaaaaaaaaaaaaaaaa"
		s1, b1 := e.call(t, "GET", dashi.TokenPath+"?"+tokenQuery(t, unknownID, c.Secret, "md5", ts), "", "")
		s2, b2 := e.call(t, "GET", dashi.TokenPath+"?"+tokenQuery(t, c.ClientID, "wrong secret", "md5", ts), "", "")
		if s1 != s2 || strings.ReplaceAll(string(b1), unknownID, "X") != strings.ReplaceAll(string(b2), c.ClientID, "X") {
			t.Fatalf("unknown appid %d %s vs bad signature %d %s", s1, b1, s2, b2)
		}
	})
}
