package platsync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
)

// Platforms kehu sync reads from.
const (
	PlatformDashi   = "dashi"
	PlatformTanma   = "tanma"
	PlatformYeastar = "yeastar"
)

// platform is one platform's client: authentication, paging and the
// mapping of its customer records into kehu's input.
type platform interface {
	// begin authenticates and reads what mapping needs (探马's field
	// catalogue, creating the matching custom fields, options, tags and
	// stages in kehu).
	begin(ctx context.Context, r *run) error
	// pageSizes are the default and the largest page the platform serves.
	pageSizes() (def, max int)
	// page fetches page n (1-based) of the customers changed since since
	// (zero: all) and created up to until (the run's start, so customers
	// created during the walk do not shift the pages).
	page(ctx context.Context, n, size int, since, until time.Time) (recs []json.RawMessage, total int64, err error)
	// mapRecord turns one record into kehu's input.
	mapRecord(ctx context.Context, r *run, raw json.RawMessage) *Record
	// filtersSince says whether page applies since itself (探马); otherwise
	// the run skips records older than since by their modification time
	// (达实), or compares content hashes (Yeastar).
	filtersSince() bool
}

// Record is one platform customer mapped into kehu.
type Record struct {
	ExternalID string
	Name       string // for the report
	Phone      string // as the platform sent it, for the report
	In         *crm.CustomerInput
	// CreatedAt, CreatedBy and CreatedByName are the platform's, kept when
	// the sync creates the customer (zero: kehu's own).
	CreatedAt     time.Time
	CreatedBy     string
	CreatedByName string
	Modified      time.Time // the platform's modification time, zero when it has none
	Hash          string    // of the record as the platform sent it
	// Dropped lists values that could not be carried over ("email: … is
	// not a valid email address"); the rest of the record is written.
	Dropped []string
	// Err is set when the record cannot be written at all.
	Err string
}

// mappingVersion is part of every content hash: a kehu release that maps
// differently re-applies records that did not change on the platform.
const mappingVersion = "1"

func hashOf(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	h := sha256.New()
	h.Write([]byte(mappingVersion + "\n"))
	h.Write(buf.Bytes())
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// flex reads the loosely typed values platforms send: a JSON number or a
// numeric string for a number ("0" in 达实's own example), null or "" for
// nothing.
type flex struct{ raw json.RawMessage }

func (f *flex) UnmarshalJSON(b []byte) error { f.raw = append(f.raw[:0], b...); return nil }

func (f flex) null() bool {
	s := strings.TrimSpace(string(f.raw))
	return s == "" || s == "null" || s == `""`
}

// str is the value as text ("" for null; numbers as written).
func (f flex) str() string {
	if f.null() {
		return ""
	}
	var s string
	if err := json.Unmarshal(f.raw, &s); err == nil {
		return s
	}
	return strings.TrimSpace(string(f.raw))
}

// int64 is the value as an integer (ok false when it is not one).
func (f flex) int64() (int64, bool) {
	if f.null() {
		return 0, true
	}
	s := f.str()
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int64(x)) {
		return int64(x), true
	}
	return 0, false
}

// strings reads a list of strings or numbers (null: empty).
func (f flex) strings() ([]string, bool) {
	if f.null() {
		return []string{}, true
	}
	var list []flex
	if err := json.Unmarshal(f.raw, &list); err != nil {
		if s := f.str(); s != "" && !strings.HasPrefix(s, "[") && !strings.HasPrefix(s, "{") {
			return []string{s}, true // a single value where a list was documented
		}
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s := x.str(); s != "" {
			out = append(out, s)
		}
	}
	return out, true
}

// mapper collects a record's input and what could not be mapped.
type mapper struct {
	rec *Record
}

func (m *mapper) str(dst **string, v flex) {
	s := v.str()
	*dst = &s
}

// num sets an integer field; a value that is not one is dropped and said.
func (m *mapper) num(name string, dst **int64, v flex) {
	n, ok := v.int64()
	if !ok {
		m.drop(name, "%q 不是数字", v.str())
		return
	}
	*dst = &n
}

// small sets an enum or small integer; 0 (the platforms' "not filled") is 0.
func (m *mapper) small(name string, dst **int, v flex) {
	n, ok := v.int64()
	if !ok || n != int64(int(n)) {
		m.drop(name, "%q 不是数字", v.str())
		return
	}
	x := int(n)
	*dst = &x
}

func (m *mapper) list(name string, dst **[]string, v flex) {
	l, ok := v.strings()
	if !ok {
		m.drop(name, "不是列表")
		return
	}
	*dst = &l
}

func (m *mapper) drop(name, format string, args ...any) {
	m.rec.Dropped = append(m.rec.Dropped, name+"："+fmt.Sprintf(format, args...))
}
