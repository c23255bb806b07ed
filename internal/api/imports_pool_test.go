package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// TestImportIntoPoolAPI: POST /v1/imports with poolId puts the created
// customers into the pool (the job shows poolId; the pool lists them); a
// pool that does not exist, or a poolId that is no id, is a 400 naming
// poolId before any job runs.
func TestImportIntoPoolAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		p, err := e.Svc.CreatePool(context.Background(), crm.TenantCaller(e.Tenant.ID, 0, model.ViaCLI), &model.Pool{Name: "公海"})
		if err != nil {
			t.Fatal(err)
		}
		file := csvOf([]string{"姓名", "手机"}, []string{"张三", "13900000001"}, []string{"张四", "13900000002"})
		for _, bad := range []string{fmt.Sprint(p.ID + 1), "x"} {
			if code, out := c.upload("p.csv", file, map[string]string{"poolId": bad}); code != 400 || out["field"] != "poolId" {
				t.Fatalf("poolId %s: %d %v", bad, code, out)
			}
		}
		code, job := c.upload("p.csv", file, map[string]string{"poolId": fmt.Sprint(p.ID)})
		if code != 202 {
			t.Fatalf("%d %v", code, job)
		}
		done := c.waitImport(job["id"].(json.Number).String())
		if done["status"] != "done" || num(done["created"]) != 2 || num(done["poolId"]) != p.ID {
			t.Fatalf("job %v", done)
		}
		out := c.mustDo("GET", fmt.Sprintf("/v1/pools/%d/customers?name=%%E5%%BC%%A0&total=exact", p.ID), nil, 200)
		if num(out["total"]) != 2 {
			t.Fatalf("the pool lists %v", out)
		}
	})
}
