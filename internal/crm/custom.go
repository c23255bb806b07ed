package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/store"
)

// Text limits for custom values: index keys must stay well below
// PostgreSQL's B-tree row limit (~2.7 kB), 3 bytes per Chinese character.
const (
	maxCustomText     = 200
	maxCustomTextarea = 800
)

// applyCustom merges custom field values into c.Custom, validating and
// coercing each by its catalogue type. Keys may be field keys or ids.
func applyCustom(c *model.Customer, fields map[string]json.RawMessage, cat *store.Catalog, region string) error {
	vals, err := c.CustomValues()
	if err != nil {
		return fmt.Errorf("crm: stored custom values of %d: %w", c.ID, err)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := fields[k]
		f := cat.Field(k)
		name := "fields." + k
		if f == nil {
			return &model.FieldError{Field: name, Code: "unknown_field", Msg: "no such custom field"}
		}
		if f.System {
			return &model.FieldError{Field: name, Code: "invalid", Msg: "is a system field: set it at the top level"}
		}
		id := strconv.FormatInt(f.ID, 10)
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			delete(vals, id)
			continue
		}
		v, err := CoerceValue(f, raw, region)
		if err != nil {
			return &model.FieldError{Field: name, Code: "invalid", Msg: err.Error()}
		}
		if v == nil {
			delete(vals, id)
		} else {
			vals[id] = v
		}
	}
	if len(vals) == 0 {
		c.Custom = nil
		return nil
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return err
	}
	c.Custom = b
	return nil
}

// checkRequired enforces the custom fields marked required: a new customer
// must have a value for each, and a write may not clear one (a write that
// leaves such a field alone passes, so customers stored before the mark
// can still be edited).
func checkRequired(c *model.Customer, in *CustomerInput, cat *store.Catalog, create bool) error {
	var vals map[string]any
	for _, f := range cat.List() {
		if f.System || !f.Required {
			continue
		}
		name := "fields." + f.Key
		if !create {
			touched := false
			for k := range in.Fields {
				if g := cat.Field(k); g != nil && g.ID == f.ID {
					touched, name = true, "fields."+k
				}
			}
			if !touched {
				continue
			}
		}
		if vals == nil {
			var err error
			if vals, err = c.CustomValues(); err != nil {
				return fmt.Errorf("crm: custom values of %d: %w", c.ID, err)
			}
		}
		if _, ok := vals[strconv.FormatInt(f.ID, 10)]; !ok {
			return &model.FieldError{Field: name, Code: "required", Msg: "is required"}
		}
	}
	return nil
}

// CoerceValue validates a JSON value for a custom field and returns its
// canonical form (see model.FieldType); nil means "empty".
func CoerceValue(f *model.Field, raw json.RawMessage, region string) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON")
	}
	return Coerce(f, v, region)
}

// Coerce is CoerceValue for an already decoded value (string, json.Number,
// bool, []any, map[string]any), as the importer and dialects produce.
func Coerce(f *model.Field, v any, region string) (any, error) {
	switch f.Type {
	case model.TypeText, model.TypeTextarea:
		s, ok := asString(v)
		if !ok {
			return nil, fmt.Errorf("want a string")
		}
		s = strings.TrimSpace(s)
		max := maxCustomText
		if f.Type == model.TypeTextarea {
			max = maxCustomTextarea
		}
		if err := checkText("", s, max); err != nil {
			return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), ": "))
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case model.TypePhone:
		s, ok := asString(v)
		if !ok {
			return nil, fmt.Errorf("want a phone number string")
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		p, err := phone.Normalize(s, region)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid phone number", s)
		}
		return p, nil
	case model.TypeEmail:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want an email string")
		}
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			return nil, nil
		}
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s || len(s) > 254 {
			return nil, fmt.Errorf("%q is not a valid email address", s)
		}
		return s, nil
	case model.TypeNumber:
		n, ok := asFloat(v)
		if !ok {
			return nil, fmt.Errorf("want a number")
		}
		return json.Number(strconv.FormatFloat(n, 'f', -1, 64)), nil
	case model.TypeBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "1", "yes", "是", "y":
				return true, nil
			case "false", "0", "no", "否", "n":
				return false, nil
			case "":
				return nil, nil
			}
		case json.Number:
			if x == "0" || x == "1" {
				return x == "1", nil
			}
		}
		return nil, fmt.Errorf("want true or false")
	case model.TypeDate:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a date \"YYYY-MM-DD\"")
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
		for _, layout := range []string{"2006-01-02", "2006/01/02", "2006/1/2", "2006-1-2", "2006.01.02", "2006年1月2日"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Format("2006-01-02"), nil
			}
		}
		return nil, fmt.Errorf("want a date \"YYYY-MM-DD\", got %q", s)
	case model.TypeDateTime:
		switch x := v.(type) {
		case json.Number:
			ms, err := x.Int64()
			if err != nil {
				return nil, fmt.Errorf("want epoch milliseconds or a date-time string")
			}
			return json.Number(strconv.FormatInt(ms, 10)), nil
		case string:
			s := strings.TrimSpace(x)
			if s == "" {
				return nil, nil
			}
			t, err := ParseTime(s)
			if err != nil {
				return nil, err
			}
			return json.Number(strconv.FormatInt(t.UnixMilli(), 10)), nil
		}
		return nil, fmt.Errorf("want a date-time")
	case model.TypeSelect:
		id, err := optionID(f, v)
		if err != nil {
			return nil, err
		}
		return json.Number(strconv.FormatInt(id, 10)), nil
	case model.TypeMultiSelect:
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		var ids []int64
		for _, e := range list {
			id, err := optionID(f, e)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		ids = dedupe(ids)
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		if len(ids) == 0 {
			return nil, nil
		}
		out := make([]any, len(ids))
		for i, id := range ids {
			out[i] = json.Number(strconv.FormatInt(id, 10))
		}
		return out, nil
	case model.TypeArea:
		var code, label string
		switch x := v.(type) {
		case map[string]any:
			code, _ = asString(x["code"])
			label, _ = asString(x["label"])
		case string:
			label = x
		case json.Number:
			code = x.String()
		default:
			return nil, fmt.Errorf("want {\"code\":…,\"label\":…}")
		}
		code, label = strings.TrimSpace(code), strings.TrimSpace(label)
		if code == "" && label == "" {
			return nil, nil
		}
		if len(code) > 20 || strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("area code must be digits")
		}
		if err := checkText("", label, maxCustomText); err != nil {
			return nil, fmt.Errorf("label %s", strings.TrimPrefix(err.Error(), ": "))
		}
		return map[string]any{"code": code, "label": label}, nil
	}
	return nil, fmt.Errorf("field type %s cannot be written", f.Type)
}

// ParseTime accepts RFC 3339, "2006-01-02 15:04:05" (Asia/Shanghai) and bare dates.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05", "2006-01-02", "2006/01/02"} {
		if t, err := time.ParseInLocation(layout, s, China); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a date-time like \"2025-01-02 15:04:05\" or RFC 3339, got %q", s)
}

// China is the default tenant time zone.
var China = time.FixedZone("CST", 8*3600)

func optionID(f *model.Field, v any) (int64, error) {
	if n, ok := asInt(v); ok {
		if o, ok := f.OptionByID(n); ok && !o.Deleted {
			return n, nil
		}
	}
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		for _, o := range f.Options {
			if o.Label == s && !o.Deleted {
				return o.ID, nil
			}
		}
		return 0, fmt.Errorf("%q is not an option of this field", s)
	}
	return 0, fmt.Errorf("want an option id or label")
}

func asString(v any) (string, bool) { return model.ScalarText(v) }

func asFloat(v any) (float64, bool) { return model.ScalarFloat(v) }

// asInt is model.ScalarInt with surrounding spaces ignored (values typed
// into forms and files).
func asInt(v any) (int64, bool) {
	s, ok := model.ScalarText(v)
	if !ok {
		return 0, false
	}
	return model.ScalarInt(strings.TrimSpace(s))
}
