// Package idgen makes kehu's ids: int64, time-ordered, always below 2^53 so
// JSON clients that parse numbers as doubles never lose precision.
//
// Layout: 41 bits of milliseconds since 2024-01-01 UTC (good until 2093) and
// 12 bits of sequence. The sequence starts at a random offset each
// millisecond so two kehu nodes rarely collide; when they do, the primary key
// rejects the insert and the caller retries with a fresh id.
package idgen

import (
	"math/rand/v2"
	"sync"
	"time"
)

const (
	epochMs  = 1704067200000 // 2024-01-01T00:00:00Z
	seqBits  = 12
	seqMask  = 1<<seqBits - 1
	maxValue = 1<<53 - 1
)

var (
	mu   sync.Mutex
	last int64
)

// Next returns a new id, strictly greater than every id this process made before.
func Next() int64 {
	mu.Lock()
	defer mu.Unlock()
	ms := time.Now().UnixMilli() - epochMs
	id := ms<<seqBits | int64(rand.IntN(1<<(seqBits-2)))
	if id <= last {
		id = last + 1
	}
	last = id
	return id & maxValue
}

// Time returns the creation time encoded in an id.
func Time(id int64) time.Time {
	return time.UnixMilli(id>>seqBits + epochMs).UTC()
}
