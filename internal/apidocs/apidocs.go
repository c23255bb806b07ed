// Package apidocs serves an offline API documentation page for the /docs
// route.
//
// The page is a single self-contained HTML document (inline CSS and vanilla
// JavaScript, embedded with go:embed) that fetches the service's OpenAPI 3.1
// document at run time and renders it: info, servers, security schemes,
// operations grouped by tag with parameters, request bodies and responses,
// and schemas as a nested tree ($ref resolved against the document, with
// cycle protection); descriptions as markdown (headings, lists, tables,
// fenced code with its indentation). Each operation has a try-it panel
// (a token entered once, the request sent from the page, the answer shown),
// the three platform APIs get their own sections generated from their route
// tables, and the page's own words switch between English and Chinese
// (the reader's browser language by default). It loads nothing from other origins — no CDN, no web
// fonts — so it works without internet access, and the handler sends a
// Content-Security-Policy that forbids external origins.
//
// Usage:
//
//	mux.Handle("GET /docs", apidocs.Handler("/openapi.json"))
//
// The spec must be served from the same origin as the page: the policy's
// default-src 'self' also governs fetch (connect-src).
package apidocs

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html"
	"net/http"
	"strings"
	"time"
)

//go:embed docs.html
var pageTemplate string

// specURLPlaceholder marks where Handler writes the (HTML-escaped) spec URL
// in docs.html; platformsPlaceholder where it writes the platform APIs'
// route tables as JSON.
const (
	specURLPlaceholder   = "{{SPEC_URL}}"
	platformsPlaceholder = "{{PLATFORMS}}"
)

// DefaultSpecURL is used when Handler is given an empty specURL.
const DefaultSpecURL = "/openapi.json"

// contentSecurityPolicy allows only same-origin resources plus the page's own
// inline script and style; data: images are allowed for completeness.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// Handler serves the docs page; specURL is where the page fetches the spec
// (e.g. "/openapi.json"). It should be same-origin (normally a path). The page
// is rendered once; the handler answers GET and HEAD (with ETag support) and
// rejects other methods with 405. It serves the page for any request path, so
// it can be mounted on an exact route or a subtree.
//
// platforms are documented in their own sections after the native API,
// from their route tables, with a try-it panel per route.
func Handler(specURL string, platforms ...Platform) http.Handler {
	if specURL == "" {
		specURL = DefaultSpecURL
	}
	page := []byte(strings.NewReplacer(specURLPlaceholder, html.EscapeString(specURL),
		platformsPlaceholder, html.EscapeString(string(platformsJSON(platforms)))).Replace(pageTemplate))
	sum := sha256.Sum256(page)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(page))
	})
}
