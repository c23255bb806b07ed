package yeastar_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/testenv"
)

// seedResponse is the example response of the seed doc page 查询所有客户
// (shared/seeds/002_0d3a1568a9c99163.txt), verbatim.
const seedResponse = `{
  "data": {
    "pageSize": 3,
    "pageNumber": 1,
    "total": 364,
    "list": [
      {
        "customerId": 50086120,
        "firstName": "Leo",
        "lastName": "Ball",
        "company": "Example company",
        "email": "leo@example.com",
        "businessNumber": "136160XXXXX",
        "zipCode": "361000",
        "city": "Xiamen",
        "state": "Fujian",
        "country": "China"
      },
      {
        "customerId": 50086121,
        "firstName": "Naomi",
        "lastName": "Nicholas",
        "company": "Example company",
        "email": "naomi@example.com",
        "mobileNumber":"139111XXXXX"
      },
      {
        "customerId": 50086122,
        "firstName": "Ashley",
        "lastName": "Gardner",
        "company": "Example company",
        "email": "ashley@example.com",
        "faxNumber":"001-111-1111"
      }
    ]
  },
  "requestId": "bff89f41bb695e5abb84c45972d24716",
  "status": "Success",
  "time": 1664248965
}`

// The seed masks Naomi's mobile number; a real one is needed to store it.
// It renders back in the same national form.
const naomiMobile = "13911100000"

// seedCustomers creates the three customers of the seed's example through
// POST /customers, as a Yeastar client would.
func seedCustomers(t *testing.T, e *testenv.Env, tok string) map[int64]string {
	t.Helper()
	leo := create(t, e, tok, map[string]string{"firstName": "Leo", "lastName": "Ball", "company": "Example company",
		"email": "leo@example.com", "businessNumber": "136160XXXXX", "zipCode": "361000", "city": "Xiamen",
		"state": "Fujian", "country": "China"})
	naomi := create(t, e, tok, map[string]string{"firstName": "Naomi", "lastName": "Nicholas", "company": "Example company",
		"email": "naomi@example.com", "mobileNumber": "+86 139-1110-0000"})
	ashley := create(t, e, tok, map[string]string{"firstName": "Ashley", "lastName": "Gardner", "company": "Example company",
		"email": "ashley@example.com", "faxNumber": "001-111-1111"})
	return map[int64]string{leo: "leo", naomi: "naomi", ashley: "ashley"}
}

// TestSeedExample replays the seed's example request and compares the
// response with the seed's example response: same keys in the same order,
// same values, except the volatile ids, total, requestId and time.
func TestSeedExample(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tok := login(t, e, e.Client).AccessToken
		ids := seedCustomers(t, e, tok)
		r := send(t, "GET", e.URL+"/dm/open_api/v1/customers?pageSize=3&pageNumber=1&sort=customerId", nil,
			map[string]string{"Authorization": "Bearer " + tok})
		checkEnvelope(t, r)
		wantOK(t, r)
		got := mask(r.Body, ids)
		golden(t, "list_seed_example", got)

		want := strings.Replace(seedResponse, "139111XXXXX", naomiMobile, 1)
		want = strings.Replace(want, `"total": 364`, `"total": 3`, 1)
		seedIDs := map[int64]string{50086120: "leo", 50086121: "naomi", 50086122: "ashley"}
		if w := mask([]byte(want), seedIDs); !bytes.Equal(got, w) {
			t.Errorf("response differs from the seed's example\n got  %s\n want %s", got, w)
		}

		// More goldens of the shapes around it.
		var leo int64
		for id, n := range ids {
			if n == "leo" {
				leo = id
			}
		}
		golden(t, "get_customer", mask(api(t, e, tok, "GET", "/customers/"+itoa(leo), "").Body, ids))
		golden(t, "create_customer", mask(api(t, e, tok, "POST", "/customers",
			`{"firstName":"三","lastName":"张","company":"示例公司","email":"zs@example.com","mobileNumber":"138 1234 5678"}`).Body, nil))
		golden(t, "update_customer", mask(api(t, e, tok, "PUT", "/customers/"+itoa(leo),
			`{"firstName":"Leo","lastName":"Ball","company":"Example company","email":"leo@example.com"}`).Body, nil))
		golden(t, "delete_customers", mask(api(t, e, tok, "DELETE", "/customers", `{"customerIds":[`+itoa(leo)+`]}`).Body, nil))
		golden(t, "error_not_found", mask(api(t, e, tok, "GET", "/customers/"+itoa(leo), "").Body, ids))
		golden(t, "error_page_size", mask(api(t, e, tok, "GET", "/customers?pageSize=51", "").Body, nil))
		golden(t, "error_missing_user_agent", mask(api(t, e, tok, "GET", "/customers", "", "User-Agent", "").Body, nil))
		golden(t, "error_token", mask(api(t, e, "not-a-token", "GET", "/customers", "").Body, nil))
		golden(t, "token", mask(tokenCall(t, e, url.Values{"grant_type": {"client_credentials"},
			"client_id": {e.Client.ClientID}, "client_secret": {e.Client.Secret}}).Body, nil))
		golden(t, "error_token_bad_client", mask(tokenCall(t, e, url.Values{"grant_type": {"client_credentials"},
			"client_id": {e.Client.ClientID}, "client_secret": {"wrong"}}).Body, nil))
	})
}
