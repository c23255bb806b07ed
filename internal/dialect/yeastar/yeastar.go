// Package yeastar speaks Yeastar YCM's customer open API on kehu's store: the
// OAuth token call (client credentials and refresh), the customers list, get,
// create, full-replace update and bulk delete, in the {data, requestId,
// status, time} envelope. It only translates; rules live in internal/crm.
// README.md documents the wire contract and every decision for integrators.
//
// Layout mirrors the native API (internal/api): one route table (routes),
// handlers that return errors, and one function (toFailure) that turns any
// error into the platform's Failed envelope.
package yeastar

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/jsonw"
	"github.com/kehu/kehu/internal/model"
)

// Patterns are the ServeMux patterns this dialect answers.
var Patterns = []string{"/dm/open_api/"}

// Token lifetimes (Yeastar's published values).
const (
	AccessTTL  = 30 * time.Minute
	RefreshTTL = 15 * 24 * time.Hour
)

// Paging limits of GET /customers (Yeastar's published values).
const (
	DefaultPageSize = 10
	MaxPageSize     = 50
	maxPageNumber   = 1_000_000
)

// MaxDeleteIDs bounds one bulk delete.
const MaxDeleteIDs = 1000

// Handler serves /dm/open_api/.
type Handler struct {
	Svc  *crm.Service
	Auth *auth.Service
	Log  *slog.Logger
}

// routes is the dialect's one route table, mounted by httpx.Mount (which
// does routing, 404/405, authentication, the scope rule and panics).
func routes(h *Handler) []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Path: "/dm/open_api/oauth/token", Public: true, Handle: adapt(h.token),
			Summary: "Get an access token (client credentials or refresh token)", SummaryZH: "获取访问令牌(客户端凭据或刷新令牌)"},
		{Method: "GET", Path: "/dm/open_api/v1/customers", Scope: model.ScopeRead, Handle: adapt(h.listCustomers),
			Summary: "List customers (pageSize ≤ 50, pageNumber, sort)", SummaryZH: "客户列表(pageSize ≤ 50、pageNumber、sort)"},
		{Method: "POST", Path: "/dm/open_api/v1/customers", Scope: model.ScopeWrite, Handle: adapt(h.createCustomer),
			Summary: "Create a customer", SummaryZH: "新建客户"},
		{Method: "DELETE", Path: "/dm/open_api/v1/customers", Scope: model.ScopeWrite, Handle: adapt(h.deleteCustomers),
			Summary: "Delete customers (all or nothing)", SummaryZH: "批量删除客户(全部成功或全部不删)"},
		{Method: "GET", Path: "/dm/open_api/v1/customers/{customerId}", Scope: model.ScopeRead, Handle: adapt(h.getCustomer),
			Summary: "Get one customer", SummaryZH: "查询单个客户"},
		{Method: "PUT", Path: "/dm/open_api/v1/customers/{customerId}", Scope: model.ScopeWrite, Handle: adapt(h.updateCustomer),
			Summary: "Replace a customer's 14 Yeastar fields", SummaryZH: "整体替换客户的 14 个 Yeastar 字段"},
	}
}

func adapt(fn func(w http.ResponseWriter, r *http.Request) error) func(http.ResponseWriter, *http.Request, *httpx.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, _ *httpx.Principal) error { return fn(w, r) }
}

// Routes is the route table, for /docs.
func Routes() []httpx.Route { return routes(&Handler{}) }

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{Svc: svc, Auth: au, Log: log}
	return httpx.Mount(&httpx.API{Name: string(model.ViaYeastar), Prefixes: Patterns, Routes: routes(h),
		Authenticate: h.authenticate, WriteError: h.writeProblem, Before: h.before, Log: log})
}

type ctxKey int

const requestIDKey ctxKey = iota

// before gives every request its requestId, then insists on a User-Agent
// header (Yeastar requires one on every call, the token call included).
func (h *Handler) before(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	rid := httpx.RequestID(r.Context()) // Observe's, also in X-Request-Id
	if rid == "" {
		rid = newRequestID()
		w.Header().Set(httpx.RequestIDHeader, rid)
	}
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey, rid))
	if strings.TrimSpace(r.Header.Get("User-Agent")) == "" {
		return r, paramError("User-Agent", "the User-Agent header is required on every request")
	}
	return r, nil
}

// authenticate checks "Authorization: Bearer <access_token>" for a Yeastar
// access token (a refresh token, or another API's token, is invalid).
func (h *Handler) authenticate(r *http.Request, _ *httpx.Route) (*httpx.Principal, error) {
	tok, present, ok := httpx.BearerToken(r)
	if !present {
		return nil, tokenFailure("TOKEN INVALID OR EXPIRED: send the header Authorization: Bearer {access_token} (get one from POST /dm/open_api/oauth/token)")
	}
	if !ok {
		return nil, tokenFailure("TOKEN INVALID OR EXPIRED: the Authorization header must be \"Bearer {access_token}\"")
	}
	claims, c, err := h.Auth.Verify(r.Context(), tok, auth.AudYeastar, auth.KindAccess)
	if err != nil {
		return nil, err
	}
	p := &httpx.Principal{Client: c, TokenScopes: claims.Scopes, Via: model.ViaYeastar}
	who, err := h.Svc.ClientCaller(r.Context(), p.Effective(), model.ViaYeastar, audit.AddrOf(r.Context()))
	if err != nil {
		return nil, err
	}
	p.Caller = who
	return p, nil
}

func requestIDOf(r *http.Request) string {
	if s, ok := r.Context().Value(requestIDKey).(string); ok {
		return s
	}
	return newRequestID()
}

// newRequestID is a random 32-hex-digit id, the shape of Yeastar's.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// success is the Success envelope; Data is left out for writes.
type success struct {
	Data      any    `json:"data,omitempty"`
	RequestID string `json:"requestId"`
	Status    string `json:"status"`
	Time      int64  `json:"time"`
}

// writeOK answers HTTP 200 with the Success envelope (data nil: no data key).
func (h *Handler) writeOK(w http.ResponseWriter, r *http.Request, data any) {
	httpx.WriteJSON(w, http.StatusOK, success{Data: data, RequestID: requestIDOf(r), Status: "Success", Time: time.Now().Unix()})
}

// writeOKWith is writeOK with data appended by data (a customer or a page of
// them) rather than encoded by reflection; the bytes are those writeOK
// would write.
func (h *Handler) writeOKWith(w http.ResponseWriter, r *http.Request, data func(b []byte) []byte) {
	buf := jsonw.GetBuf()
	defer jsonw.PutBuf(buf)
	b := append(*buf, `{"data":`...)
	b = data(b)
	b = append(b, `,"requestId":`...)
	b = jsonw.String(b, requestIDOf(r))
	b = append(b, `,"status":"Success","time":`...)
	b = jsonw.Int(b, time.Now().Unix())
	b = append(b, "}\n"...) // as json.Encoder ends a value
	*buf = b
	httpx.WriteJSONBytes(w, http.StatusOK, b)
}

// DemoHints returns titled, ready-to-paste commands for `kehu demo`.
func DemoHints(base, clientID, secret string, projectID int64, now time.Time) [][2]string {
	const ua = `-A 'kehu-demo/1.0'`
	creds := "-d grant_type=client_credentials -d client_id=" + clientID + " -d client_secret=" + secret
	return [][2]string{
		{"Yeastar YCM: get an access token (client credentials) into $YCM_TOKEN",
			`YCM_TOKEN=$(curl -s ` + ua + ` ` + creds + ` ` + base + `/dm/open_api/oauth/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')`},
		{"Yeastar YCM: customers, newest first, 3 per page (the User-Agent header is required)",
			`curl -s ` + ua + ` -H "Authorization: Bearer $YCM_TOKEN" '` + base + `/dm/open_api/v1/customers?pageSize=3&pageNumber=1&sort=-customerId'`},
		{"Yeastar YCM: refresh a token pair (grant_type=refresh_token)",
			`YCM_REFRESH=$(curl -s ` + ua + ` ` + creds + ` ` + base + `/dm/open_api/oauth/token | sed -E 's/.*"refresh_token":"([^"]+)".*/\1/') && curl -s ` + ua + ` -d grant_type=refresh_token -d "refresh_token=$YCM_REFRESH" ` + base + `/dm/open_api/oauth/token`},
	}
}

// whoOf is the request's caller: crm decides with it what the request may
// see and do.
func whoOf(r *http.Request) *model.Caller { return httpx.CallerOf(r.Context()) }
