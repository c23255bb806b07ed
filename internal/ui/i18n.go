package ui

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database

	"golang.org/x/text/language"
)

// Languages the console speaks; the first is the default.
var languages = []language.Tag{language.MustParse("zh-CN"), language.English}

var langMatcher = language.NewMatcher(languages)

// langCookie keeps the language a user chose.
const langCookie = "kehu_lang"

// defaultZone is the time zone dates are shown in.
var defaultZone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// catalogues are the message catalogues by language code ("zh-CN", "en").
type catalogues struct {
	byLang map[string]map[string]string
}

// loadCatalogues reads messages/*.json: flat objects of key → text, where
// the text may hold fmt verbs (%d, %s) for T's arguments.
func loadCatalogues(fsys fs.FS) (*catalogues, error) {
	c := &catalogues{byLang: map[string]map[string]string{}}
	files, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("ui: %s: %w", f, err)
		}
		c.byLang[strings.TrimSuffix(path.Base(f), ".json")] = m
	}
	if c.byLang["zh-CN"] == nil {
		return nil, fmt.Errorf("ui: messages/zh-CN.json missing")
	}
	return c, nil
}

// langOf picks the language of a request: the chosen one (cookie), else
// the best match of Accept-Language, else Chinese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		if c.Value == "en" || c.Value == "zh-CN" {
			return c.Value
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if len(tags) == 0 {
		return "zh-CN"
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No || i == 0 {
		return "zh-CN"
	}
	return "en"
}

// has reports whether lang's catalogue (or the Chinese one) has key.
func (c *catalogues) has(lang, key string) bool {
	_, ok := c.byLang[lang][key]
	if !ok {
		_, ok = c.byLang["zh-CN"][key]
	}
	return ok
}

// translator returns T for lang: the message of key with args applied,
// falling back to Chinese, then to the key itself (a test keeps every key
// present in every catalogue).
func (c *catalogues) translator(lang string) func(key string, args ...any) string {
	m, zh := c.byLang[lang], c.byLang["zh-CN"]
	return func(key string, args ...any) string {
		s, ok := m[key]
		if !ok {
			if s, ok = zh[key]; !ok {
				s = key
			}
		}
		if len(args) > 0 {
			return fmt.Sprintf(s, args...)
		}
		return s
	}
}

// switchLang serves GET /lang/{lang}?back=/path: remembers the choice for a
// year and goes back to the page (only a path of this site).
func (h *Handler) switchLang(w http.ResponseWriter, r *http.Request) error {
	l := r.PathValue("lang")
	if l != "en" && l != "zh-CN" {
		l = "zh-CN"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, localPath(r.URL.Query().Get("back"), "/"), http.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path on this site ("/customers?x=1"),
// else def: never another host ("//evil", "https://…", "/\evil").
func localPath(p, def string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return def
	}
	return p
}
