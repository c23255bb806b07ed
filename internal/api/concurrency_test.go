package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/kehu/kehu/internal/testenv"
)

// TestConcurrentBatches: 8 clients each send batches of 20 new customers at
// the same time, again and again. On PostgreSQL this used to deadlock on the
// sharded per-project counters (6–7 of 8 answered 500); now every batch is
// 2xx, every record created, and the exact total equals what was sent.
func TestConcurrentBatches(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		proj := c.mustDo("POST", "/v1/projects", map[string]any{"name": "并发"}, 201)
		projID := num(proj["id"])
		const workers, rounds, per = 8, 6, 20
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					recs := make([]map[string]any, per)
					for i := range recs {
						n := (w*rounds+r)*per + i
						cu := map[string]any{"name": fmt.Sprintf("并发%d", n), "phone": fmt.Sprintf("1370%07d", n)}
						// Half in the project, half without: two counter families.
						if i%2 == 0 {
							cu["projectId"] = projID
						}
						recs[i] = map[string]any{"match": map[string]any{"by": "phone"}, "customer": cu}
					}
					b, _ := json.Marshal(map[string]any{"records": recs})
					req, _ := http.NewRequest("POST", e.URL+"/v1/customers/batch", bytes.NewReader(b))
					req.Header.Set("Authorization", "Bearer "+c.token)
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						errs <- fmt.Errorf("worker %d round %d: %d %s", w, r, resp.StatusCode, raw)
						continue
					}
					var out batchResp
					if err := json.Unmarshal(raw, &out); err != nil {
						errs <- err
						continue
					}
					if out.Created != per {
						errs <- fmt.Errorf("worker %d round %d: created %d of %d: %s", w, r, out.Created, per, raw)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		all := int64(workers * rounds * per)
		if got := c.total(""); got != all {
			t.Errorf("total %d, want %d", got, all)
		}
		if got := c.total(fmt.Sprintf("&projectId=%d", projID)); got != all/2 {
			t.Errorf("project total %d, want %d", got, all/2)
		}
		if got := c.total("&status=1"); got != all {
			t.Errorf("status total %d, want %d", got, all)
		}
	})
}
