package dashi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/httpx"
)

// member is one key of a JSON object body with its raw value.
type member struct {
	key string
	raw json.RawMessage
}

// readObject splits a JSON object body into its members in document
// order. Syntax errors, a non-object body, duplicate keys and trailing data
// are PARAM_ERRORs.
func readObject(body []byte) ([]member, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, paramError("the request body is empty; a JSON object is expected")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	bad := func(err error) error {
		var br *httpx.BadRequest
		if errors.As(httpx.JSONError(err, body), &br) {
			return paramError("%s", br.Error())
		}
		return paramError("malformed JSON")
	}
	tok, err := d.Token()
	if err != nil {
		return nil, bad(err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, paramError("the request body must be a JSON object")
	}
	var out []member
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, bad(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil, bad(err)
		}
		if seen[key] {
			return nil, paramError("%s: appears twice in the body", key)
		}
		seen[key] = true
		out = append(out, member{key, raw})
	}
	if _, err := d.Token(); err != nil { // the closing brace
		return nil, bad(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, paramError("unexpected data after the JSON object")
	}
	return out, nil
}

// jsonKind names the type of a raw JSON value for messages.
func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// intValue reads an integer sent as a JSON number or a numeric string
// ("10"), as the platform's own examples do. ok is false for null.
func intValue(field string, raw json.RawMessage, min, max int64) (n int64, ok bool, err error) {
	var text string
	switch raw[0] {
	case 'n':
		return 0, false, nil
	case '"':
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, false, paramError("%s: malformed string", field)
		}
		text = strings.TrimSpace(text)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		text = string(raw)
	default:
		return 0, false, paramError("%s: expected an integer (a JSON number or a numeric string), got %s", field, jsonKind(raw))
	}
	n, err = strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, false, paramError("%s: expected an integer, got %s", field, strconv.Quote(text))
	}
	if n < min || n > max {
		return 0, false, paramError("%s: must be between %d and %d, got %d", field, min, max, n)
	}
	return n, true, nil
}

// stringValue reads a JSON string. ok is false for null.
func stringValue(field string, raw json.RawMessage) (s string, ok bool, err error) {
	if isNull(raw) {
		return "", false, nil
	}
	if raw[0] != '"' {
		return "", false, paramError("%s: expected a string, got %s", field, jsonKind(raw))
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, paramError("%s: malformed string", field)
	}
	return s, true, nil
}

// arrayValue splits a JSON array into its elements. ok is false for null.
func arrayValue(field string, raw json.RawMessage) (elems []json.RawMessage, ok bool, err error) {
	if isNull(raw) {
		return nil, false, nil
	}
	if raw[0] != '[' {
		return nil, false, paramError("%s: expected an array, got %s", field, jsonKind(raw))
	}
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, false, paramError("%s: malformed array", field)
	}
	for i, e := range elems {
		if len(e) == 0 || isNull(e) {
			return nil, false, paramError("%s[%d]: null is not allowed in the array", field, i)
		}
	}
	return elems, true, nil
}

// idListValue reads an array of opaque ids given as strings or numbers.
func idListValue(field string, raw json.RawMessage) ([]string, bool, error) {
	elems, ok, err := arrayValue(field, raw)
	if !ok || err != nil {
		return nil, ok, err
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		f := field + "[" + strconv.Itoa(i) + "]"
		switch e[0] {
		case '"':
			s, _, err := stringValue(f, e)
			if err != nil {
				return nil, false, err
			}
			out = append(out, s)
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if _, err := strconv.ParseInt(string(e), 10, 64); err != nil {
				return nil, false, paramError("%s: expected an id, got %s", f, e)
			}
			out = append(out, string(e))
		default:
			return nil, false, paramError("%s: expected a string or an integer id, got %s", f, jsonKind(e))
		}
	}
	return out, true, nil
}

// stringListValue reads an array of strings.
func stringListValue(field string, raw json.RawMessage) ([]string, bool, error) {
	elems, ok, err := arrayValue(field, raw)
	if !ok || err != nil {
		return nil, ok, err
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		s, _, err := stringValue(field+"["+strconv.Itoa(i)+"]", e)
		if err != nil {
			return nil, false, err
		}
		out = append(out, s)
	}
	return out, true, nil
}
