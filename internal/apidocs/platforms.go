package apidocs

import (
	"encoding/json"

	"github.com/kehu/kehu/internal/httpx"
)

// Platform is one of the platform APIs kehu speaks, documented on the page
// from its route table (the same table httpx.Mount serves), so the page
// cannot list an endpoint the server does not have, nor miss one.
type Platform struct {
	Key      string // "dashi": also the anchor and the try-it scheme
	Title    string // English title
	TitleZH  string // Chinese title
	Auth     string // markdown, English: how to authenticate
	AuthZH   string // markdown, Chinese
	Readme   string // repository path of the dialect's README
	Routes   []httpx.Route
	TryIt    string // "bearer" (a token from the token route) or "tanma" (sign each request)
	TokenURL string // the token route, for the hint
}

type routeJSON struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Scope     string `json:"scope,omitempty"`
	Public    bool   `json:"public,omitempty"`
	Summary   string `json:"summary"`
	SummaryZH string `json:"summaryZh,omitempty"`
}

type platformJSON struct {
	Key      string      `json:"key"`
	Title    string      `json:"title"`
	TitleZH  string      `json:"titleZh"`
	Auth     string      `json:"auth"`
	AuthZH   string      `json:"authZh"`
	Readme   string      `json:"readme"`
	TryIt    string      `json:"tryIt"`
	TokenURL string      `json:"tokenUrl,omitempty"`
	Routes   []routeJSON `json:"routes"`
}

// platformsJSON is the JSON the page reads from its embedded script
// element; json.Marshal escapes <, > and &, so it cannot end the element.
func platformsJSON(ps []Platform) []byte {
	out := make([]platformJSON, 0, len(ps))
	for _, p := range ps {
		pj := platformJSON{Key: p.Key, Title: p.Title, TitleZH: p.TitleZH, Auth: p.Auth, AuthZH: p.AuthZH, Readme: p.Readme,
			TryIt: p.TryIt, TokenURL: p.TokenURL, Routes: []routeJSON{}}
		for _, rt := range p.Routes {
			pj.Routes = append(pj.Routes, routeJSON{Method: rt.Method, Path: rt.Path, Scope: rt.Scope, Public: rt.Public,
				Summary: rt.Summary, SummaryZH: rt.SummaryZH})
		}
		out = append(out, pj)
	}
	b, _ := json.Marshal(out)
	return b
}
