package store

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kehu/kehu/internal/model"
)

// The fast path must return exactly what encoding/json returns, or decline.
func TestCustomValuesFastPath(t *testing.T) {
	for _, in := range []string{
		`{}`, ` { } `, `{"1":2}`, `{"12":-0.5e+3,"13":"金卡","14":[1,2,3],"15":{"code":"110101","label":"北京市/东城区"}}`,
		`{"1":[]}`, `{"1":{}}`, `{"1":"a","1":"b"}`, `{"1":["x",2]}`, `{ "1" : [ 1 , 2 ] , "2" : "x" }`,
		// declined: escapes, null, bools, nesting, bad numbers, trailing data
		`{"1":"a\"b"}`, `{"1":null}`, `{"1":true}`, `{"1":[[1]]}`, `{"1":{"a":1}}`, `{"1":01}`, `{"1":1.}`,
		`{"1":-}`, `{"1":1e}`, `{"1":2} x`, `{"1":2,}`, `[1]`, `{"1":"` + "\x01" + `"}`, `{"1":"` + "\xff" + `"}`,
	} {
		c := &model.Customer{Custom: json.RawMessage(in)}
		want, wantErr := c.CustomValues()
		fast, ok := parseCustomFast([]byte(in))
		if ok && (wantErr != nil || !reflect.DeepEqual(fast, want)) {
			t.Errorf("%s: fast %#v, encoding/json %#v (%v)", in, fast, want, wantErr)
		}
		got, err := customValues(c)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: customValues %#v %v, want %#v %v", in, got, err, want, wantErr)
		}
	}
}

func FuzzCustomValuesFastPath(f *testing.F) {
	for _, s := range []string{`{}`, `{"1":2}`, `{"12":-0.5e+3,"13":"金卡","14":[1,2,3],"15":{"code":"1","label":"x"}}`, `{"1":"a\"b"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fast, ok := parseCustomFast([]byte(in))
		if !ok {
			return
		}
		c := &model.Customer{Custom: json.RawMessage(in)}
		want, err := c.CustomValues()
		if err != nil || !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q: fast %#v, encoding/json %#v (%v)", in, fast, want, err)
		}
	})
}
