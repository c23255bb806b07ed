package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Lenient decoding reads a body the way the three platforms' Spring Boot
// services read it with Jackson's defaults, so their clients keep working
// against kehu unchanged:
//
//   - unknown properties are ignored (FAIL_ON_UNKNOWN_PROPERTIES is off in
//     Spring Boot) and noted: one debug log line naming them and the
//     kehu_dialect_unknown_properties_total counter;
//   - null is "not given", for every member (a json.RawMessage member keeps
//     the null for the dialect to read as absent, or as "clear" where its
//     contract says so);
//   - a number is read into a string as its literal text (16644561076 →
//     "16644561076"), a boolean as "true"/"false"; a numeric string into an
//     integer or number ("10", " 10 "), "" into an integer as "not given";
//   - an integral float (10.0, 1e1) is read into an integer; a fractional one
//     is refused rather than truncated (Jackson would truncate 1.5 to 1,
//     which silently changes what the client asked for);
//   - a UTF-8 byte order mark before the body is skipped;
//   - a member tagged `kehu:"server"` (a server-assigned field of a shared
//     DTO) is ignored when it is null, 0, "", [] or {}; with any other value
//     it is decoded, and the dialect refuses it unless it repeats the value
//     the server has;
//   - duplicate keys: the last one wins, as in Jackson.
//
// What Jackson refuses is still refused, as a *FieldError naming the member
// by its JSON path ("conditions.conditionItems[0].values[0]"): an object or
// array where a scalar is expected, a non-numeric string for a number, a
// scalar where an array is expected (ACCEPT_SINGLE_VALUE_AS_ARRAY is off),
// a number out of the target's range. The dialect maps the error's Kind to
// its own envelope and language; the English Msg is the default face.

// FieldError is a decoding error naming the member at fault.
type FieldError struct {
	Kind  Kind   // KindMalformed (not JSON), KindInvalid (wrong type or value), KindRange
	Field string // JSON path; "" for the whole body
	Want  string // what was expected: "an integer", "a string", "an array", "an object", "a number", "true or false"
	Got   string // what came, as JSONKind says it
	Msg   string // English message without the field
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func wrongType(path, want string, raw []byte) *FieldError {
	got := JSONKind(raw)
	return &FieldError{Kind: KindInvalid, Field: path, Want: want, Got: got, Msg: "expected " + want + ", got " + got}
}

// BOM is the UTF-8 byte order mark some clients (and Windows tools) put
// before a body.
var BOM = []byte{0xEF, 0xBB, 0xBF}

// StripBOM returns data without a leading UTF-8 byte order mark.
func StripBOM(data []byte) []byte { return bytes.TrimPrefix(data, BOM) }

// ErrEmptyBody is returned by DecodeLenient for an empty (or all-blank) body.
var ErrEmptyBody = &FieldError{Kind: KindMalformed, Msg: "the request body is empty; a JSON object is expected"}

// DecodeLenient decodes a JSON body into v (a pointer to a struct) as
// Jackson would; unknown members are noted against the request's route (see
// NoteUnknown). Syntax errors are a *FieldError of KindMalformed with the
// line and column.
func DecodeLenient(ctx context.Context, data []byte, v any) error {
	data = StripBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return ErrEmptyBody
	}
	if err := CheckSyntax(data); err != nil {
		return err
	}
	var unknown []string
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("httpx: DecodeLenient needs a non-nil pointer, got %T", v)
	}
	_, err := decodeValue(bytes.TrimSpace(data), "", rv.Elem(), &unknown)
	NoteUnknown(ctx, unknown)
	return err
}

// DecodeLenientValue decodes one JSON value (already checked for syntax,
// e.g. a member of a body) into v as DecodeLenient does; path names it in
// errors and unknown members are appended to unknown.
func DecodeLenientValue(raw json.RawMessage, path string, v any, unknown *[]string) error {
	_, err := decodeValue(bytes.TrimSpace(raw), path, reflect.ValueOf(v).Elem(), unknown)
	return err
}

// CheckSyntax reports the first JSON syntax error of data (and trailing
// data after the value) as a *FieldError of KindMalformed.
func CheckSyntax(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	var x json.RawMessage
	err := d.Decode(&x)
	if err == nil {
		return &FieldError{Kind: KindMalformed, Msg: "unexpected data after the JSON value"}
	}
	var br *BadRequest
	if errors.As(JSONError(err, data), &br) {
		return &FieldError{Kind: KindMalformed, Msg: br.Msg}
	}
	return &FieldError{Kind: KindMalformed, Msg: "malformed JSON"}
}

// Member is one key of a JSON object with its raw value.
type Member struct {
	Key string
	Raw json.RawMessage
}

// Members splits a JSON object into its members in document order (the
// last of duplicate keys wins, as in Jackson). raw must be valid JSON; a
// value that is not an object is a *FieldError naming path.
func Members(raw json.RawMessage, path string) ([]Member, error) {
	raw = bytes.TrimSpace(StripBOM(raw))
	if len(raw) == 0 || raw[0] != '{' {
		if path == "" {
			return nil, &FieldError{Kind: KindInvalid, Want: "an object", Got: JSONKind(raw), Msg: "the request body must be a JSON object, got " + JSONKind(raw)}
		}
		return nil, wrongType(path, "an object", raw)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if _, err := d.Token(); err != nil {
		return nil, &FieldError{Kind: KindMalformed, Field: path, Msg: "malformed JSON"}
	}
	var out []Member
	at := map[string]int{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, &FieldError{Kind: KindMalformed, Field: path, Msg: "malformed JSON"}
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, &FieldError{Kind: KindMalformed, Field: path, Msg: "malformed JSON"}
		}
		if i, dup := at[key]; dup {
			out[i].Raw = v
			continue
		}
		at[key] = len(out)
		out = append(out, Member{key, v})
	}
	return out, nil
}

// IsNull says raw is absent or JSON null.
func IsNull(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// IsBlank says raw carries no real value: null, 0 (in any spelling), "",
// false, [] or {} — what a shared DTO sends for a field it did not fill.
func IsBlank(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	if IsNull(t) {
		return true
	}
	switch t[0] {
	case '"':
		var s string
		return json.Unmarshal(t, &s) == nil && strings.TrimSpace(s) == ""
	case '[', '{':
		var x any
		if json.Unmarshal(t, &x) != nil {
			return false
		}
		switch v := x.(type) {
		case []any:
			return len(v) == 0
		case map[string]any:
			return len(v) == 0
		}
	case 'f':
		return true
	case 't':
		return false
	}
	f, err := strconv.ParseFloat(string(t), 64)
	return err == nil && f == 0
}

// JSONKind names the JSON type of raw for messages, with short scalars
// quoted: `a string "abc"`, `a number 1.5`, `an object`.
func JSONKind(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string " + clip(string(t), 40)
	case 't', 'f':
		return "a boolean " + string(t)
	case 'n':
		return "null"
	}
	return "a number " + clip(string(t), 40)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Int reads an integer as Jackson reads a long: a JSON number (integral,
// 10.0 and 1e1 included) or a numeric string; ok is false for null and "".
// The result must lie in [min, max] (a KindRange error otherwise).
func Int(raw []byte, path string, min, max int64) (n int64, ok bool, err error) {
	t := bytes.TrimSpace(raw)
	if IsNull(t) {
		return 0, false, nil
	}
	var text string
	switch t[0] {
	case '"':
		if json.Unmarshal(t, &text) != nil {
			return 0, false, wrongType(path, "an integer", t)
		}
		text = strings.TrimSpace(text)
		if text == "" {
			return 0, false, nil
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		text = string(t)
	default:
		return 0, false, wrongType(path, "an integer", t)
	}
	n, perr := strconv.ParseInt(text, 10, 64)
	if perr != nil {
		f, ferr := strconv.ParseFloat(text, 64)
		switch {
		case ferr == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53:
			n = int64(f)
		case ferr == nil || errors.Is(perr, strconv.ErrRange):
			if f == math.Trunc(f) || errors.Is(perr, strconv.ErrRange) {
				return 0, false, &FieldError{Kind: KindRange, Field: path, Want: "an integer", Got: JSONKind(t), Msg: fmt.Sprintf("must be between %d and %d, got %s", min, max, clip(text, 40))}
			}
			return 0, false, wrongType(path, "an integer", t)
		default:
			return 0, false, wrongType(path, "an integer", t)
		}
	}
	if n < min || n > max {
		return 0, false, &FieldError{Kind: KindRange, Field: path, Want: "an integer", Got: JSONKind(t), Msg: fmt.Sprintf("must be between %d and %d, got %d", min, max, n)}
	}
	return n, true, nil
}

// String reads a string as Jackson does: a JSON string, or a number or
// boolean as its literal text; ok is false for null.
func String(raw []byte, path string) (s string, ok bool, err error) {
	t := bytes.TrimSpace(raw)
	if IsNull(t) {
		return "", false, nil
	}
	switch t[0] {
	case '"':
		if json.Unmarshal(t, &s) != nil {
			return "", false, wrongType(path, "a string", t)
		}
		return s, true, nil
	case '{', '[':
		return "", false, wrongType(path, "a string", t)
	}
	return string(t), true, nil // a number or true/false, as written
}

// Bool reads true/false, "true"/"false" or 0/1; ok is false for null and "".
func Bool(raw []byte, path string) (b, ok bool, err error) {
	t := bytes.TrimSpace(raw)
	if IsNull(t) {
		return false, false, nil
	}
	s := string(t)
	if t[0] == '"' {
		_ = json.Unmarshal(t, &s)
		s = strings.TrimSpace(s)
		if s == "" {
			return false, false, nil
		}
	}
	switch strings.ToLower(s) {
	case "true", "1":
		return true, true, nil
	case "false", "0":
		return false, true, nil
	}
	return false, false, wrongType(path, "true or false", t)
}

// Float reads a number given as a JSON number or a numeric string.
func Float(raw []byte, path string) (f float64, ok bool, err error) {
	t := bytes.TrimSpace(raw)
	if IsNull(t) {
		return 0, false, nil
	}
	text := string(t)
	switch t[0] {
	case '"':
		_ = json.Unmarshal(t, &text)
		text = strings.TrimSpace(text)
		if text == "" {
			return 0, false, nil
		}
	case '{', '[', 't', 'f':
		return 0, false, wrongType(path, "a number", t)
	}
	f, perr := strconv.ParseFloat(text, 64)
	if perr != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false, wrongType(path, "a number", t)
	}
	return f, true, nil
}

// Array splits a JSON array into its elements (null elements kept, so
// indexes stay the client's; callers skip them as Jackson's null); ok is
// false for null. A scalar or object is refused.
func Array(raw []byte, path string) (elems []json.RawMessage, ok bool, err error) {
	t := bytes.TrimSpace(raw)
	if IsNull(t) {
		return nil, false, nil
	}
	if t[0] != '[' {
		return nil, false, wrongType(path, "an array", t)
	}
	if json.Unmarshal(t, &elems) != nil {
		return nil, false, wrongType(path, "an array", t)
	}
	return elems, true, nil
}

// Index is path[i].
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// Join is path.name ("name" at the top).
func Join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// ---- reflection: a struct DTO ----

var (
	rawType     = reflect.TypeFor[json.RawMessage]()
	numberType  = reflect.TypeFor[json.Number]()
	unmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

type fieldInfo struct {
	index  []int
	server bool
}

var structCache sync.Map // reflect.Type → map[string]fieldInfo

func fieldsOf(t reflect.Type) map[string]fieldInfo {
	if m, ok := structCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = fieldInfo{index: f.Index, server: f.Tag.Get("kehu") == "server"}
	}
	structCache.Store(t, m)
	return m
}

// decodeValue decodes raw into v; set is false when raw meant "not given".
func decodeValue(raw []byte, path string, v reflect.Value, unknown *[]string) (set bool, err error) {
	t := v.Type()
	if t == rawType {
		// A json.RawMessage member keeps an explicit null, so a dialect whose
		// contract gives null a meaning (探马: "fieldValue":null clears a
		// field) can tell it from an absent member; IsNull covers both.
		v.SetBytes(append([]byte(nil), raw...))
		return true, nil
	}
	if IsNull(raw) {
		return false, nil
	}
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		set, err := decodeValue(raw, path, p.Elem(), unknown)
		if set && err == nil {
			v.Set(p)
		}
		return set, err
	}
	if t == numberType {
		_, ok, err := Float(raw, path)
		if ok && err == nil {
			s, _, _ := String(raw, path)
			v.SetString(strings.TrimSpace(s))
		}
		return ok, err
	}
	if reflect.PointerTo(t).Implements(unmarshaler) && t.Kind() != reflect.Struct {
		if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			return false, &FieldError{Kind: KindInvalid, Field: path, Got: JSONKind(raw), Msg: err.Error()}
		}
		return true, nil
	}
	switch t.Kind() {
	case reflect.String:
		s, ok, err := String(raw, path)
		if ok {
			v.SetString(s)
		}
		return ok, err
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
		if bits == 64 {
			lo, hi = math.MinInt64, math.MaxInt64
		}
		n, ok, err := Int(raw, path, lo, hi)
		if ok {
			v.SetInt(n)
		}
		return ok, err
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		hi := int64(math.MaxInt64)
		if t.Bits() < 64 {
			hi = int64(1)<<t.Bits() - 1
		}
		n, ok, err := Int(raw, path, 0, hi)
		if ok {
			v.SetUint(uint64(n))
		}
		return ok, err
	case reflect.Float32, reflect.Float64:
		f, ok, err := Float(raw, path)
		if ok {
			v.SetFloat(f)
		}
		return ok, err
	case reflect.Bool:
		b, ok, err := Bool(raw, path)
		if ok {
			v.SetBool(b)
		}
		return ok, err
	case reflect.Interface:
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil {
			return false, &FieldError{Kind: KindMalformed, Field: path, Msg: "malformed JSON"}
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
		return x != nil, nil
	case reflect.Slice:
		elems, ok, err := Array(raw, path)
		if !ok || err != nil {
			return ok, err
		}
		s := reflect.MakeSlice(t, 0, len(elems))
		for i, e := range elems {
			ev := reflect.New(t.Elem()).Elem()
			set, err := decodeValue(bytes.TrimSpace(e), Index(path, i), ev, unknown)
			if err != nil {
				return false, err
			}
			if set {
				s = reflect.Append(s, ev)
			}
		}
		v.Set(s)
		return true, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return false, fmt.Errorf("httpx: unsupported map key in %s", t)
		}
		ms, err := Members(raw, path)
		if err != nil {
			return false, err
		}
		m := reflect.MakeMapWithSize(t, len(ms))
		for _, mb := range ms {
			ev := reflect.New(t.Elem()).Elem()
			set, err := decodeValue(bytes.TrimSpace(mb.Raw), Join(path, mb.Key), ev, unknown)
			if err != nil {
				return false, err
			}
			if set {
				m.SetMapIndex(reflect.ValueOf(mb.Key).Convert(t.Key()), ev)
			}
		}
		v.Set(m)
		return true, nil
	case reflect.Struct:
		ms, err := Members(raw, path)
		if err != nil {
			return false, err
		}
		fields := fieldsOf(t)
		for _, mb := range ms {
			fi, ok := fields[mb.Key]
			if !ok {
				if unknown != nil {
					*unknown = append(*unknown, Join(path, mb.Key))
				}
				continue
			}
			if fi.server && IsBlank(mb.Raw) {
				continue
			}
			if _, err := decodeValue(bytes.TrimSpace(mb.Raw), Join(path, mb.Key), v.FieldByIndex(fi.index), unknown); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	return false, fmt.Errorf("httpx: DecodeLenient cannot decode into %s", t)
}
