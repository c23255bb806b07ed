package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// TestAuditAPI: deletes and exports land in the audit log, which an admin
// client reads through GET /v1/admin/audit with filters and pages; other
// clients get 403, another tenant sees none of it.
func TestAuditAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		rw := newClient(t, e, e.Client)
		admin := newClient(t, e, e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead, model.ScopeAdmin))
		id, _ := rw.mustDo("POST", "/v1/customers", map[string]any{"name": "张三"}, 201)["id"].(json.Number).Int64()
		rw.mustDo("DELETE", "/v1/customers/"+itoa(id), nil, 204)
		resp, err := http.Get(e.URL + "/v1/customers/export?format=csv") // no token: 401, not audited
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		req, _ := http.NewRequest("GET", e.URL+"/v1/customers/export?format=csv&filter=name%20~%20%22%E5%BC%A0%22", nil)
		req.Header.Set("Authorization", "Bearer "+rw.token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("export: %v %v", resp, err)
		}
		resp.Body.Close()

		rw.mustDo("GET", "/v1/admin/audit", nil, 403)
		out := admin.mustDo("GET", "/v1/admin/audit", nil, 200)
		data := out["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("audit log = %v", out)
		}
		exp, del := data[0].(map[string]any), data[1].(map[string]any)
		if exp["action"] != "customer.export" || exp["actorId"] != e.Client.ClientID || exp["actorKind"] != "client" ||
			exp["via"] != "native" || exp["addr"] != "127.0.0.1" || exp["details"].(map[string]any)["filter"] != `name ~ "张"` {
			t.Errorf("export entry = %v", exp)
		}
		if del["action"] != "customer.delete" || del["targetKind"] != "customer" || del["targetId"] != itoa(id) {
			t.Errorf("delete entry = %v", del)
		}
		page := admin.mustDo("GET", "/v1/admin/audit?pageSize=1", nil, 200)
		cur, _ := page["nextCursor"].(string)
		if len(page["data"].([]any)) != 1 || cur == "" {
			t.Fatalf("page 1 = %v", page)
		}
		page2 := admin.mustDo("GET", "/v1/admin/audit?pageSize=1&cursor="+cur, nil, 200)
		if d := page2["data"].([]any); len(d) != 1 || d[0].(map[string]any)["action"] != "customer.delete" || page2["nextCursor"] != nil {
			t.Errorf("page 2 = %v", page2)
		}
		if d := admin.mustDo("GET", "/v1/admin/audit?action=customer.delete&actor="+e.Client.ClientID, nil, 200)["data"].([]any); len(d) != 1 {
			t.Errorf("filtered = %v", d)
		}
		if d := admin.mustDo("GET", "/v1/admin/audit?from=2999-01-01", nil, 200)["data"].([]any); len(d) != 0 {
			t.Errorf("future = %v", d)
		}
		for _, bad := range []string{"?foo=1", "?pageSize=0", "?pageSize=501", "?cursor=-1", "?from=yesterday"} {
			admin.mustDo("GET", "/v1/admin/audit"+bad, nil, 400)
		}
		_, c2 := e.NewTenant(t, "other", 0)
		other := newClient(t, e, e.NewClient(t, c2.TenantID, 0, model.ScopeAdmin))
		if d := other.mustDo("GET", "/v1/admin/audit", nil, 200)["data"].([]any); len(d) != 0 {
			t.Errorf("another tenant sees %v", d)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
