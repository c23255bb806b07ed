package ui_test

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"
)

// TestCatalogues: every message exists in both languages.
func TestCatalogues(t *testing.T) {
	load := func(f string) map[string]string {
		b, err := os.ReadFile(f)
		must(t, err)
		m := map[string]string{}
		must(t, json.Unmarshal(b, &m))
		return m
	}
	zh, en := load("messages/zh-CN.json"), load("messages/en.json")
	for _, k := range slices.Sorted(maps.Keys(zh)) {
		if en[k] == "" {
			t.Errorf("messages/en.json lacks %q", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(en)) {
		if zh[k] == "" {
			t.Errorf("messages/zh-CN.json lacks %q", k)
		}
	}
}
