package ui

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// TestCursorStack: next pushes the page's cursor, prev pops it, the stack
// is bounded (maxPrev) and, once cut, is not walked past (the list offers
// the first page instead of a wrong "previous"); the state survives its
// URL.
func TestCursorStack(t *testing.T) {
	s := listState{Sort: "name"}
	if _, ok := s.prev(); ok {
		t.Fatal("the first page has a previous page")
	}
	for i := 1; i <= maxPrev+5; i++ {
		s = s.next(fmt.Sprint("c", i))
		back := stateOf(httptest.NewRequest("GET", s.URL("/customers"), nil))
		if back.Cursor != s.Cursor || len(back.Prev) != len(s.Prev) || back.PrevCut != s.PrevCut {
			t.Fatalf("page %d: %+v read back from its URL as %+v", i+1, s, back)
		}
	}
	if len(s.Prev) != maxPrev || !s.PrevCut || s.Prev[maxPrev-1] != fmt.Sprint("c", maxPrev+4) {
		t.Fatalf("stack after %d pages: %d cut %v %v", maxPrev+6, len(s.Prev), s.PrevCut, s.Prev)
	}
	for i := maxPrev + 4; i > 4; i-- {
		p, ok := s.prev()
		if !ok || p.Cursor != fmt.Sprint("c", i) {
			t.Fatalf("prev of page at c%d: %q %v", i+1, p.Cursor, ok)
		}
		s = p
	}
	if _, ok := s.prev(); ok {
		t.Errorf("walked back past the cut stack: %+v", s)
	}
	short := listState{}.next("c1").next("c2")
	p, _ := short.prev()
	p, ok := p.prev()
	if !ok || p.Cursor != "" || len(p.Prev) != 0 {
		t.Errorf("back to the first page: %+v %v", p, ok)
	}
}
