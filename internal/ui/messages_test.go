package ui_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestCatalogues: every message exists, non-empty, in every language
// (messages/*.json), and every key a template asks for ({{.T "key"}},
// {{T "key"}}) is in the catalogues.
func TestCatalogues(t *testing.T) {
	files, err := filepath.Glob("messages/*.json")
	must(t, err)
	if len(files) < 2 {
		t.Fatalf("catalogues: %v", files)
	}
	cats := map[string]map[string]string{}
	all := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		m := map[string]string{}
		must(t, json.Unmarshal(b, &m))
		cats[f] = m
		for k := range m {
			all[k] = true
		}
	}
	for _, f := range files {
		for _, k := range slices.Sorted(maps.Keys(all)) {
			if cats[f][k] == "" {
				t.Errorf("%s lacks %q", f, k)
			}
		}
	}
	re := regexp.MustCompile(`\bT "([A-Za-z0-9.]+)"`)
	tpls, err := filepath.Glob("templates/*.html")
	must(t, err)
	more, err := filepath.Glob("admin_templates/*.html")
	must(t, err)
	for _, f := range append(tpls, more...) {
		b, err := os.ReadFile(f)
		must(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !all[m[1]] {
				t.Errorf("%s asks for %q, which no catalogue has", f, m[1])
			}
		}
	}
}
