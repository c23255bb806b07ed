package yeastar_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

var allFields = map[string]string{
	"firstName": "Leo", "lastName": "Ball", "company": "Example company", "email": "Leo@Example.com",
	"businessNumber": "0592-1234567", "mobileNumber": "+86 139 1234 5678", "homeNumber": "+1 (415) 555-2671",
	"faxNumber": "001-111-1111", "zipCode": "361000", "street": "88 Software Park Road", "city": "Xiamen",
	"state": "Fujian", "country": "China", "remark": "met at the\ntrade fair",
}

func TestCRUD(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tok := login(t, e, e.Client).AccessToken
		id := create(t, e, tok, allFields)
		want := customer{"customerId": json.Number(itoa(id))}
		for k, v := range allFields {
			want[k] = v
		}
		want["email"] = "leo@example.com"    // crm lower-cases emails
		want["mobileNumber"] = "13912345678" // +86: national form
		if got := get(t, e, tok, id); !reflect.DeepEqual(got, want) {
			t.Errorf("get after create:\n got  %v\n want %v", got, want)
		}
		c, err := e.Svc.Customer(ctx(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Leo Ball" || c.Phone != "+8613912345678" || c.PostalCode != "361000" || c.BusinessPhone != "0592-1234567" ||
			c.HomePhone != "+1 (415) 555-2671" || c.Fax != "001-111-1111" || c.CreatedBy != e.Client.ClientID {
			t.Errorf("stored customer %+v", c)
		}

		// Fields only kehu knows survive a Yeastar PUT.
		if _, err := e.Svc.UpdateCustomer(ctx(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), id, &crm.CustomerInput{
			Address: crm.Ptr("厦门市思明区"), ExternalID: crm.Ptr("crm-42"), Sex: crm.Ptr(1), Phones: &[]string{"13800000001"}}); err != nil {
			t.Fatal(err)
		}
		// PUT replaces the 14 fields: whatever is left out becomes empty.
		wantOK(t, api(t, e, tok, "PUT", "/customers/"+itoa(id),
			`{"customerId":`+itoa(id)+`,"firstName":"三","lastName":"张","company":"示例公司","email":"zs@example.com","mobileNumber":"+1 415 555 2671","remark":null}`))
		want = customer{"customerId": json.Number(itoa(id)), "firstName": "三", "lastName": "张", "company": "示例公司",
			"email": "zs@example.com", "mobileNumber": "+14155552671"}
		if got := get(t, e, tok, id); !reflect.DeepEqual(got, want) {
			t.Errorf("get after PUT:\n got  %v\n want %v", got, want)
		}
		c, err = e.Svc.Customer(ctx(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "张三" || c.Address != "厦门市思明区" || c.ExternalID != "crm-42" || c.Sex != 1 ||
			!reflect.DeepEqual(c.Phones, []string{"+8613800000001"}) || c.Street != "" || c.Remark != "" || c.Fax != "" {
			t.Errorf("after PUT: name %q address %q externalId %q sex %d phones %v street %q remark %q fax %q",
				c.Name, c.Address, c.ExternalID, c.Sex, c.Phones, c.Street, c.Remark, c.Fax)
		}

		// Bulk delete, duplicates in the list are fine.
		id2 := create(t, e, tok, map[string]string{"firstName": "Naomi", "company": "X", "email": "n@example.com"})
		id3 := create(t, e, tok, map[string]string{"firstName": "Ashley", "company": "X", "email": "a@example.com"})
		wantOK(t, api(t, e, tok, "DELETE", "/customers", fmt.Sprintf(`{"customerIds":[%d,%d,%d]}`, id, id2, id)))
		for _, x := range []int64{id, id2} {
			wantFail(t, api(t, e, tok, "GET", "/customers/"+itoa(x), ""), 404, 60001, itoa(x))
		}
		get(t, e, tok, id3)
		if p := list(t, e, tok, ""); p.Total != 1 || len(p.List) != 1 || p.List[0].id(t) != id3 {
			t.Errorf("after delete: %+v", p)
		}
	})
}

// A customer made through the native API with only a name shows that name
// as firstName; the native API shows Yeastar's names as name.
func TestNativeNameMapping(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		nat := nativeToken(t, e)
		r := send(t, "POST", e.URL+"/v1/customers", strings.NewReader(`{"name":"王小明","phone":"138 1234 5678"}`),
			map[string]string{"Authorization": "Bearer " + nat, "Content-Type": "application/json"})
		var created struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(r.Body, &created); err != nil || r.Status != 201 {
			t.Fatalf("native create: HTTP %d %s", r.Status, r.Body)
		}
		tok := login(t, e, e.Client).AccessToken
		want := customer{"customerId": json.Number(itoa(created.ID)), "firstName": "王小明", "mobileNumber": "13812345678"}
		if got := get(t, e, tok, created.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		id := create(t, e, tok, map[string]string{"firstName": "Ashley", "lastName": "Gardner", "company": "X", "email": "a@example.com"})
		r = send(t, "GET", e.URL+"/v1/customers/"+itoa(id), nil, map[string]string{"Authorization": "Bearer " + nat})
		var c model.Customer
		if err := json.Unmarshal(r.Body, &c); err != nil || c.Name != "Ashley Gardner" {
			t.Errorf("native view of a Yeastar customer: HTTP %d %s", r.Status, r.Body)
		}
	})
}

// sortValue is the stored value a Yeastar sort field orders by.
var sortValue = map[string]func(c *model.Customer) string{
	"firstName": func(c *model.Customer) string { return c.FirstName }, "lastName": func(c *model.Customer) string { return c.LastName },
	"company": func(c *model.Customer) string { return c.Company }, "email": func(c *model.Customer) string { return c.Email },
	"businessNumber": func(c *model.Customer) string { return c.BusinessPhone }, "mobileNumber": func(c *model.Customer) string { return c.Phone },
	"homeNumber": func(c *model.Customer) string { return c.HomePhone }, "faxNumber": func(c *model.Customer) string { return c.Fax },
	"zipCode": func(c *model.Customer) string { return c.PostalCode }, "street": func(c *model.Customer) string { return c.Street },
	"city": func(c *model.Customer) string { return c.City }, "state": func(c *model.Customer) string { return c.State },
	"country": func(c *model.Customer) string { return c.Country }, "remark": func(c *model.Customer) string { return c.Remark },
}

func TestSortEveryField(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tok := login(t, e, e.Client).AccessToken
		// Values with ties, empties, upper/lower case and Chinese text.
		vals := []map[string]string{
			{"lastName": "Ball", "businessNumber": "0592-1", "mobileNumber": "13900000002", "homeNumber": "2", "faxNumber": "9", "zipCode": "361000", "street": "b", "city": "Xiamen", "state": "Fujian", "country": "China", "remark": "z"},
			{"lastName": "ball", "businessNumber": "0592-1", "mobileNumber": "+1 415 555 2671", "faxNumber": "1", "zipCode": "100000", "street": "B", "city": "Beijing", "country": "China", "remark": "a"},
			{"lastName": "张", "mobileNumber": "13900000001", "homeNumber": "10", "zipCode": "361000", "street": "a", "city": "厦门", "state": "福建", "country": "中国"},
			{"lastName": "Ball", "businessNumber": "+86 21 1", "homeNumber": "2", "faxNumber": "9", "street": "b", "city": "Xiamen", "state": "Fujian", "country": "US", "remark": "z"},
			{},
			{"lastName": "Adams", "businessNumber": "0592-1", "mobileNumber": "+44 20 7946 0958", "homeNumber": "1", "faxNumber": "1", "zipCode": "SW1A", "street": "a", "city": "London", "state": "England", "country": "UK", "remark": "m"},
		}
		firsts := []string{"Leo", "Naomi", "三", "Leo", "Ashley", "leo"}
		comps := []string{"B corp", "A corp", "B corp", "示例公司", "A corp", "b corp"}
		var ids []int64
		for i, v := range vals {
			v["firstName"], v["company"], v["email"] = firsts[i], comps[i], fmt.Sprintf("%c%d@example.com", "bacbda"[i], i%2)
			ids = append(ids, create(t, e, tok, v))
		}
		cs := map[int64]*model.Customer{}
		for _, id := range ids {
			c, err := e.Svc.Customer(ctx(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), id)
			if err != nil {
				t.Fatal(err)
			}
			cs[id] = c
		}
		sortValue["customerId"] = nil
		for field, val := range sortValue {
			for _, desc := range []bool{false, true} {
				want := append([]int64(nil), ids...)
				sort.SliceStable(want, func(i, j int) bool {
					a, b := want[i], want[j]
					if val != nil && val(cs[a]) != val(cs[b]) {
						return (val(cs[a]) < val(cs[b])) != desc
					}
					return (a < b) != desc // ties by customerId, same direction
				})
				param := field
				if desc {
					param = "-" + field
				}
				p := list(t, e, tok, "pageSize=50&sort="+param)
				var got []int64
				for _, c := range p.List {
					got = append(got, c.id(t))
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("sort=%s: got %v, want %v", param, got, want)
				}
				// Page by page gives the same order.
				var paged []int64
				for n := 1; n <= 4; n++ {
					pp := list(t, e, tok, "pageSize=2&pageNumber="+strconv.Itoa(n)+"&sort="+param)
					if pp.Total != int64(len(ids)) || pp.PageSize != 2 || pp.PageNumber != n {
						t.Fatalf("sort=%s page %d: %+v", param, n, pp)
					}
					for _, c := range pp.List {
						paged = append(paged, c.id(t))
					}
				}
				if !reflect.DeepEqual(paged, want) {
					t.Errorf("sort=%s paged: got %v, want %v", param, paged, want)
				}
			}
		}
		delete(sortValue, "customerId")
		// No sort: customerId ascending.
		p := list(t, e, tok, "pageSize=50")
		for i, c := range p.List {
			if c.id(t) != ids[i] {
				t.Fatalf("default order %v, want %v", p.List, ids)
			}
		}
	})
}

func TestPaging(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tok := login(t, e, e.Client).AccessToken
		for i := 0; i < 23; i++ {
			create(t, e, tok, map[string]string{"firstName": fmt.Sprintf("c%02d", i), "company": "X", "email": fmt.Sprintf("c%d@example.com", i)})
		}
		for _, c := range []struct {
			params          string
			size, number, n int
		}{
			{"", 10, 1, 10}, {"pageNumber=3", 10, 3, 3}, {"pageNumber=4", 10, 4, 0}, {"pageSize=50", 50, 1, 23},
			{"pageSize=1&pageNumber=23", 1, 23, 1}, {"pageSize=7&pageNumber=4&sort=-firstName", 7, 4, 2},
			{"pageSize=&pageNumber=", 10, 1, 10}, {"pageSize=%2010%20", 10, 1, 10}, {"unknown=1&pageSize=5", 5, 1, 5},
		} {
			p := list(t, e, tok, c.params)
			if p.PageSize != c.size || p.PageNumber != c.number || p.Total != 23 || len(p.List) != c.n {
				t.Errorf("%q: pageSize %d pageNumber %d total %d len %d, want %d %d 23 %d", c.params, p.PageSize, p.PageNumber, p.Total, len(p.List), c.size, c.number, c.n)
			}
		}
		if p := list(t, e, tok, "pageSize=7&pageNumber=4&sort=-firstName"); p.List[1]["firstName"] != "c00" {
			t.Errorf("last page of -firstName: %v", p.List)
		}
	})
}

func TestErrors(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tok := login(t, e, e.Client).AccessToken
		id := create(t, e, tok, map[string]string{"firstName": "Leo", "company": "X", "email": "leo@example.com"})
		sid := itoa(id)
		cases := []struct {
			name         string
			tok          string
			method, path string
			body         string
			hdr          []string
			status, code int
			msg          []string
		}{
			{"missing User-Agent", tok, "GET", "/customers", "", []string{"User-Agent", ""}, 400, 40002, []string{"User-Agent"}},
			{"blank User-Agent", tok, "GET", "/customers", "", []string{"User-Agent", "  "}, 400, 40002, []string{"User-Agent"}},
			{"missing User-Agent before token", "", "GET", "/customers", "", []string{"User-Agent", ""}, 400, 40002, []string{"User-Agent"}},
			{"missing token", "", "GET", "/customers", "", nil, 401, 10004, []string{"Authorization"}},
			{"not Bearer", "", "GET", "/customers", "", []string{"Authorization", "Basic " + tok}, 401, 10004, nil},
			{"garbage token", "garbage", "GET", "/customers", "", nil, 401, 10004, []string{"not valid"}},
			{"forged token", forge(tok), "GET", "/customers", "", nil, 401, 10004, []string{"not valid"}},
			{"pageSize 0", tok, "GET", "/customers?pageSize=0", "", nil, 400, 40002, []string{"pageSize"}},
			{"pageSize 51", tok, "GET", "/customers?pageSize=51", "", nil, 400, 40002, []string{"pageSize", "50"}},
			{"pageSize abc", tok, "GET", "/customers?pageSize=abc", "", nil, 400, 40002, []string{"pageSize", "integer"}},
			{"pageSize -1", tok, "GET", "/customers?pageSize=-1", "", nil, 400, 40002, []string{"pageSize"}},
			{"pageSize 1.5", tok, "GET", "/customers?pageSize=1.5", "", nil, 400, 40002, []string{"pageSize"}},
			{"pageNumber 0", tok, "GET", "/customers?pageNumber=0", "", nil, 400, 40002, []string{"pageNumber"}},
			{"pageNumber abc", tok, "GET", "/customers?pageNumber=abc", "", nil, 400, 40002, []string{"pageNumber"}},
			{"unknown sort field", tok, "GET", "/customers?sort=name", "", nil, 400, 40002, []string{"sort", "name"}},
			{"unknown desc sort field", tok, "GET", "/customers?sort=-createdAt", "", nil, 400, 40002, []string{"sort"}},
			{"two sort fields", tok, "GET", "/customers?sort=city,customerId", "", nil, 400, 40002, []string{"sort"}},
			{"bare minus", tok, "GET", "/customers?sort=-", "", nil, 400, 40002, []string{"sort"}},
			{"missing firstName", tok, "POST", "/customers", `{"company":"X","email":"a@example.com"}`, nil, 400, 40002, []string{"firstName", "required"}},
			{"blank firstName", tok, "POST", "/customers", `{"firstName":" ","company":"X","email":"a@example.com"}`, nil, 400, 40002, []string{"firstName"}},
			{"missing company", tok, "POST", "/customers", `{"firstName":"A","email":"a@example.com"}`, nil, 400, 40002, []string{"company"}},
			{"missing email", tok, "POST", "/customers", `{"firstName":"A","company":"X"}`, nil, 400, 40002, []string{"email"}},
			{"null email", tok, "POST", "/customers", `{"firstName":"A","company":"X","email":null}`, nil, 400, 40002, []string{"email"}},
			{"invalid email", tok, "POST", "/customers", `{"firstName":"A","company":"X","email":"nope"}`, nil, 400, 40002, []string{"email"}},
			{"invalid mobileNumber", tok, "POST", "/customers", `{"firstName":"A","company":"X","email":"a@example.com","mobileNumber":"12"}`, nil, 400, 40002, []string{"mobileNumber"}},
			{"letters in faxNumber", tok, "POST", "/customers", `{"firstName":"A","company":"X","email":"a@example.com","faxNumber":"call me"}`, nil, 400, 40002, []string{"faxNumber"}},
			{"long zipCode", tok, "POST", "/customers", `{"firstName":"A","company":"X","email":"a@example.com","zipCode":"` + strings.Repeat("1", 21) + `"}`, nil, 400, 40002, []string{"zipCode"}},
			{"customerId on create", tok, "POST", "/customers", `{"customerId":1,"firstName":"A","company":"X","email":"a@example.com"}`, nil, 400, 40002, []string{"customerId"}},
			{"malformed JSON", tok, "POST", "/customers", `{"firstName":"A",`, nil, 400, 40002, []string{"JSON"}},
			{"malformed JSON 2", tok, "POST", "/customers", `{"firstName":"A" "company":"X"}`, nil, 400, 40002, []string{"JSON"}},
			{"trailing data", tok, "POST", "/customers", `{"firstName":"A","company":"X","email":"a@example.com"} {}`, nil, 400, 40002, nil},
			{"empty body", tok, "POST", "/customers", "", nil, 400, 40002, []string{"body"}},
			{"array body", tok, "POST", "/customers", `[]`, nil, 400, 40002, nil},
			{"wrong type firstName", tok, "POST", "/customers", `{"firstName":{"a":1},"company":"X","email":"a@example.com"}`, nil, 400, 40002, []string{"firstName", "string"}},
			{"wrong type mobileNumber", tok, "POST", "/customers", `{"firstName":"A","company":"X","email":"a@example.com","mobileNumber":[13912345678]}`, nil, 400, 40002, []string{"mobileNumber"}},
			{"PUT missing firstName", tok, "PUT", "/customers/" + sid, `{"company":"X","email":"a@example.com"}`, nil, 400, 40002, []string{"firstName"}},
			{"PUT other customerId", tok, "PUT", "/customers/" + sid, `{"customerId":1,"firstName":"A","company":"X","email":"a@example.com"}`, nil, 400, 40002, []string{"customerId"}},
			{"PUT missing id", tok, "PUT", "/customers/1", `{"firstName":"A","company":"X","email":"a@example.com"}`, nil, 404, 60001, []string{"customer 1 "}},
			{"GET missing id", tok, "GET", "/customers/1", "", nil, 404, 60001, []string{"customer 1 "}},
			{"GET bad id", tok, "GET", "/customers/abc", "", nil, 400, 40002, []string{"customerId"}},
			{"GET zero id", tok, "GET", "/customers/0", "", nil, 400, 40002, []string{"customerId"}},
			{"GET huge id", tok, "GET", "/customers/99999999999999999999", "", nil, 400, 40002, []string{"customerId"}},
			{"DELETE no body", tok, "DELETE", "/customers", "", nil, 400, 40002, nil},
			{"DELETE no ids", tok, "DELETE", "/customers", `{}`, nil, 400, 40002, []string{"customerIds"}},
			{"DELETE empty ids", tok, "DELETE", "/customers", `{"customerIds":[]}`, nil, 400, 40002, []string{"customerIds"}},
			{"DELETE string ids", tok, "DELETE", "/customers", `{"customerIds":"1"}`, nil, 400, 40002, []string{"customerIds"}},
			{"DELETE word in ids", tok, "DELETE", "/customers", `{"customerIds":["` + sid + `", "x"]}`, nil, 400, 40002, []string{"customerIds[1]"}},
			{"DELETE float id", tok, "DELETE", "/customers", `{"customerIds":[1.5]}`, nil, 400, 40002, []string{"customerIds"}},
			{"DELETE negative id", tok, "DELETE", "/customers", `{"customerIds":[-1]}`, nil, 400, 40002, []string{"customerIds[0]"}},
			{"DELETE unknown field", tok, "DELETE", "/customers", `{"ids":[1]}`, nil, 400, 40002, []string{"customerIds", "required"}},
			{"DELETE one missing", tok, "DELETE", "/customers", `{"customerIds":[` + sid + `,1]}`, nil, 404, 60001, []string{"customer 1 "}},
			{"unknown endpoint", tok, "GET", "/contacts", "", nil, 404, 60001, []string{"/contacts"}},
			{"wrong method", tok, "PATCH", "/customers/" + sid, `{}`, nil, 405, 40002, []string{"GET, PUT"}},
			{"wrong method on list", tok, "PUT", "/customers", `{}`, nil, 405, 40002, []string{"GET, POST, DELETE"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				wantFail(t, api(t, e, c.tok, c.method, c.path, c.body, c.hdr...), c.status, c.code, c.msg...)
			})
		}
		// Nothing above changed the customer.
		want := customer{"customerId": json.Number(sid), "firstName": "Leo", "company": "X", "email": "leo@example.com"}
		if got := get(t, e, tok, id); !reflect.DeepEqual(got, want) {
			t.Errorf("customer changed: %v", got)
		}
		if r := api(t, e, tok, "PATCH", "/customers/"+sid, `{}`); r.Header.Get("Allow") != "GET, PUT" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}

		// Revoked client: its access token dies.
		extra := e.NewClient(t, e.Tenant.ID, 0)
		xt := login(t, e, extra).AccessToken
		wantOK(t, api(t, e, xt, "GET", "/customers", ""))
		if err := e.Auth.Revoke(ctx(), extra.ClientID); err != nil {
			t.Fatal(err)
		}
		wantFail(t, api(t, e, xt, "GET", "/customers", ""), 401, 10004, "revoked")

		// A read-only client may not write.
		ro := e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead)
		rt := login(t, e, ro).AccessToken
		wantOK(t, api(t, e, rt, "GET", "/customers", ""))
		wantFail(t, api(t, e, rt, "POST", "/customers", `{"firstName":"A","company":"X","email":"a@example.com"}`), 403, 10005, "customers:write")
		wantFail(t, api(t, e, rt, "DELETE", "/customers", `{"customerIds":[`+sid+`]}`), 403, 10005)

		// Duplicates when the tenant makes email unique.
		if err := e.Store.SetSystemFieldUnique(ctx(), e.Tenant.ID, model.FieldEmail, true); err != nil {
			t.Fatal(err)
		}
		wantFail(t, api(t, e, tok, "POST", "/customers", `{"firstName":"B","company":"Y","email":"LEO@example.com"}`), 409, 40003, "DUPLICATE", "email") // the holder is named when the store knows it
	})
}

// forge re-signs nothing: it swaps the payload of a genuine token for one
// naming another tenant, keeping the original signature.
func forge(tok string) string {
	parts := strings.Split(tok, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["tid"] = 999999
	nb, _ := json.Marshal(m)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(nb) + "." + parts[2]
}

// TestOtherTenant: another tenant's customer id answers exactly like a
// missing id, for GET, PUT and DELETE, and stays untouched.
func TestOtherTenant(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tok := login(t, e, e.Client).AccessToken
		mine := create(t, e, tok, map[string]string{"firstName": "Mine", "company": "X", "email": "m@example.com"})
		_, other := e.NewTenant(t, "other tenant", 0)
		otok := login(t, e, other).AccessToken
		theirs := create(t, e, otok, map[string]string{"firstName": "Theirs", "company": "Y", "email": "t@example.com"})
		missing := theirs + 1
		for {
			if _, err := e.Svc.Customer(ctx(), crm.SystemCaller(other.TenantID, model.Actor{}), missing); errors.Is(err, model.ErrNotFound) {
				break
			}
			missing++
		}
		put := `{"firstName":"Hijack","company":"Z","email":"h@example.com"}`
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/customers/%d", ""},
			{"PUT", "/customers/%d", put},
			{"DELETE", "/customers", `{"customerIds":[%d]}`},
			{"DELETE", "/customers", fmt.Sprintf(`{"customerIds":[%d,%%d]}`, mine)},
		} {
			path, body := c.path, c.body
			format := func(id int64) (string, string) {
				if strings.Contains(path, "%d") {
					return fmt.Sprintf(path, id), body
				}
				return path, fmt.Sprintf(body, id)
			}
			p1, b1 := format(theirs)
			p2, b2 := format(missing)
			r1 := api(t, e, tok, c.method, p1, b1)
			r2 := api(t, e, tok, c.method, p2, b2)
			wantFail(t, r1, 404, 60001)
			m1 := strings.ReplaceAll(string(mask(r1.Body, nil)), itoa(theirs), "<id>")
			m2 := strings.ReplaceAll(string(mask(r2.Body, nil)), itoa(missing), "<id>")
			if r1.Status != r2.Status || m1 != m2 {
				t.Errorf("%s %s: another tenant's id answers\n %d %s\nbut a missing id\n %d %s", c.method, c.path, r1.Status, m1, r2.Status, m2)
			}
		}
		// Untouched on both sides.
		want := customer{"customerId": json.Number(itoa(theirs)), "firstName": "Theirs", "company": "Y", "email": "t@example.com"}
		if got := get(t, e, otok, theirs); !reflect.DeepEqual(got, want) {
			t.Errorf("the other tenant's customer changed: %v", got)
		}
		get(t, e, tok, mine)
		if p := list(t, e, tok, ""); p.Total != 1 {
			t.Errorf("tenant sees %d customers", p.Total)
		}
	})
}

// TestProjectBoundClient: a client bound to a project creates in it and
// sees nothing outside it.
func TestProjectBoundClient(t *testing.T) {
	onEachDB(t, func(t *testing.T, e *testenv.Env) {
		tn, bound := e.NewTenant(t, "park", -1)
		btok := login(t, e, bound).AccessToken
		in := create(t, e, btok, map[string]string{"firstName": "In", "company": "X", "email": "in@example.com"})
		c, err := e.Svc.Customer(ctx(), crm.SystemCaller(tn.ID, model.Actor{}), in)
		if err != nil || c.ProjectID != bound.ProjectID {
			t.Fatalf("created in project %d, want %d (%v)", c.ProjectID, bound.ProjectID, err)
		}
		out, err := e.Svc.CreateCustomer(ctx(), crm.SystemCaller(tn.ID, model.Actor{}), &crm.CustomerInput{Name: crm.Ptr("Out")})
		if err != nil {
			t.Fatal(err)
		}
		if p := list(t, e, btok, ""); p.Total != 1 || p.List[0].id(t) != in {
			t.Errorf("bound list: %+v", p)
		}
		wantFail(t, api(t, e, btok, "GET", "/customers/"+itoa(out.ID), ""), 404, 60001)
		wantFail(t, api(t, e, btok, "PUT", "/customers/"+itoa(out.ID), `{"firstName":"A","company":"X","email":"a@example.com"}`), 404, 60001)
		wantFail(t, api(t, e, btok, "DELETE", "/customers", fmt.Sprintf(`{"customerIds":[%d,%d]}`, in, out.ID)), 404, 60001, itoa(out.ID))
		get(t, e, btok, in)
		wantOK(t, api(t, e, btok, "PUT", "/customers/"+itoa(in), `{"firstName":"In2","company":"X","email":"in@example.com"}`))
		if c, _ := e.Svc.Customer(ctx(), crm.SystemCaller(tn.ID, model.Actor{}), in); c.ProjectID != bound.ProjectID {
			t.Errorf("PUT moved the customer to project %d", c.ProjectID)
		}
	})
}
