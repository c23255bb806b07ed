package apidocs

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/httpx"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func TestHandlerServesEmbeddedPage(t *testing.T) {
	res, body := get(t, Handler("/openapi.json"), http.MethodGet, "/docs", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if !strings.HasPrefix(body, "<!DOCTYPE html>") {
		t.Errorf("body does not start with a doctype: %.40q", body)
	}
	want := strings.NewReplacer(specURLPlaceholder, "/openapi.json", platformsPlaceholder, "[]").Replace(pageTemplate)
	if body != want {
		t.Errorf("body differs from the embedded page with the spec URL substituted")
	}
	if strings.Contains(body, specURLPlaceholder) {
		t.Errorf("placeholder %q left in the page", specURLPlaceholder)
	}
	if !strings.Contains(body, `<meta name="kehu-openapi-url" content="/openapi.json">`) {
		t.Errorf("page does not reference the spec URL")
	}
	for _, s := range []string{"fetch(specURL", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", `id="search"`} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	res, _ := get(t, Handler("/openapi.json"), http.MethodGet, "/docs", nil)
	csp := res.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		name, value, _ := strings.Cut(d, " ")
		directives[name] = value
	}
	for name, value := range map[string]string{
		"default-src": "'self'",
		"script-src":  "'self' 'unsafe-inline'",
		"style-src":   "'self' 'unsafe-inline'",
		"img-src":     "'self' data:",
		"object-src":  "'none'",
		"base-uri":    "'none'",
	} {
		if directives[name] != value {
			t.Errorf("CSP %s = %q, want %q (policy %q)", name, directives[name], value, csp)
		}
	}
	// No directive may name another origin: only keywords and data:.
	for name, value := range directives {
		for _, src := range strings.Fields(value) {
			if !strings.HasPrefix(src, "'") && src != "data:" {
				t.Errorf("CSP %s allows %q", name, src)
			}
		}
	}
}

func TestPageIsSelfContained(t *testing.T) {
	page := strings.ToLower(pageTemplate)
	if strings.Contains(page, "http") {
		i := strings.Index(page, "http")
		t.Errorf("page contains %q near %q", "http", page[max(0, i-40):min(len(page), i+40)])
	}
	for _, bad := range []string{"<link", "<script src", "<iframe", "<img", "@import", "url(", "src=\"//", "href=\"//", "innerhtml", "outerhtml", "insertadjacenthtml", "document.write", "eval("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// Filtering hides elements with the hidden attribute; only the
	// "[hidden] { display: none !important; }" rule may use !important, or
	// a display rule could override it and leave filtered entries visible.
	if n := strings.Count(page, "!important"); n != 1 {
		t.Errorf("page uses !important %d times, want 1 (the [hidden] rule)", n)
	}
	if n := strings.Count(pageTemplate, specURLPlaceholder); n != 1 {
		t.Errorf("placeholder occurs %d times, want 1", n)
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("page has %d script elements, want 1 inline script", n)
	}
}

func TestSpecURLIsEscaped(t *testing.T) {
	const evil = `/spec.json?a=1&b="><script>alert(1)</script>`
	_, body := get(t, Handler(evil), http.MethodGet, "/docs", nil)
	if strings.Contains(body, `"><script>alert(1)`) {
		t.Fatalf("spec URL was inserted unescaped")
	}
	if !strings.Contains(body, `content="/spec.json?a=1&amp;b=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("escaped spec URL not found in page")
	}
}

func TestDefaultSpecURL(t *testing.T) {
	_, body := get(t, Handler(""), http.MethodGet, "/docs", nil)
	if !strings.Contains(body, `content="`+DefaultSpecURL+`"`) {
		t.Errorf("empty specURL should fall back to %s", DefaultSpecURL)
	}
	_, body = get(t, Handler("/api/v1/openapi.json"), http.MethodGet, "/docs", nil)
	if !strings.Contains(body, `content="/api/v1/openapi.json"`) {
		t.Errorf("custom specURL not referenced")
	}
}

func TestMethodsAndCaching(t *testing.T) {
	h := Handler("/openapi.json")

	res, body := get(t, h, http.MethodHead, "/docs", nil)
	if res.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD: status %d, %d body bytes", res.StatusCode, len(body))
	}
	if res.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("HEAD: no CSP header")
	}

	res, _ = get(t, h, http.MethodPost, "/docs", nil)
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", res.StatusCode)
	}
	if got := res.Header.Get("Allow"); got != "GET, HEAD" {
		t.Errorf("POST: Allow = %q", got)
	}

	res, _ = get(t, h, http.MethodGet, "/docs", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res, body = get(t, h, http.MethodGet, "/docs", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("conditional GET: status %d, %d body bytes", res.StatusCode, len(body))
	}
	res, _ = get(t, Handler("/other.json"), http.MethodGet, "/docs", nil)
	if res.Header.Get("ETag") == etag {
		t.Errorf("ETag does not depend on the spec URL")
	}
}

// loadSample reads testdata/sample.json, the fixture used for the manual and
// opt-in browser checks, and verifies it is what those checks rely on.
func loadSample(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestSampleSpecIsConsistent(t *testing.T) {
	raw := loadSample(t)
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("sample.json: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	// Every local $ref must resolve.
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" {
					refs = append(refs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(refs) < 10 {
		t.Errorf("only %d $refs in the sample", len(refs))
	}
	for _, ref := range refs {
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := cur.(map[string]any)
			if !ok || m[part] == nil {
				t.Errorf("unresolved $ref %q", ref)
				break
			}
			cur = m[part]
		}
	}
	if !strings.Contains(string(raw), `"parent": {"$ref": "#/components/schemas/Segment"}`) {
		t.Errorf("sample lacks the cyclic Segment schema")
	}
}

// TestBrowserRender loads the page and the sample spec in headless Chromium
// and checks the rendered DOM. It needs a Chromium binary, so it only runs
// when KEHU_BROWSER_TEST=1 (CHROMIUM may name the binary). With
// KEHU_DOCS_SCREENSHOT=/path.png it also saves a screenshot (window size
// KEHU_DOCS_SCREENSHOT_SIZE="W,H", page fragment KEHU_DOCS_SCREENSHOT_FRAGMENT,
// e.g. "#op-getSegment"); KEHU_DOCS_DOM=/path.html saves a rendered DOM.
func TestBrowserRender(t *testing.T) {
	if os.Getenv("KEHU_BROWSER_TEST") != "1" {
		t.Skip("set KEHU_BROWSER_TEST=1 to render the page in headless Chromium")
	}
	bin := os.Getenv("CHROMIUM")
	if bin == "" {
		bin = "chromium"
	}
	bin, err := exec.LookPath(bin)
	if err != nil {
		// KEHU_BROWSER_TEST=1 asks for the browser: not finding it is a failure.
		t.Fatalf("chromium not found: %v", err)
	}
	spec := loadSample(t)
	mux := http.NewServeMux()
	mux.Handle("GET /docs", Handler("/openapi.json"))
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(spec)
	})
	mux.Handle("GET /broken", Handler("/missing.json"))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	profile := t.TempDir()
	chrome := func(extra ...string) string {
		args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
			"--virtual-time-budget=5000"}, extra...)
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = profile
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		return string(out)
	}

	dom := chrome("--dump-dom", srv.URL+"/docs#op-getSegment")
	if !strings.Contains(dom, `data-state="ready"`) {
		t.Fatalf("page did not finish rendering:\n%.3000s", dom)
	}
	for _, s := range []string{
		"/customers", "/customers/{", "customerId", "/segments/{", "/healthz", // paths (path params are separate spans)
		`id="op-listCustomers"`, `id="op-getSegment"`, "op hl", // deep link target highlighted
		"客户数据服务 Kehu API", "管理<strong>客户</strong>资料的接口", "<code>RFC 3339</code>", "第二行",
		"page_size", "page_token", "next_page_token", "created_at", "referrer", "wechat_id", "province", // params and schema properties
		"circular", "one of", "all of", "discriminator", "required",
		"bearerAuth", "X-Api-Key", "/api/v1", "cn-east", "customers:write",
		"&lt;script&gt;alert('xss')&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&lt;b&gt;not bold&lt;/b&gt;",
	} {
		if !strings.Contains(dom, s) {
			t.Errorf("rendered DOM lacks %q", s)
		}
	}
	if regexp.MustCompile(`<img|<script>alert|<b>not bold`).MatchString(dom) {
		t.Errorf("spec markup was rendered as HTML")
	}

	// Pathological schemas (self-including allOf, alias cycle) must render
	// and terminate; deep links open the collapsed schema definition.
	dom = chrome("--dump-dom", srv.URL+"/docs#schema-Loop")
	if out := os.Getenv("KEHU_DOCS_DOM"); out != "" {
		os.WriteFile(out, []byte(dom), 0o644)
	}
	if !strings.Contains(dom, `data-state="ready"`) {
		t.Fatalf("page did not finish rendering:\n%.3000s", dom)
	}
	for _, s := range []string{`id="schema-Loop" open=""`, "loop_field", "circular", `id="schema-AliasA"`} {
		if !strings.Contains(dom, s) {
			t.Errorf("rendered DOM (#schema-Loop) lacks %q", s)
		}
	}

	// A spec that cannot be loaded gives a visible error, not an empty page.
	dom = chrome("--dump-dom", srv.URL+"/broken")
	if !strings.Contains(dom, `data-state="error"`) || !strings.Contains(dom, "The server answered 404") {
		t.Errorf("missing spec: no error shown:\n%.2000s", dom)
	}

	// ?filter= pre-fills the search box; non-matching operations, their
	// sidebar links and emptied tag groups are hidden.
	dom = chrome("--dump-dom", srv.URL+"/docs?filter=SEGMENT")
	for _, re := range []string{
		`<section class="op" id="op-listCustomers" hidden=""`,
		`<section class="tag" id="tag-system" hidden=""`,
		`<section class="op" id="op-getSegment">`,
		`<div id="count">1 of 7 operations</div>`,
	} {
		if !strings.Contains(dom, re) {
			t.Errorf("filtered DOM lacks %q", re)
		}
	}
	if n := strings.Count(dom, `class="nav-op" href="#op-`); n != 8 {
		t.Errorf("sidebar has %d operation links, want 8", n)
	}
	if n := regexp.MustCompile(`class="nav-op" href="#op-[^"]*" title="[^"]*">`).FindAllStringIndex(dom, -1); len(n) != 2 {
		t.Errorf("%d sidebar links visible, want 2 (getSegment under two tags)", len(n))
	}

	if shot := os.Getenv("KEHU_DOCS_SCREENSHOT"); shot != "" {
		abs, err := filepath.Abs(shot)
		if err != nil {
			t.Fatal(err)
		}
		chrome("--window-size="+envOr("KEHU_DOCS_SCREENSHOT_SIZE", "1280,2000"), "--hide-scrollbars", "--screenshot="+abs, srv.URL+"/docs"+os.Getenv("KEHU_DOCS_SCREENSHOT_FRAGMENT"))
		if _, err := os.Stat(abs); err != nil {
			t.Errorf("no screenshot: %v", err)
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// TestPlatformsFromRouteTables: the platform sections come from the route
// tables given to Handler, escaped into the page's meta element.
func TestPlatformsFromRouteTables(t *testing.T) {
	h := Handler("/openapi.json", Platform{Key: "x", Title: `A "quoted" <title>`, TryIt: "bearer",
		Routes: []httpx.Route{{Method: "POST", Path: "/x/customers", Scope: "customers:read", Summary: "List", SummaryZH: "列表"}}})
	_, body := get(t, h, http.MethodGet, "/docs", nil)
	i := strings.Index(body, `<meta name="kehu-platforms" content="`)
	if i < 0 {
		t.Fatal("no platforms meta element")
	}
	raw := body[i+len(`<meta name="kehu-platforms" content="`):]
	raw = html.UnescapeString(raw[:strings.Index(raw, `">`)])
	var ps []struct {
		Key, Title string
		Routes     []struct{ Method, Path, Scope, Summary, SummaryZh string }
	}
	if err := json.Unmarshal([]byte(raw), &ps); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	if len(ps) != 1 || ps[0].Title != `A "quoted" <title>` || len(ps[0].Routes) != 1 || ps[0].Routes[0].Path != "/x/customers" || ps[0].Routes[0].SummaryZh != "列表" {
		t.Fatalf("platforms %+v", ps)
	}
}
