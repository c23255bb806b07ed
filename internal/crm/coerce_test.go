package crm_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// TestCoerce: every field type's accepted spellings and their canonical
// form, "empty" (nil) and the refusals with their messages.
func TestCoerce(t *testing.T) {
	opts := []model.Option{{ID: 1, Label: "金卡"}, {ID: 2, Label: "银卡", Position: 1}, {ID: 3, Label: "旧卡", Deleted: true}}
	n := func(s string) json.Number { return json.Number(s) }
	cases := []struct {
		typ  model.FieldType
		in   any
		want any
		err  string // substring of the error; "" for none
	}{
		{model.TypeText, "  你好 ", "你好", ""},
		{model.TypeText, n("12"), "12", ""},
		{model.TypeText, "   ", nil, ""},
		{model.TypeText, true, nil, "want a string"},
		{model.TypeText, strings.Repeat("字", 201), nil, "200"},
		{model.TypeTextarea, strings.Repeat("字", 201), strings.Repeat("字", 201), ""},
		{model.TypePhone, "138 1234 5678", "+8613812345678", ""},
		{model.TypePhone, "", nil, ""},
		{model.TypePhone, "12345", nil, "not a valid phone number"},
		{model.TypePhone, false, nil, "want a phone number string"},
		{model.TypeEmail, " A@Example.COM ", "a@example.com", ""},
		{model.TypeEmail, "", nil, ""},
		{model.TypeEmail, "not an email", nil, "not a valid email address"},
		{model.TypeEmail, n("1"), nil, "want an email string"},
		{model.TypeNumber, n("1.50"), n("1.5"), ""},
		{model.TypeNumber, "42", n("42"), ""},
		{model.TypeNumber, "abc", nil, "want a number"},
		{model.TypeBool, true, true, ""},
		{model.TypeBool, "是", true, ""},
		{model.TypeBool, " No ", false, ""},
		{model.TypeBool, n("1"), true, ""},
		{model.TypeBool, n("0"), false, ""},
		{model.TypeBool, "", nil, ""},
		{model.TypeBool, n("2"), nil, "want true or false"},
		{model.TypeBool, "maybe", nil, "want true or false"},
		{model.TypeDate, "2025-03-04", "2025-03-04", ""},
		{model.TypeDate, "2025/3/4", "2025-03-04", ""},
		{model.TypeDate, "2025年3月4日", "2025-03-04", ""},
		{model.TypeDate, " ", nil, ""},
		{model.TypeDate, "04.03.2025", nil, "want a date"},
		{model.TypeDate, n("20250304"), nil, "want a date"},
		{model.TypeDateTime, n("1735689600000"), n("1735689600000"), ""},
		{model.TypeDateTime, "2025-01-01 08:00:00", n("1735689600000"), ""},
		{model.TypeDateTime, "2025-01-01T00:00:00Z", n("1735689600000"), ""},
		{model.TypeDateTime, "", nil, ""},
		{model.TypeDateTime, n("1.5"), nil, "want epoch milliseconds"},
		{model.TypeDateTime, "yesterday", nil, "want a date-time like"},
		{model.TypeDateTime, true, nil, "want a date-time"},
		{model.TypeSelect, n("2"), n("2"), ""},
		{model.TypeSelect, " 金卡 ", n("1"), ""},
		{model.TypeSelect, n("3"), nil, "want an option id or label"},
		{model.TypeSelect, "旧卡", nil, "is not an option of this field"},
		{model.TypeMultiSelect, []any{n("2"), "金卡", n("2")}, []any{n("1"), n("2")}, ""},
		{model.TypeMultiSelect, "银卡", []any{n("2")}, ""},
		{model.TypeMultiSelect, []any{}, nil, ""},
		{model.TypeMultiSelect, []any{"铜卡"}, nil, "is not an option of this field"},
		{model.TypeArea, map[string]any{"code": "110101", "label": " 北京市/北京市/东城区 "}, map[string]any{"code": "110101", "label": "北京市/北京市/东城区"}, ""},
		{model.TypeArea, "东城区", map[string]any{"code": "", "label": "东城区"}, ""},
		{model.TypeArea, n("110101"), map[string]any{"code": "110101", "label": ""}, ""},
		{model.TypeArea, map[string]any{}, nil, ""},
		{model.TypeArea, map[string]any{"code": "11a"}, nil, "area code must be digits"},
		{model.TypeArea, true, nil, "want {"},
		{model.TypeStaff, n("1"), nil, "cannot be written"},
	}
	for _, c := range cases {
		f := &model.Field{ID: 100, Key: "f", Type: c.typ, Options: opts}
		got, err := crm.Coerce(f, c.in, "CN")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %#v: got %#v, %v; want an error with %q", c.typ, c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %#v: got %#v, %v; want %#v", c.typ, c.in, got, err, c.want)
		}
	}
}
