package httpx

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeJSONNamesTheProblem(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type body struct {
		Name  string   `json:"name"`
		Age   int      `json:"age"`
		Tags  []string `json:"tags"`
		Inner inner    `json:"inner"`
	}
	for _, tc := range []struct {
		in, code, field, msg string
	}{
		{``, "empty_body", "", "empty"},
		{`   `, "empty_body", "", "empty"},
		{`{"name":`, "malformed_json", "", "ends too early"},
		{`{"name":"a",}`, "malformed_json", "", "line 1, column"},
		{"{\n\"name\": 1\n}", "wrong_type", "name", "expected a string, got JSON number"},
		{`{"age":"x"}`, "wrong_type", "age", "expected an integer"},
		{`{"tags":"x"}`, "wrong_type", "tags", "expected an array"},
		{`{"inner":{"n":"x"}}`, "wrong_type", "inner.n", "expected an integer"},
		{`{"nmae":"a"}`, "unknown_field", "nmae", "unknown field"},
		{`{"name":"a"} {"name":"b"}`, "malformed_json", "", "after the JSON value"},
		{`[1,2]`, "wrong_type", "(body)", "expected an object"},
	} {
		var b body
		err := DecodeJSON([]byte(tc.in), &b)
		var br *BadRequest
		if !errors.As(err, &br) {
			t.Fatalf("%q: %v is not a *BadRequest", tc.in, err)
		}
		if br.Code != tc.code || br.Field != tc.field || !strings.Contains(br.Error(), tc.msg) {
			t.Errorf("%q: got code %q field %q msg %q; want %q %q containing %q", tc.in, br.Code, br.Field, br.Error(), tc.code, tc.field, tc.msg)
		}
	}
	var b body
	if err := DecodeJSON([]byte(`{"name":"张三","age":3,"tags":["a"],"inner":{"n":1}}`), &b); err != nil || b.Name != "张三" || b.Inner.N != 1 {
		t.Fatalf("valid body: %v %+v", err, b)
	}
}

func TestReadBodyLimit(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11)))
	if _, err := ReadBody(r, 10); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("11 bytes over a 10-byte limit: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 10)))
	if b, err := ReadBody(r, 10); err != nil || len(b) != 10 {
		t.Fatalf("10 bytes at a 10-byte limit: %v", err)
	}
}

// TestObserveRecoversPanics: a panicking handler answers 500 and the
// server keeps serving.
func TestObserveRecoversPanics(t *testing.T) {
	h := Observe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }), discardLogger(), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("panic answered %d %q", rec.Code, rec.Body.String())
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestAllowed(t *testing.T) {
	pats := []string{"GET /v1/customers/{id}", "PATCH /v1/customers/{id}", "POST /v1/customers", "GET /v1/customers"}
	for _, tc := range []struct{ path, want string }{
		{"/v1/customers/12", "GET, PATCH"},
		{"/v1/customers", "POST, GET"},
		{"/v1/customers/12/x", ""},
		{"/v1/customers/", ""}, // a wildcard never matches an empty segment
		{"/v1/other", ""},
	} {
		if got := Allowed(pats, tc.path); got != tc.want {
			t.Errorf("Allowed(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
