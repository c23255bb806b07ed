package api_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// FuzzRequests sends arbitrary bodies to create, search, patch and batch,
// and arbitrary filter strings to the list, with a valid token: whatever
// arrives, the answer is JSON (a customer, a page or problem+json) and
// never a 5xx (client.do fails on either).
func FuzzRequests(f *testing.F) {
	e := testenv.New(f, store.SQLite)
	var tok, id string
	for i, in := range []string{
		`{"name":"张三","phone":"138 1234 5678","email":"a@b.cn","tags":["VIP"],"fields":{"level":"普通"}}`,
		`{"filter":{"and":[{"field":"name","op":"contains","value":"张"},{"or":[{"field":"status","op":"eq","value":1}]}]},"sort":[{"field":"createdAt","desc":true}],"pageSize":20}`,
		`{"remark":null,"phone":"+86 1","bornDate":"1990-02-30"}`,
		`{"records":[{"match":{"by":"phone"},"customer":{"name":"李四","phone":"13900000001"}}]}`,
		`name ~ "张" && (status = 1 || tags ?= ("VIP"))`,
		`{"name":1}`, `[]`, `{`, `null`, "{\"name\":\"\xff\"}",
	} {
		f.Add(uint8(i), in)
	}
	f.Fuzz(func(t *testing.T, which uint8, in string) {
		if tok == "" {
			c0 := newClient(t, e, e.Client)
			tok = c0.token
			out := c0.mustDo("POST", "/v1/customers", map[string]any{"name": "种子"}, 201)
			id = out["id"].(json.Number).String()
		}
		c := &client{t: t, base: e.URL, token: tok}
		switch which % 5 {
		case 0:
			c.do("POST", "/v1/customers", in)
		case 1:
			c.do("POST", "/v1/customers/search", in)
		case 2:
			c.do("PATCH", "/v1/customers/"+id, in)
		case 3:
			c.do("POST", "/v1/customers/batch", in)
		default:
			c.do("GET", "/v1/customers?filter="+url.QueryEscape(in), nil)
		}
	})
}
