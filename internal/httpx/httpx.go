// Package httpx holds the HTTP plumbing shared by kehu's four APIs: handlers
// that return errors, strict JSON decoding that names the field at fault,
// JSON writing, and the access-log / metrics / panic middleware. Each API
// renders errors in its own envelope; this package never decides a format.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxBody is the default request body limit.
const MaxBody = 4 << 20

// BadRequest is a client error found while reading a request: the field at
// fault (JSON path or parameter name) and a message safe to show.
type BadRequest struct {
	Field string
	Code  string
	Msg   string
}

func (e *BadRequest) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// ErrBodyTooLarge is returned by DecodeJSON for bodies over the limit.
var ErrBodyTooLarge = errors.New("request body too large")

// ReadBody reads at most max bytes of the body.
func ReadBody(r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, &BadRequest{Code: "bad_body", Msg: "could not read the request body"}
	}
	if int64(len(b)) > max {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// DecodeJSON decodes a JSON body into v strictly: unknown fields, wrong
// types, trailing data and syntax errors become a *BadRequest naming the
// field and what was expected.
func DecodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &BadRequest{Code: "empty_body", Msg: "the request body is empty; a JSON object is expected"}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return JSONError(err, data)
	}
	if d.More() {
		return &BadRequest{Code: "malformed_json", Msg: "unexpected data after the JSON value"}
	}
	return nil
}

// JSONError turns an encoding/json error into a *BadRequest.
func JSONError(err error, data []byte) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(data, se.Offset)
		return &BadRequest{Code: "malformed_json", Msg: fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, se.Error())}
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return &BadRequest{Field: field, Code: "wrong_type", Msg: fmt.Sprintf("expected %s, got JSON %s", typeName(te.Type.String()), te.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &BadRequest{Code: "malformed_json", Msg: "malformed JSON: the body ends too early"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &BadRequest{Field: name, Code: "unknown_field", Msg: "unknown field"}
	}
	return &BadRequest{Code: "malformed_json", Msg: "malformed JSON: " + err.Error()}
}

func typeName(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"), t == "json.Number":
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map"), strings.Contains(t, "."):
		return "an object"
	}
	return t
}

func position(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteJSONBytes writes body, JSON that an appender built (ending in a
// newline as WriteJSON's), with WriteJSON's headers.
func WriteJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteJSONType is WriteJSON with another content type (problem+json).
func WriteJSONType(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
