package cli

import (
	"strings"
	"testing"
)

// TestTableAlignsByDisplayWidth: columns line up on a terminal when cells
// hold Chinese (two columns a character), combining marks (none) or ASCII.
func TestTableAlignsByDisplayWidth(t *testing.T) {
	var b strings.Builder
	l := newLister(&b, true, "ID", "NAME", "CREATED")
	l.row(nil, 1, "默认项目", "2026-12-02")
	l.row(nil, 22, "Émile's project", "2026-12-01")
	l.row(nil, 333, "二期（南区）", "2026-11-30")
	l.row(nil, 4, "e\u0301cole", "2026-11-29")
	if err := l.flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%q", b.String())
	}
	col := -1
	for _, ln := range lines {
		i := strings.LastIndex(ln, "  ")
		if i < 0 {
			t.Fatalf("no column gap in %q", ln)
		}
		at := displayWidth(ln[:i+2])
		if col >= 0 && at != col {
			t.Errorf("the last column starts at display column %d, want %d:\n%s", at, col, b.String())
		}
		col = at
	}
	for s, w := range map[string]int{"abc": 3, "默认": 4, "（": 2, "e\u0301": 1, "": 0, "ｱ": 1, "Ａ": 2} {
		if got := displayWidth(s); got != w {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, w)
		}
	}
}
