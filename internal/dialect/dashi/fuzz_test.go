package dashi_test

import (
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/store"
)

// FuzzBodies posts arbitrary bodies to the customer page and add calls
// with a valid token: every answer is a 200 with JSON or a {msg, code,
// status} envelope whose code is the HTTP status and below 500 — never an
// internal error, whatever the body.
func FuzzBodies(f *testing.F) {
	e := newEnv(f, store.SQLite)
	tok := e.token(f, e.Client)
	q := "project=" + e.project()
	for _, body := range []string{
		`{"pageIndex":1,"pageSize":10}`,
		`{"pageIndex":"2","pageSize":"4000","customerName":"张三","customerStatus":[1,0]}`,
		`{"pageIndex":0,"pageSize":-1,"customerStatus":"1"}`,
		`{"name":"张三","phone":"13812345678","customerStatus":"1"}`,
		`{"name":" 李四 ","customerStatus":0,"sex":null,"companyNames":"示例公司","contractPhone":"021-6123 4567","customerGradeId":"9"}`,
		`{"name":"王五","birthday":"1990-13-45","idCard":"x","email":"@"}`,
		`[]`, `{`, `null`, `{"pageIndex":1e400}`, "{\"name\":\"\xff\"}",
	} {
		f.Add(false, body)
		f.Add(true, body)
	}
	f.Fuzz(func(t *testing.T, add bool, body string) {
		call := e.page
		if add {
			call = e.add
		}
		status, out := call(t, tok, q, body)
		if status == 200 {
			if !json.Valid(out) {
				t.Fatalf("200 with a body that is not JSON: %q", out)
			}
			return
		}
		env, err := decodeError(out)
		if err != nil || status >= 500 || env.Code != status || env.Msg == "" || env.Status == "" {
			t.Fatalf("body %q: HTTP %d %s (%v)", body, status, out, err)
		}
	})
}
