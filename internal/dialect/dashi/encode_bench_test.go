package dashi

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAppendCustomer encodes one demo-like customer object, to keep
// the per-record cost (and its zero allocations) in view.
func BenchmarkAppendCustomer(b *testing.B) {
	c := benchCustomer(rand.New(rand.NewPCG(3, 4)), 7)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendCustomer(buf[:0], c, "演示园区")
	}
}
