package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

func TestDecodeLenient(t *testing.T) {
	type item struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	}
	type dto struct {
		ID    *int64          `json:"id" kehu:"server"`
		Size  int             `json:"pageSize"`
		Phone string          `json:"phone"`
		IDs   []int64         `json:"ids"`
		OK    *bool           `json:"ok"`
		Raw   json.RawMessage `json:"raw"`
		Items []item          `json:"items"`
	}
	for _, tc := range []struct {
		in   string
		want string // fmt of the decoded dto, or the error's field
		kind Kind
	}{
		{`{"pageSize":10.0,"phone":16644561076,"ids":["377",1e2,null],"ok":"true","x":null,"y":{"z":1}}`, "", 0},
		{"\uFEFF" + `{"pageSize":"10","id":0,"raw":null}`, "", 0},
		{`{"id":null,"pageSize":null}`, "", 0},
		{`{"pageSize":"ten"}`, "pageSize", KindInvalid},
		{`{"pageSize":1.5}`, "pageSize", KindInvalid},
		{`{"pageSize":1e30}`, "pageSize", KindRange},
		{`{"phone":{"a":1}}`, "phone", KindInvalid},
		{`{"ids":"1"}`, "ids", KindInvalid},
		{`{"ids":[1,"x"]}`, "ids[1]", KindInvalid},
		{`{"items":[{"name":"a"},{"values":[1,{}]}]}`, "items[1].values[1]", KindInvalid},
		{`{"id":5}`, "", 0},
		{`[1]`, "", KindInvalid},
		{`{"a":`, "", KindMalformed},
		{``, "", KindMalformed},
	} {
		var d dto
		err := DecodeLenient(context.Background(), []byte(tc.in), &d)
		var fe *FieldError
		switch {
		case tc.kind == 0 && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.kind != 0 && (!errors.As(err, &fe) || fe.Kind != tc.kind || fe.Field != tc.want):
			t.Errorf("%s: got %#v, want kind %v field %q", tc.in, err, tc.kind, tc.want)
		}
	}
	var d dto
	if err := DecodeLenient(context.Background(), []byte(`{"pageSize":1e1,"phone":13800000000,"ids":["377",null,2.0],"id":0,"raw":null,"ok":1}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.Size != 10 || d.Phone != "13800000000" || len(d.IDs) != 2 || d.IDs[0] != 377 || d.IDs[1] != 2 || d.ID != nil || string(d.Raw) != "null" || d.OK == nil || !*d.OK {
		t.Fatalf("decoded %+v", d)
	}
}

func TestIsBlank(t *testing.T) {
	for in, want := range map[string]bool{`null`: true, `0`: true, `0.0`: true, `""`: true, `" "`: true, `[]`: true, `{}`: true, `false`: true,
		`1`: false, `"a"`: false, `[1]`: false, `true`: false, `{"a":1}`: false} {
		if IsBlank([]byte(in)) != want {
			t.Errorf("IsBlank(%s) = %v", in, !want)
		}
	}
}

// FuzzDecodeLenient: any body decodes or fails with a *FieldError, never a panic.
func FuzzDecodeLenient(f *testing.F) {
	for _, s := range []string{`{"pageSize":10.0}`, `{"ids":["1",null]}`, "\uFEFF{}", `{"items":[{"values":[{}]}]}`, `1e400`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d struct {
			A int                `json:"a"`
			B []string           `json:"b"`
			C map[string]any     `json:"c"`
			D *struct{ E int64 } `json:"d"`
			F float64            `json:"f"`
		}
		err := DecodeLenient(context.Background(), []byte(s), &d)
		var fe *FieldError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("%q: %T %v", s, err, err)
		}
	})
}
