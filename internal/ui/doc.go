// Package ui is kehu's web console: server-rendered pages (html/template)
// for the people who run the customers — sign-in, the customers list and
// the customer page, import, export, the catalogue and administration.
// Its templates, style sheet, scripts and message catalogues are embedded
// in the binary (embed.FS): building kehu needs no Node toolchain.
//
// The console decides no access rule. A request's session cookie (the same
// one POST /v1/auth/login sets) is turned into the *model.Caller by
// people.Authenticate — the code the native API uses — and every read and
// write goes through crm with that caller. State-changing forms and
// fetches carry the session's CSRF token (people.CSRFToken); every answer
// has a strict Content-Security-Policy (scripts and styles only from
// /static/, no inline script or style attribute).
//
// # How to add a page
//
//  1. Route: add a line to the table in routes.go — method and path, the
//     permission the page needs (model.Permission, "" for any signed-in
//     staff member) and the handler. If the page belongs in the navigation,
//     set the nav entry's Path in nav.go.
//  2. Handler: func(w, r) error in a file named after the page (import.go).
//     Take the caller with callerOf(r), call crm with it, then
//     h.render(w, r, "import", data) — the page template's file name
//     without .html. Return errors: render turns them into the error page
//     with crm's safe message (a *model.FieldError says which field).
//  3. Template: templates/import.html defining {{define "title"}} and
//     {{define "content"}}; the layout (templates/layout.html) draws the
//     header, navigation and language switch. Files starting with "_" are
//     partials every page can use. Forms that change state include
//     {{template "csrf" .}}. No inline script or style: put JS in
//     static/*.js (load it with {{define "scripts"}}) and CSS in static/app.css.
//  4. Messages: every text a page shows goes through {{.T "key"}}; add the
//     key to messages/zh-CN.json and messages/en.json (a test fails when
//     the two catalogues differ in keys).
//  5. Test: an HTTP test next to ui_test.go, and a browser test using the
//     harness in browser_test.go (newBrowserEnv, loginAs, waitVisible,
//     screenshot); it fails on any browser console error.
package ui
