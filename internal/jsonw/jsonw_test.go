package jsonw

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func std(t *testing.T, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestMatchesEncodingJSON: each appender writes what encoding/json writes
// (HTML escaping off) for the same value.
func TestMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "张三", `a"b\c`, "line\nbreak\r\ttab", "\x00\x01\x1f\x7f", "\b\f", "<script>&</script>",
		"bad utf-8 \xff\xfe end", "\u2028\u2029", "emoji 😀", "mixed 张\"\\\n三\xc3", strings.Repeat("长", 300)}
	for _, s := range strs {
		if got, want := String(nil, s), std(t, s); !bytes.Equal(got, want) {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	}
	for _, v := range [][]string{nil, {}, {"a"}, strs} {
		want := std(t, v)
		if v == nil {
			want = []byte("[]") // never null
		}
		if got := Strings(nil, v); !bytes.Equal(got, want) {
			t.Errorf("Strings(%q) = %s, want %s", v, got, want)
		}
	}
	for _, v := range [][]int64{{}, {0}, {-1, 1 << 62, 7}} {
		if got, want := Ints(nil, v), std(t, v); !bytes.Equal(got, want) {
			t.Errorf("Ints(%v) = %s, want %s", v, got, want)
		}
	}
	loc := time.FixedZone("", -(3*3600 + 30*60))
	for _, tm := range []time.Time{{}, time.UnixMilli(1700000000123).UTC(), time.Unix(1, 5).In(loc), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)} {
		if got, want := Time(nil, tm), std(t, tm); !bytes.Equal(got, want) {
			t.Errorf("Time(%v) = %s, want %s", tm, got, want)
		}
	}
}
