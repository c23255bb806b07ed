package ui

import (
	"net/http"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// navItem is an entry of the console's top navigation.
type navItem struct {
	Key  string // message key of the label
	Path string
	// Allow says whether the caller's role reaches the page (nil: all).
	Allow func(*model.Caller) bool
}

// nav is the navigation, in order. An entry whose Path has no route yet
// is not shown, so a page appears when its route is added to routes.go.
var nav = []navItem{
	{Key: "nav.customers", Path: "/customers"},
	{Key: "nav.pools", Path: "/pools"},
	{Key: "nav.import", Path: "/import", Allow: func(c *model.Caller) bool { return nav2(c).Import }},
	{Key: "nav.export", Path: "/export", Allow: func(c *model.Caller) bool { return nav2(c).Export }},
	{Key: "nav.catalog", Path: "/catalog", Allow: func(c *model.Caller) bool { return nav2(c).Catalog }},
	{Key: "nav.webhooks", Path: "/webhooks", Allow: crm.CanManageWebhooks},
	{Key: "nav.admin", Path: "/admin", Allow: func(c *model.Caller) bool { return nav2(c).Admin }},
}

// navLink is a navigation entry as the layout draws it.
type navLink struct {
	Label   string
	Path    string
	Current bool
}

func (h *Handler) navFor(r *http.Request, c *model.Caller, t func(string, ...any) string) []navLink {
	have := map[string]bool{}
	for _, rt := range h.routes() {
		if m, p, ok := strings.Cut(rt.Pattern, " "); ok && m == http.MethodGet {
			have[p] = true
		}
	}
	var out []navLink
	for _, n := range nav {
		if !have[n.Path] || (n.Allow != nil && !n.Allow(c)) {
			continue
		}
		out = append(out, navLink{Label: t(n.Key), Path: n.Path,
			Current: r.URL.Path == n.Path || strings.HasPrefix(r.URL.Path, n.Path+"/")})
	}
	return out
}
