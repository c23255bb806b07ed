package tanma

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/model"
)

// Window is how far a request's timestamp may be from the server's clock.
const Window = 5 * time.Minute

// Sign computes 探马's request signature:
// lower_hex(sha256(appId + timestamp + body + appKey)), where body is the
// exact request body bytes and appKey the client secret.
func Sign(appID, timestamp string, body []byte, appKey string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write([]byte(timestamp))
	h.Write(body)
	h.Write([]byte(appKey))
	return hex.EncodeToString(h.Sum(nil))
}

// signed is a verified request.
type signed struct {
	client *model.Client
	ts     int64  // epoch ms from the timestamp header
	sign   string // lower-case hex
}

// errBadSign is the one answer for an unknown, revoked or malformed appId
// and for a signature that does not match, so a caller cannot tell which
// appIds exist.
var errBadSign = &Error{Code: CodeBadSign, Msg: "签名验证失败:appId 无效或 sign 不匹配"}

// verify checks the headers in this order: appId present; timestamp
// present, 13 digits and within Window; sign present and 64 hex digits;
// appId an active client; sign equal (constant time) to Sign(…). The
// appKey header, if sent, is ignored.
func (h *Handler) verify(r *http.Request, body []byte) (*signed, error) {
	appID := r.Header.Get("appId")
	tsText := r.Header.Get("timestamp")
	sign := strings.ToLower(r.Header.Get("sign"))
	if appID == "" {
		return nil, &Error{Code: CodeBadSign, Msg: "签名验证失败:缺少请求头 appId"}
	}
	ts, err := parseTimestamp(tsText)
	if err != nil {
		return nil, err
	}
	now := h.now()
	if skew := now.Sub(time.UnixMilli(ts)); skew > Window || skew < -Window {
		return nil, &Error{Code: CodeTimestamp, Msg: fmt.Sprintf("时间戳超出有效期:与服务器时间相差 %d 秒,允许 ±%d 秒", int64(skew.Abs().Seconds()), int64(Window.Seconds()))}
	}
	if sign == "" {
		return nil, &Error{Code: CodeBadSign, Msg: "签名验证失败:缺少请求头 sign"}
	}
	if len(sign) != sha256.Size*2 || strings.Trim(sign, "0123456789abcdef") != "" {
		return nil, &Error{Code: CodeBadSign, Msg: "签名验证失败:sign 应为64位十六进制 sha256 摘要"}
	}
	c, err := h.auth.CheckSecret(r.Context(), appID, func(appKey string) bool {
		return subtle.ConstantTimeCompare([]byte(sign), []byte(Sign(appID, tsText, body, appKey))) == 1
	})
	switch {
	case errors.Is(err, auth.ErrUnknownClient):
		h.log.Info("tanma: unknown or revoked appId", slog.String("path", r.URL.Path))
		return nil, errBadSign
	case errors.Is(err, auth.ErrWrongSecret):
		h.log.Info("tanma: signature mismatch", slog.String("path", r.URL.Path), slog.String("app_id", appID))
		return nil, errBadSign
	case err != nil:
		return nil, err // locked (429), or the database failed
	}
	return &signed{client: c, ts: ts, sign: sign}, nil
}

// parseTimestamp accepts 13-digit epoch milliseconds.
func parseTimestamp(s string) (int64, error) {
	if s == "" {
		return 0, &Error{Code: CodeTimestamp, Msg: "时间戳无效:缺少请求头 timestamp(13位毫秒时间戳)"}
	}
	if strings.Trim(s, "0123456789") != "" {
		return 0, &Error{Code: CodeTimestamp, Msg: "时间戳无效:timestamp 应为13位毫秒时间戳"}
	}
	if len(s) != 13 {
		return 0, &Error{Code: CodeTimestamp, Msg: fmt.Sprintf("时间戳无效:timestamp 应为13位毫秒时间戳,收到 %d 位", len(s))}
	}
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &Error{Code: CodeTimestamp, Msg: "时间戳无效:timestamp 应为13位毫秒时间戳"}
	}
	return ts, nil
}

// bind records the signature's use on path (the route's own path, so a
// trailing slash is the same path) and refuses it when it was first used on
// another path, or when it is a write's and was used before: 探马's scheme
// signs appId + timestamp + body + appKey but not the path, so without this
// a request signed for /api/v3/echo, replayed with the same headers and body
// to /api/v3/add-clue, would create a customer. The record lives in the
// database (request_nonces), so the rule holds across nodes; it is kept
// only until the timestamp leaves the window, after which the timestamp
// check refuses the signature anyway. Query parameters are not part of the
// signature and nothing reads them, so unsigned extras change nothing.
func (h *Handler) bind(ctx context.Context, s *signed, path string, once bool) error {
	expires := s.ts + Window.Milliseconds() + 1000
	err := h.svc.Store.UseSignature(ctx, s.client.TenantID, s.sign, path, once, expires, h.now().UnixMilli())
	if errors.Is(err, model.ErrConflict) {
		return &Error{Code: CodeBadSign, Msg: "签名验证失败:该签名已使用过(重复请求,或用于另一个接口),请用新的 timestamp 重新签名"}
	}
	return err
}
