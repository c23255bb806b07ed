package yeastar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the responses")

const (
	ua       = "kehu-yeastar-test/1.0"
	basePath = "/dm/open_api/v1"
)

// onEachDB runs fn on a fresh kehu per database.
func onEachDB(t *testing.T, fn func(t *testing.T, e *testenv.Env)) {
	t.Helper()
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) { fn(t, testenv.New(t, db)) })
	}
}

// reply is one HTTP response with its envelope decoded.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
	Env    struct {
		Data      json.RawMessage `json:"data"`
		RequestID string          `json:"requestId"`
		Status    string          `json:"status"`
		Time      int64           `json:"time"`
		ErrCode   int             `json:"errcode"`
		ErrMsg    string          `json:"errmsg"`
	}
}

var requestIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// send makes a request; hdr values "" delete the header (User-Agent too).
func send(t *testing.T, method, u string, body io.Reader, hdr map[string]string) *reply {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", ua)
	for k, v := range hdr {
		req.Header.Set(k, v) // "" for User-Agent makes net/http send none
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &reply{Status: res.StatusCode, Header: res.Header, Body: b}
}

// api calls a customers endpoint (path relative to /dm/open_api/v1) with a
// bearer token and checks the envelope's invariants.
func api(t *testing.T, e *testenv.Env, tok, method, path, body string, hdr ...string) *reply {
	t.Helper()
	h := map[string]string{}
	if tok != "" {
		h["Authorization"] = "Bearer " + tok
	}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := send(t, method, e.URL+basePath+path, rd, h)
	checkEnvelope(t, r)
	return r
}

// checkEnvelope decodes the envelope and checks what every response has.
func checkEnvelope(t *testing.T, r *reply) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, body %s", ct, r.Body)
	}
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.DisallowUnknownFields()
	if err := d.Decode(&r.Env); err != nil {
		t.Fatalf("envelope: %v in %s", err, r.Body)
	}
	if !requestIDRE.MatchString(r.Env.RequestID) {
		t.Errorf("requestId %q is not 32 hex digits", r.Env.RequestID)
	}
	if r.Header.Get("X-Request-Id") != r.Env.RequestID {
		t.Errorf("X-Request-Id %q != requestId %q", r.Header.Get("X-Request-Id"), r.Env.RequestID)
	}
	if now := time.Now().Unix(); r.Env.Time < now-10 || r.Env.Time > now+1 {
		t.Errorf("time %d is not now (%d) in Unix seconds", r.Env.Time, now)
	}
	switch r.Env.Status {
	case "Success":
		if r.Status != 200 || r.Env.ErrCode != 0 || r.Env.ErrMsg != "" {
			t.Errorf("Success with HTTP %d, errcode %d, errmsg %q", r.Status, r.Env.ErrCode, r.Env.ErrMsg)
		}
	case "Failed":
		if r.Env.ErrCode == 0 || r.Env.ErrMsg == "" || r.Env.Data != nil {
			t.Errorf("Failed envelope incomplete: %s", r.Body)
		}
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("Failed with HTTP %d: %s", r.Status, r.Body)
		}
	default:
		t.Errorf("status %q in %s", r.Env.Status, r.Body)
	}
}

// wantFail checks a Failed reply's HTTP status, errcode and errmsg parts.
func wantFail(t *testing.T, r *reply, status, code int, msgParts ...string) {
	t.Helper()
	if r.Status != status || r.Env.Status != "Failed" || r.Env.ErrCode != code {
		t.Fatalf("got HTTP %d %s, want HTTP %d errcode %d", r.Status, r.Body, status, code)
	}
	for _, p := range msgParts {
		if !strings.Contains(r.Env.ErrMsg, p) {
			t.Errorf("errmsg %q does not mention %q", r.Env.ErrMsg, p)
		}
	}
}

func wantOK(t *testing.T, r *reply) {
	t.Helper()
	if r.Status != 200 || r.Env.Status != "Success" {
		t.Fatalf("got HTTP %d %s, want Success", r.Status, r.Body)
	}
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	JTI          string `json:"jti"`
}

// tokenCall posts a form to the token endpoint.
func tokenCall(t *testing.T, e *testenv.Env, form url.Values, hdr ...string) *reply {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return send(t, "POST", e.URL+"/dm/open_api/oauth/token", strings.NewReader(form.Encode()), h)
}

func decodePair(t *testing.T, r *reply) tokenPair {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("token: HTTP %d %s", r.Status, r.Body)
	}
	var p tokenPair
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		t.Fatalf("token response %s: %v", r.Body, err)
	}
	return p
}

// login gets a token pair for c with client credentials.
func login(t *testing.T, e *testenv.Env, c *model.Client) tokenPair {
	t.Helper()
	return decodePair(t, tokenCall(t, e, url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}))
}

func refresh(t *testing.T, e *testenv.Env, rt string) *reply {
	t.Helper()
	return tokenCall(t, e, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// customer is Customer_Info as decoded by a client.
type customer map[string]any

func (c customer) id(t *testing.T) int64 {
	t.Helper()
	n, ok := c["customerId"].(json.Number)
	if !ok {
		t.Fatalf("customerId %v (%T)", c["customerId"], c["customerId"])
	}
	id, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func decodeData(t *testing.T, r *reply, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(r.Env.Data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("data %s: %v", r.Env.Data, err)
	}
}

type page struct {
	PageSize   int        `json:"pageSize"`
	PageNumber int        `json:"pageNumber"`
	Total      int64      `json:"total"`
	List       []customer `json:"list"`
}

func list(t *testing.T, e *testenv.Env, tok, params string) page {
	t.Helper()
	r := api(t, e, tok, "GET", "/customers?"+params, "")
	wantOK(t, r)
	var p page
	decodeData(t, r, &p)
	if p.List == nil {
		t.Fatalf("list is null, want [] : %s", r.Body)
	}
	return p
}

// create posts a customer and returns its id.
func create(t *testing.T, e *testenv.Env, tok string, body any) int64 {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	r := api(t, e, tok, "POST", "/customers", string(b))
	wantOK(t, r)
	var out struct {
		CustomerID json.Number `json:"customerId"`
	}
	decodeData(t, r, &out)
	id, err := out.CustomerID.Int64()
	if err != nil || id <= 0 {
		t.Fatalf("create: customerId %q in %s", out.CustomerID, r.Body)
	}
	return id
}

func get(t *testing.T, e *testenv.Env, tok string, id int64) customer {
	t.Helper()
	r := api(t, e, tok, "GET", "/customers/"+strconv.FormatInt(id, 10), "")
	wantOK(t, r)
	var c customer
	decodeData(t, r, &c)
	return c
}

// golden compares got (already masked) with testdata/name.golden.json, or
// rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testenv.GoldenJSON(t, filepath.Join("testdata", name+".golden.json"), got, *update)
}

var (
	maskRequestID = regexp.MustCompile(`"requestId":"[0-9a-f]{32}"`)
	maskTime      = regexp.MustCompile(`"time":\d+`)
	maskJWT       = regexp.MustCompile(`"(access_token|refresh_token|jti)":"[^"]+"`)
	customerIDRE  = regexp.MustCompile(`"customerId":(\d+)`)
)

// mask replaces volatile values (requestId, time, tokens) with fixed text
// and customer ids with their names in ids (or #n in order of appearance),
// keeping the key order of the body.
func mask(body []byte, ids map[int64]string) []byte {
	var c bytes.Buffer
	if err := json.Compact(&c, body); err == nil {
		body = c.Bytes()
	}
	body = maskRequestID.ReplaceAll(body, []byte(`"requestId":"<requestId>"`))
	body = maskTime.ReplaceAll(body, []byte(`"time":"<time>"`))
	body = maskJWT.ReplaceAll(body, []byte(`"$1":"<$1>"`))
	n := 0
	seen := map[string]string{}
	body = customerIDRE.ReplaceAllFunc(body, func(m []byte) []byte {
		digits := string(customerIDRE.FindSubmatch(m)[1])
		id, _ := strconv.ParseInt(digits, 10, 64)
		name, ok := ids[id]
		if !ok {
			if name, ok = seen[digits]; !ok {
				n++
				name = fmt.Sprintf("#%d", n)
				seen[digits] = name
			}
		}
		return []byte(`"customerId":"<` + name + `>"`)
	})
	for id, name := range ids { // ids quoted in messages
		body = bytes.ReplaceAll(body, []byte(strconv.FormatInt(id, 10)), []byte("<"+name+">"))
	}
	return body
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ctx() context.Context { return context.Background() }
