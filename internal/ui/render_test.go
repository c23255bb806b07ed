package ui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// TestErrorFace: an error reaching the console gets fault's status and a
// message in the user's language — a crm pool rule (model.PoolError,
// wrapped as crm returns it) is the rule's message, not "internal error";
// a client error without a translation shows its safe detail; only kehu's
// own faults say "internal error", never their cause; a 429 or 503 that
// passes carries Retry-After.
func TestErrorFace(t *testing.T) {
	pg, err := loadPages(assets)
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{messages: consoleMessages, pages: pg, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	retryAfter := map[string]string{"busy": "1", "rate limit": "7", "locked": "90"}
	pool := fmt.Errorf("claim customer 7: %w", &model.PoolError{Code: model.PoolErrCap, Msg: "you hold 50 customers of pool 公海 (at most 50)"})
	for _, tc := range []struct {
		name      string
		err       error
		lang      string
		status    int
		want, not string
	}{
		{"pool zh", pool, "zh-CN", 409, "你持有的公海客户已达上限", "内部错误"},
		{"pool en", pool, "en", 409, "You hold the most pool customers", "Internal"},
		{"conflict", &model.ConflictError{Field: "phone", Value: "+8613800138000", ExistingID: 3}, "en", 409, "This conflicts with existing data", "Internal"},
		{"not found", fmt.Errorf("customer 9: %w", model.ErrNotFound), "zh-CN", 404, "没有找到", ""},
		{"project", &crm.ProjectError{Bound: 2}, "en", 403, "your bound project", ""},
		{"permission", &model.PermissionError{Perm: model.PermAdmin}, "zh-CN", 403, "你的角色无权进行此操作", "admin.manage"},
		{"filter", &cond.SyntaxError{Pos: "filter", Msg: "unexpected end"}, "en", 400, "The filter is not valid", ""},
		{"busy", &httpx.Overloaded{Status: 503, Msg: "database busy"}, "en", 503, "The server is busy", ""},
		{"rate limit", &httpx.Overloaded{Status: 429, RetryAfter: 7 * time.Second, Msg: "rate limit"}, "en", 429, "", ""},
		{"locked", &auth.LockedError{RetryAfter: 90 * time.Second}, "en", 429, "", ""},
		{"field", model.Invalid("email", "not an email"), "en", 422, "not an email", ""},
		{"canceled", context.Canceled, "en", 499, "canceled", ""},
		{"internal", fmt.Errorf("sqlite: disk I/O error at page 7"), "en", 500, "Internal error", "disk I/O"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/customers", nil)
			r.AddCookie(&http.Cookie{Name: langCookie, Value: tc.lang})
			w := httptest.NewRecorder()
			h.renderError(w, r, route{}, tc.err)
			body := w.Body.String()
			// A refusal that passes tells the browser when to try again.
			if ra, want := w.Header().Get("Retry-After"), retryAfter[tc.name]; ra != want {
				t.Errorf("%v: Retry-After %q, want %q", tc.err, ra, want)
			}
			if w.Code != tc.status || !strings.Contains(body, tc.want) || (tc.not != "" && strings.Contains(body, tc.not)) {
				t.Errorf("%v: %d, want %d with %q and without %q:\n%s", tc.err, w.Code, tc.status, tc.want, tc.not, body)
			}
		})
	}
}
