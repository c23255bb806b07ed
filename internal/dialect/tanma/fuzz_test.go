package tanma_test

import (
	"testing"

	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// FuzzBodies posts arbitrary, correctly signed bodies to every 探马
// endpoint: every answer is HTTP 200 with the {code, message, data}
// envelope (send checks both) and never code -1, the internal error.
func FuzzBodies(f *testing.F) {
	e := testenv.New(f, store.SQLite)
	paths := []string{"/api/v3/customer/search", "/api/v3/add-clue", "/api/v3/customer/update-by-id",
		"/api/v3/common/customer/info", "/api/v2/customer/list-fields", "/api/v3/echo"}
	for i, body := range []string{
		`{"pageNo":1,"pageSize":10,"searchKey":"张三"}`,
		`{"pageNo":1,"pageSize":10,"conditions":{"conditionItems":[{"fieldId":"name","op":1,"value":["张"]}],"relation":"and"},"createTime":{"start":"2022-01-01","end":"2022-12-31"}}`,
		`{"name":"张三","mobile":"13812345678","remark":"来自官网"}`,
		`{"id":"1","name":"李四","customFields":{"level":"普通"}}`,
		`{"customerId":1}`,
		`{}`, `[]`, `{"pageNo":"x"}`, `{"pageSize":1e9}`, `{"conditions":{"conditionItems":[{"fieldId":99,"op":99,"value":{}}]}}`,
	} {
		f.Add(uint8(i), body)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		r := call(t, e, paths[int(which)%len(paths)], body)
		if r.Code == tanma.CodeFailure {
			t.Fatalf("body %q: internal error: %s", body, r.Raw)
		}
	})
}
