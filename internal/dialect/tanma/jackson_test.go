package tanma_test

import (
	"fmt"
	"testing"

	"github.com/kehu/kehu/internal/testenv"
)

// TestJacksonRequests: what a Spring/Jackson client of 探马 sends succeeds
// with the effect the platform would have.
func TestJacksonRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		newFixture(t, e)
		var id int64
		// A shared DTO: unknown members (null or not), a phone as a number,
		// a field item with values and "fieldValue":null, a number for text.
		call(t, e, "/api/v3/add-clue", `{"customerName":"Jackson客户","mobiles":[13911112222],"salesId":null,"customerRepoId":null,
			"source":{"a":1},"fields":[{"alias":"note","values":["备注一"],"fieldValue":null,"fieldName":null},
			{"alias":"creditCode","fieldValue":91350100},{"alias":"ratio","fieldValue":"2.5"}]}`).ok(t, &id)
		call(t, e, "/api/v3/add-clue/", "\uFEFF"+`{"customerName":"斜杠客户","mobiles":"13911113333"}`).ok(t, nil)
		call(t, e, "/api/v3/customer/update-by-id", fmt.Sprintf(`{"customerId":"%d","fields":[{"alias":"intro","values":null,"fieldValue":"简介"}],"updateTime":null}`, id)).ok(t, nil)
		for _, tc := range []struct {
			name, body string
			want       []string
		}{
			{"unknown member null", `{"pageSize":10,"pageNo":1,"customerRepoId":null}`, []string{"Jackson客户", "斜杠客户"}},
			{"searchKey a number", `{"searchKey":13911112222}`, []string{"Jackson客户"}},
			{"pageSize 10.0 and a string page", `{"pageSize":10.0,"pageNo":"1","searchKey":"Jackson"}`, []string{"Jackson客户"}},
			{"pageSize 1e1", `{"pageSize":1e1,"searchKey":"斜杠"}`, []string{"斜杠客户"}},
			{"item with type null and an extra member", `{"conditions":{"conditionOp":1,"conditionItems":[{"name":"note","op":0,"values":["备注一"],"type":null,"fieldType":"text"}]}}`, []string{"Jackson客户"}},
			{"customerId as a string", fmt.Sprintf(`{"customerId":"%d"}`, id), []string{"Jackson客户"}},
			{"creditCode as a number", `{"creditCode":91350100}`, []string{"Jackson客户"}},
			{"BOM before the body", "\uFEFF" + `{"searchKey":"斜杠"}`, []string{"斜杠客户"}},
			{"platform tag id matches nothing", `{"conditions":{"conditionItems":[{"name":"contentTagIds","op":6,"values":["d430ec9166e511edb71d00163e06cc86:2l"]}]}}`, nil},
			{"written through update", `{"conditions":{"conditionItems":[{"name":"intro","op":2,"values":["简介"]}]}}`, []string{"Jackson客户"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				names, total := searchNames(t, e, tc.body)
				if fmt.Sprint(names) != fmt.Sprint(tc.want) || total != int64(len(tc.want)) {
					t.Fatalf("got %v (total %d), want %v", names, total, tc.want)
				}
			})
		}
		r := signedReq{path: "/api/v3/customer/search/", body: `{"searchKey":"斜杠"}`, appID: e.Client.ClientID, key: e.Client.Secret}.do(t, e.URL)
		r.ok(t, nil)
	})
}

// TestStillWrongRequests: what Jackson itself refuses is refused with 探马's
// code and the member named by its path.
func TestStillWrongRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		newFixture(t, e)
		item := `{"conditions":{"conditionItems":[{"name":"note","op":0,"values":[%s]}]}}`
		for _, tc := range []struct {
			name, path, body string
			code             int
			field            string
		}{
			{"pageSize a word", "/api/v3/customer/search", `{"pageSize":"ten"}`, 40402, "pageSize"},
			{"pageSize over the limit", "/api/v3/customer/search", `{"pageSize":1001}`, 40403, "pageSize"},
			{"pageSize fractional", "/api/v3/customer/search", `{"pageSize":10.5}`, 40402, "pageSize"},
			{"searchKey an object", "/api/v3/customer/search", `{"searchKey":{"a":1}}`, 40402, "searchKey"},
			{"value an object", "/api/v3/customer/search", fmt.Sprintf(item, `"x",{"a":1}`), 40402, "conditions.conditionItems[0].values[1]"},
			{"salesIdList a word", "/api/v3/customer/search", `{"salesIdList":[1,"张三"]}`, 40402, "salesIdList[1]"},
			{"customerName an array", "/api/v3/add-clue", `{"customerName":["x"]}`, 40402, "customerName"},
			{"customerId a word", "/api/v3/customer/update-by-id", `{"customerId":"abc","fields":[{"alias":"note","values":["a"]}]}`, 40402, "customerId"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				call(t, e, tc.path, tc.body).fails(t, tc.code, tc.field+" ")
			})
		}
	})
}
