package dashi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// TestMain stops the private PostgreSQL cluster; it is the package's only TestMain.
func TestMain(m *testing.M) { pgtest.Main(m) }

// env is a running kehu with a project in the test tenant.
type env struct {
	*testenv.Env
	Project *model.Project
}

// forEachDB runs f on a fresh kehu over each database.
func forEachDB(t *testing.T, f func(t *testing.T, e *env)) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) { f(t, newEnv(t, db)) })
	}
}

func newEnv(t testing.TB, db string) *env {
	t.Helper()
	te := testenv.New(t, db)
	p, err := te.Store.CreateProject(context.Background(), te.Tenant.ID, "测试园区")
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: te, Project: p}
}

func (e *env) project() string { return strconv.FormatInt(e.Project.ID, 10) }

var (
	tsMu   sync.Mutex
	lastTS int64
)

// uniqueNow is now, at least a millisecond after the last call: each signed
// token URL works once, so two token calls must not share a timestamp.
func uniqueNow() time.Time {
	tsMu.Lock()
	defer tsMu.Unlock()
	ms := time.Now().UnixMilli()
	if ms <= lastTS {
		ms = lastTS + 1
	}
	lastTS = ms
	return time.UnixMilli(ms)
}

// tokenQuery builds the token call's query string, signed with secret.
func tokenQuery(t testing.TB, appid, secret, method string, ts time.Time) string {
	t.Helper()
	stamp := strconv.FormatInt(ts.UnixMilli(), 10)
	sign, err := dashi.Sign(method, appid, stamp, secret)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"appid": {appid}, "sign_method": {method}, "sign": {sign}, "timestamp": {stamp}}.Encode()
}

// token gets a visitor token for c through the HTTP API.
func (e *env) token(t testing.TB, c *model.Client) string {
	t.Helper()
	status, body := e.call(t, "GET", dashi.TokenPath+"?"+tokenQuery(t, c.ClientID, c.Secret, "md5", uniqueNow()), "", "")
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		t.Fatalf("token: %s", body)
	}
	return out.Token
}

// call makes one request; token is sent as a Bearer token when not empty.
func (e *env) call(t testing.TB, method, pathAndQuery, token, body string) (int, []byte) {
	t.Helper()
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	return e.callWith(t, method, pathAndQuery, hdr, body)
}

// callWith makes one request with the given headers.
func (e *env) callWith(t testing.TB, method, pathAndQuery string, hdr http.Header, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+pathAndQuery, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (e *env) page(t testing.TB, token, query, body string) (int, []byte) {
	t.Helper()
	return e.call(t, "POST", dashi.PagePath+"?"+query, token, body)
}

func (e *env) add(t testing.TB, token, query, body string) (int, []byte) {
	t.Helper()
	return e.call(t, "POST", dashi.AddPath+"?"+query, token, body)
}

// mustAdd adds a customer to the env's project and returns its id.
func (e *env) mustAdd(t testing.TB, token, body string) int64 {
	t.Helper()
	status, b := e.add(t, token, "project="+e.project(), body)
	if status != 200 {
		t.Fatalf("add %s: %d %s", body, status, b)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("add answered %q", b)
	}
	return id
}

// pageOut is the page object.
type pageOut struct {
	PageIndex, PageSize   int
	TotalCount, TotalPage int64
	Data                  []map[string]any
}

func (e *env) mustPage(t testing.TB, token, body string) pageOut {
	t.Helper()
	status, b := e.page(t, token, "project="+e.project(), body)
	if status != 200 {
		t.Fatalf("page %s: %d %s", body, status, b)
	}
	var p pageOut
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&p); err != nil {
		t.Fatalf("page: %v: %s", err, b)
	}
	return p
}

func (p pageOut) names() []string {
	var out []string
	for _, c := range p.Data {
		out = append(out, c["name"].(string))
	}
	return out
}

// wantError checks an error answer: HTTP status, envelope code and status
// string, and (when not "") a fragment of the message.
// errorEnvelope is a 达实 error body, decoded strictly.
type errorEnvelope struct {
	Msg    string `json:"msg"`
	Code   int    `json:"code"`
	Status string `json:"status"`
}

func decodeError(body []byte) (errorEnvelope, error) {
	var env errorEnvelope
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	return env, d.Decode(&env)
}

func wantError(t testing.TB, status int, body []byte, code int, st, msgPart string) {
	t.Helper()
	env, err := decodeError(body)
	if err != nil {
		t.Fatalf("want a {msg, code, status} envelope, got %d %s (%v)", status, body, err)
	}
	if status != code || env.Code != code || env.Status != st {
		t.Fatalf("want HTTP %d code %d status %s, got HTTP %d %s", code, code, st, status, body)
	}
	if env.Msg == "" || !strings.Contains(env.Msg, msgPart) {
		t.Fatalf("want a message mentioning %q, got %q", msgPart, env.Msg)
	}
	if !chinese(env.Msg) {
		t.Fatalf("want a Chinese message (达实's clients read Chinese), got %q", env.Msg)
	}
}

// chinese reports whether a message is written in Chinese: it has Han
// characters and no English clause (three English words in a row) outside
// quoted values.
func chinese(msg string) bool {
	unquoted := regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).ReplaceAllString(msg, `""`)
	return strings.ContainsFunc(msg, func(r rune) bool { return unicode.Is(unicode.Han, r) }) &&
		!regexp.MustCompile(`[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}`).MatchString(unquoted)
}

// eventCount is the number of change events of the env's tenant: every
// customer write adds one, so an unchanged count means nothing was written.
func (e *env) eventCount(t testing.TB) int {
	t.Helper()
	evs, err := e.Store.Events(context.Background(), e.Tenant.ID, store.EventFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// scrub replaces the values of volatile keys with "<KEY>" placeholders.
func scrub(b []byte, keys ...string) []byte {
	for _, k := range keys {
		re := regexp.MustCompile(`"` + regexp.QuoteMeta(k) + `":(-?[0-9]+|"(?:[^"\\]|\\.)*")`)
		b = re.ReplaceAll(b, []byte(`"`+k+`":"<`+strings.ToUpper(k)+`>"`))
	}
	return b
}

// golden compares got (JSON) with testdata/name.golden.json after
// indenting it; -update rewrites the file.
func golden(t testing.TB, name string, got []byte) {
	t.Helper()
	testenv.GoldenJSON(t, filepath.Join("testdata", name+".golden.json"), got, *update)
}
