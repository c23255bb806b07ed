package dashi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/dialect/dashi"
)

// sharedDTO is the platform's 46-field customer class as a Java client
// posts it after reading one: every member present, the ones it did not
// fill null, the server's made fields null, 0 or "", numbers where the
// documented type is a string, and members the endpoint does not know.
const sharedDTO = `{"id":null,"projectId":0,"projectName":"","name":"Jackson 客户","phone":16644561076,
"idType":1,"idNumber":null,"sex":"1","age":30.0,"companyIds":[1001,"1002"],"companyNames":null,"spaceIds":null,
"spaceNames":[],"paths":null,"customerGradeId":"3","customerGradeName":null,"customerTypeId":null,
"customerTypeName":"","contractName":null,"contractPhone":null,"address":null,"email":null,"remark":null,
"bornDate":null,"nativePlace":null,"nation":null,"marriage":null,"education":null,"profession":null,
"speciality":null,"interest":null,"character":null,"postalCode":361000,"jobNum":null,"facePhoto":null,
"creationTime":0,"creatorUserId":null,"creatorUserName":"","lastModificationTime":null,"lastModifierUserId":"",
"lastModifierUserName":null,"openId":null,"unionId":null,"managementForms":null,"managementFormsId":null,
"customerStatus":0,"instance":null,"tenantId":null,"extra":{"a":[1,2]}}`

// TestJacksonRequests: what a Spring/Jackson client sends succeeds with the
// effect the platform would have.
func TestJacksonRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tok := e.token(t, e.Client)
		p := "project=" + e.project()
		if st, b := e.add(t, tok, p+"&_t=1700000000000", sharedDTO); st != 200 {
			t.Fatalf("shared DTO: %d %s", st, b)
		}
		if st, b := e.add(t, tok, p, "\uFEFF"+`{"name":"BOM 客户","phone":"13912345678","unknown":null}`); st != 200 {
			t.Fatalf("BOM: %d %s", st, b)
		}
		if st, b := e.call(t, "POST", dashi.AddPath+"/?"+p, tok, `{"name":"斜杠客户"}`); st != 200 {
			t.Fatalf("trailing slash on add: %d %s", st, b)
		}
		for _, tc := range []struct{ name, path, query, body, want string }{
			{"unknown member null", dashi.PagePath, p, `{"pageSize":10,"pageIndex":1,"instance":null}`, "Jackson 客户"},
			{"unknown members", dashi.PagePath, p, `{"pageSize":10,"pageIndex":1,"customerName":"x","orderBy":["id"]}`, "Jackson 客户"},
			{"pageSize 10.0", dashi.PagePath, p, `{"pageSize":10.0,"pageIndex":1.0}`, "Jackson 客户"},
			{"pageSize 1e1", dashi.PagePath, p, `{"pageSize":1e1,"pageIndex":"1"}`, "Jackson 客户"},
			{"null filters", dashi.PagePath, p, `{"pageSize":10,"pageIndex":1,"name":null,"phone":null,"customerStatus":null,"creationTimeStart":null}`, "Jackson 客户"},
			{"phone as a number", dashi.PagePath, p, `{"pageSize":10,"pageIndex":1,"phone":16644561076}`, "Jackson 客户"},
			{"status list with null", dashi.PagePath, p, `{"pageSize":10,"pageIndex":1,"customerStatus":[null,"1"],"phone":"16644561076"}`, "Jackson 客户"},
			{"BOM before the body", dashi.PagePath, p, "\uFEFF" + `{"pageSize":10,"pageIndex":1,"name":"BOM"}`, "BOM 客户"},
			{"cache buster and instance", dashi.PagePath, p + "&_t=1700000000000&instance=x", `{"pageSize":10,"pageIndex":1,"name":"Jackson"}`, "Jackson 客户"},
			{"trailing slash", dashi.PagePath + "/", p, `{"pageSize":10,"pageIndex":1,"name":"斜杠"}`, "斜杠客户"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, b := e.call(t, "POST", tc.path+"?"+tc.query, tok, tc.body)
				if st != 200 || !strings.Contains(string(b), tc.want) {
					t.Fatalf("%d %s, want 200 listing %s", st, b, tc.want)
				}
			})
		}
		// The shared DTO's values arrived as the platform reads them.
		got := e.mustPage(t, tok, `{"pageSize":10,"pageIndex":1,"name":"Jackson"}`)
		if len(got.Data) != 1 {
			t.Fatalf("want one customer, got %v", got.names())
		}
		c := got.Data[0]
		for k, want := range map[string]string{"phone": "16644561076", "postalCode": "361000", "sex": "1", "age": "30",
			"customerGradeId": "3", "companyIds": "[1001 1002]", "customerStatus": "1"} {
			if v := strings.Trim(strings.ReplaceAll(fmtAny(c[k]), `"`, ""), " "); v != want {
				t.Errorf("%s = %s, want %s", k, v, want)
			}
		}
	})
}

// TestStillWrongRequests: what Jackson itself refuses is refused, with the
// member named.
func TestStillWrongRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tok := e.token(t, e.Client)
		p := "project=" + e.project()
		before := e.eventCount(t)
		for _, tc := range []struct {
			name, path, body, field string
		}{
			{"pageSize a word", dashi.PagePath, `{"pageSize":"ten","pageIndex":1}`, "pageSize"},
			{"pageSize over the limit", dashi.PagePath, `{"pageSize":4001,"pageIndex":1}`, "pageSize"},
			{"pageSize fractional", dashi.PagePath, `{"pageSize":10.5,"pageIndex":1}`, "pageSize"},
			{"name an object", dashi.PagePath, `{"pageSize":10,"pageIndex":1,"name":{"a":1}}`, "name"},
			{"status element an object", dashi.PagePath, `{"pageSize":10,"pageIndex":1,"customerStatus":[1,{}]}`, "customerStatus[1]"},
			{"status not a list", dashi.PagePath, `{"pageSize":10,"pageIndex":1,"customerStatus":1}`, "customerStatus"},
			{"server id with a real value", dashi.AddPath, `{"name":"x","id":"377000000000001"}`, "id"},
			{"creationTime with a real value", dashi.AddPath, `{"name":"x","creationTime":1700000000000}`, "creationTime"},
			{"phone an array", dashi.AddPath, `{"name":"x","phone":[13812345678]}`, "phone"},
			{"sex a word", dashi.AddPath, `{"name":"x","sex":"男"}`, "sex"},
			{"companyIds element an object", dashi.AddPath, `{"name":"x","companyIds":["1",{}]}`, "companyIds[1]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body := e.call(t, "POST", tc.path+"?"+p, tok, tc.body)
				wantError(t, status, body, 400, dashi.StatusParamError, tc.field+"：")
			})
		}
		if n := e.eventCount(t); n != before {
			t.Fatalf("%d customer writes happened", n-before)
		}
	})
}

func fmtAny(v any) string { return fmt.Sprint(v) }
