package yeastar_test

import (
	"net/url"
	"testing"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// FuzzRequests sends arbitrary query strings to the customer list and
// arbitrary bodies to create and full update, with a valid token: every
// answer is the {data, requestId, status, time, errcode, errmsg} envelope
// (checkEnvelope also fails a Failed answer outside HTTP 4xx), so nothing
// a client sends makes an internal error.
func FuzzRequests(f *testing.F) {
	e := testenv.New(f, store.SQLite)
	var tok string
	for i, in := range []string{
		`pageSize=10&page=1&sortBy=-customerId`,
		`pageSize=51&search=张&sortBy=name,x`,
		`page=%zz&pageSize=1.5`,
		`{"firstName":"三","lastName":"张","mobileNumber":"13812345678","email":"a@b.cn"}`,
		`{"firstName":"","mobileNumber":"123","company":{"x":1}}`,
		`{"lastName":"李","birthday":"1990-02-30","remark":null}`,
		`[]`, `{`, `null`,
	} {
		f.Add(uint8(i), in)
	}
	f.Fuzz(func(t *testing.T, which uint8, in string) {
		if tok == "" {
			tok = login(t, e, e.Client).AccessToken
		}
		switch which % 3 {
		case 0:
			api(t, e, tok, "GET", "/customers?"+url.PathEscape(in), "")
		case 1:
			api(t, e, tok, "POST", "/customers", in)
		default:
			api(t, e, tok, "PUT", "/customers/1", in)
		}
	})
}
