package yeastar_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/dialect/yeastar"
	"github.com/kehu/kehu/internal/testenv"
)

// TestJacksonRequests: what a Spring/Jackson (or OkHttp, requests,
// x/oauth2) client of YCM sends succeeds with the platform's effect.
func TestJacksonRequests(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := e.Client
		// Token: HTTP Basic credentials, and parameters in the query string.
		basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ClientID) + ":" + url.QueryEscape(c.Secret)))
		decodePair(t, tokenCall(t, e, url.Values{"grant_type": {"client_credentials"}}, "Authorization", "Basic "+basic))
		q := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}.Encode()
		decodePair(t, send(t, "POST", e.URL+"/dm/open_api/oauth/token?"+q, nil, nil))
		decodePair(t, send(t, "POST", e.URL+"/dm/open_api/oauth/token/", strings.NewReader(q), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}))
		bad := tokenCall(t, e, url.Values{"grant_type": {"client_credentials"}}, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.ClientID+":wrong")))
		checkEnvelope(t, bad)
		wantFail(t, bad, 401, yeastar.CodeTokenInvalid)

		tok := login(t, e, c).AccessToken
		// The whole DTO as read, customerId null, numbers for strings, unknown members.
		r := api(t, e, tok, "POST", "/customers", "\uFEFF"+`{"customerId":null,"firstName":"Jackson","lastName":null,"company":"X","email":"j@example.com",
			"mobileNumber":13911112222,"zipCode":361000,"name":null,"nickname":"jj","tags":[],"createTime":0}`)
		wantOK(t, r)
		var out struct {
			CustomerID int64 `json:"customerId"`
		}
		decodeData(t, r, &out)
		id := out.CustomerID
		got := get(t, e, tok, id)
		if got["mobileNumber"] != "13911112222" || got["zipCode"] != "361000" || got["firstName"] != "Jackson" {
			t.Fatalf("created %v", got)
		}
		wantOK(t, api(t, e, tok, "POST", "/customers", `{"customerId":0,"firstName":"Zero","company":"X","email":"z@example.com"}`))
		// PUT with the id as a string, equal to the path's.
		wantOK(t, api(t, e, tok, "PUT", fmt.Sprintf("/customers/%d/", id), fmt.Sprintf(`{"customerId":"%d","firstName":"Jackson2","company":"X","email":"j@example.com","extra":null}`, id)))
		if got := get(t, e, tok, id); got["firstName"] != "Jackson2" || got["mobileNumber"] != nil {
			t.Fatalf("after PUT %v", got)
		}
		// Trailing slash and unknown query parameters on the list.
		r = api(t, e, tok, "GET", "/customers/?pageSize=50&_t=1700000000000&sort=-customerId", "")
		wantOK(t, r)
		var p page
		decodeData(t, r, &p)
		if len(p.List) < 2 {
			t.Fatalf("list %s", r.Body)
		}
		// DELETE with ids as strings, one with a float spelling.
		wantOK(t, api(t, e, tok, "DELETE", "/customers", fmt.Sprintf(`{"customerIds":["%d"],"force":null}`, id)))
		wantFail(t, api(t, e, tok, "GET", fmt.Sprintf("/customers/%d", id), ""), 404, yeastar.CodeNotFound)
	})
}

// TestStillWrongRequests: what Jackson refuses is a 40002 naming the member.
func TestStillWrongRequests(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tok := login(t, e, e.Client).AccessToken
		id := create(t, e, tok, map[string]any{"firstName": "A", "company": "X", "email": "a@example.com"})
		for _, tc := range []struct {
			name, method, path, body, field string
		}{
			{"firstName an object", "POST", "/customers", `{"firstName":{"a":1},"company":"X","email":"a@example.com"}`, "firstName"},
			{"mobileNumber an array", "POST", "/customers", `{"firstName":"A","company":"X","email":"a@example.com","mobileNumber":[1]}`, "mobileNumber"},
			{"customerId a real value on create", "POST", "/customers", `{"customerId":5,"firstName":"A","company":"X","email":"a@example.com"}`, "customerId"},
			{"customerId a word", "PUT", fmt.Sprintf("/customers/%d", id), `{"customerId":"abc","firstName":"A","company":"X","email":"a@example.com"}`, "customerId"},
			{"customerId another id", "PUT", fmt.Sprintf("/customers/%d", id), `{"customerId":"1","firstName":"A","company":"X","email":"a@example.com"}`, "customerId"},
			{"customerIds a word", "DELETE", "/customers", `{"customerIds":["x"]}`, "customerIds[0]"},
			{"customerIds fractional", "DELETE", "/customers", `{"customerIds":[1.5]}`, "customerIds[0]"},
			{"customerIds not a list", "DELETE", "/customers", `{"customerIds":1}`, "customerIds"},
			{"pageSize over the limit", "GET", "/customers?pageSize=51", "", "pageSize"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantFail(t, api(t, e, tok, tc.method, tc.path, tc.body), 400, yeastar.CodeParam, tc.field+":")
			})
		}
	})
}
