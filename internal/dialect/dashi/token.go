package dashi

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// MaxSkew is how far the token call's timestamp may be from server time,
// either way.
const MaxSkew = 20 * time.Minute

// Signature methods, as the platform spells them.
const (
	SignMD5        = "md5"
	SignHMACSHA256 = "hmac-sha256"
)

// normalizeMethod maps a sign_method spelling to SignMD5 or SignHMACSHA256
// ("" if unknown). Matching ignores case; hmac_sha256 is an alias.
func normalizeMethod(m string) string {
	switch strings.ToLower(m) {
	case "md5":
		return SignMD5
	case "hmac-sha256", "hmac_sha256":
		return SignHMACSHA256
	}
	return ""
}

// StringToSign is what the token call signs, with the values exactly as
// they are sent on the query string.
func StringToSign(appid, method, timestamp string) string {
	return "appid=" + appid + "&sign_method=" + method + "&timestamp=" + timestamp
}

// Sign returns the lower-case hex signature of the token call:
// md5(string + secret) for md5, hmac_sha256(key=secret, string) for
// hmac-sha256 / hmac_sha256. method is the spelling sent on the wire.
func Sign(method, appid, timestamp, secret string) (string, error) {
	s := StringToSign(appid, method, timestamp)
	switch normalizeMethod(method) {
	case SignMD5:
		sum := md5.Sum([]byte(s + secret))
		return hex.EncodeToString(sum[:]), nil
	case SignHMACSHA256:
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(s))
		return hex.EncodeToString(m.Sum(nil)), nil
	}
	return "", errors.New("dashi: unknown sign_method " + strconv.Quote(method))
}

// token implements GET /api/justauth/generate/v1/visitor/token.
func (h *Handler) token(w http.ResponseWriter, r *http.Request, _ *model.Client) error {
	q := r.URL.Query()
	vals := map[string]string{}
	for _, name := range []string{"appid", "sign_method", "sign", "timestamp"} {
		v := param(q, name)
		if v == "" {
			return paramError("缺少查询参数 %s", name)
		}
		vals[name] = v
	}
	appid, method, sign, ts := vals["appid"], vals["sign_method"], vals["sign"], vals["timestamp"]
	if normalizeMethod(method) == "" {
		return paramError("sign_method 须为 md5、hmac-sha256 或 hmac_sha256，收到 %q", method)
	}
	ms, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	if d := h.now().Sub(time.UnixMilli(ms)); d > MaxSkew || d < -MaxSkew {
		return fail(403, StatusTimestampExpired, "timestamp %s 与服务器时间（%d）相差超过 %d 分钟",
			ts, h.now().UnixMilli(), int(MaxSkew.Minutes()))
	}
	c, err := h.auth.CheckSecret(r.Context(), appid, func(secret string) bool {
		want, _ := Sign(method, appid, ts, secret)
		return equalHex(sign, want)
	})
	switch {
	case errors.Is(err, auth.ErrUnknownClient), errors.Is(err, auth.ErrWrongSecret):
		// One answer for both, so the call does not tell which appids exist.
		return fail(403, StatusSignError, "签名不匹配：请用 %[2]s 和有效客户端的密钥对 %[1]q 签名",
			StringToSign(appid, method, ts), method)
	case err != nil:
		return err // locked (429), or the database failed
	}
	// A signed token URL is usable once: without this, the same URL gives
	// a fresh 7-hour token for as long as its timestamp is in the window
	// (up to 40 minutes with a future one). Recorded in the database, so
	// it holds across nodes, until the timestamp leaves the window.
	expires := time.UnixMilli(ms).Add(MaxSkew + time.Second).UnixMilli()
	err = h.st.UseSignature(r.Context(), c.TenantID, "dashi-token:"+strings.ToLower(sign), TokenPath, true, expires, h.now().UnixMilli())
	if errors.Is(err, model.ErrConflict) {
		return fail(403, StatusSignError, "此签名的令牌请求已使用过，请用新的 timestamp 重新签名")
	}
	if err != nil {
		return err
	}
	tok, _, err := h.auth.Issue(c, auth.AudDashi, auth.KindAccess, TokenTTL)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, 200, struct {
		Token string `json:"token"`
	}{tok})
	return nil
}

// parseTimestamp accepts exactly 13 decimal digits (epoch milliseconds).
func parseTimestamp(ts string) (int64, error) {
	if len(ts) != 13 || strings.Trim(ts, "0123456789") != "" {
		return 0, paramError("timestamp 须为 13 位毫秒时间戳，收到 %q", ts)
	}
	ms, _ := strconv.ParseInt(ts, 10, 64)
	return ms, nil
}

// equalHex compares a client's hex signature (either case) with ours in
// constant time; hashing first hides the length as well.
func equalHex(got, want string) bool {
	a := sha256.Sum256([]byte(strings.ToLower(got)))
	b := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// param returns the first non-empty value of a query parameter: the
// platform's own example sends project=371344636432453&project=.
func param(q url.Values, name string) string {
	for _, v := range q[name] {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
