package idgen

import (
	"testing"
	"time"
)

func TestNextIsIncreasingAndBelow2p53(t *testing.T) {
	prev := int64(0)
	for i := 0; i < 100000; i++ {
		id := Next()
		if id <= prev {
			t.Fatalf("id %d not greater than previous %d", id, prev)
		}
		if id >= 1<<53 {
			t.Fatalf("id %d not below 2^53", id)
		}
		prev = id
	}
	if d := time.Since(Time(prev)); d < -time.Second || d > time.Minute {
		t.Fatalf("Time(id) off by %v", d)
	}
}
