package server_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// TestRequestDeadlineEveryAPI: a request that cannot finish its database
// work within its time limit (here 300 ms; the writer is held by another
// transaction, as a long write would) is stopped at the limit and answered
// 503 with Retry-After in its API's own envelope — not a 500, and not
// after the database's 10 s busy timeout. Once the writer is free the same
// requests succeed.
func TestRequestDeadlineEveryAPI(t *testing.T) {
	const limit = 300 * time.Millisecond
	e := testenv.NewWith(t, store.SQLite, func(d *server.Deps) { d.RequestTimeout = limit })
	a := newAPIs(t, e)
	id, secret := a.client.ClientID, a.client.Secret
	calls := []struct {
		name  string
		call  func(i int) answer
		check func(an answer) string // "" when the 503 is in the API's envelope
	}{
		{"native", func(i int) answer {
			return rlSend(t, "POST", e.URL+"/v1/customers", map[string]string{"Authorization": "Bearer " + a.native, "Content-Type": "application/json"},
				jsonBody(map[string]any{"name": "慢" + strconv.Itoa(i), "phone": fmt.Sprintf("1361000%04d", i)}))
		}, func(an answer) string {
			if an.body["code"] != "timeout" || an.body["status"] != float64(503) {
				return fmt.Sprint(an.body)
			}
			return ""
		}},
		{"dashi", func(i int) answer {
			return rlSend(t, "POST", e.URL+"/api/open/customer/customer-manage/v1/customer?project="+a.project,
				map[string]string{"Authorization": "Bearer " + a.dashiTok, "Content-Type": "application/json"},
				jsonBody(map[string]any{"name": "慢" + strconv.Itoa(i), "phone": fmt.Sprintf("1362000%04d", i)}))
		}, func(an answer) string {
			if fmt.Sprint(an.body["code"]) != "503" {
				return fmt.Sprint(an.body)
			}
			return ""
		}},
		{"tanma", func(i int) answer {
			b := jsonBody(map[string]any{"customerName": "慢" + strconv.Itoa(i), "mobiles": []string{fmt.Sprintf("1363000%04d", i)}})
			ts := strconv.FormatInt(time.Now().UnixMilli()+int64(i), 10)
			return rlSend(t, "POST", e.URL+"/api/v3/add-clue", map[string]string{"Content-Type": "application/json", "appId": id,
				"timestamp": ts, "sign": tanma.Sign(id, ts, b, secret)}, b)
		}, func(an answer) string {
			if fmt.Sprint(an.body["code"]) != strconv.Itoa(tanma.CodeBusy) {
				return fmt.Sprint(an.body)
			}
			return ""
		}},
		{"yeastar", func(i int) answer {
			return rlSend(t, "POST", e.URL+"/dm/open_api/v1/customers", map[string]string{"Authorization": "Bearer " + a.ycmToken,
				"Content-Type": "application/json", "User-Agent": "kehu-test"},
				jsonBody(map[string]any{"firstName": "慢" + strconv.Itoa(i), "mobileNumber": fmt.Sprintf("1364000%04d", i), "company": "慢公司", "email": fmt.Sprintf("slow%d@example.com", i), "remark": "-"}))
		}, func(an answer) string {
			if an.body["status"] != "Failed" || an.body["errcode"] == nil {
				return fmt.Sprint(an.body)
			}
			return ""
		}},
	}
	// Hold the one SQLite writer until released.
	hold := func() (release func()) {
		held, done := make(chan struct{}), make(chan struct{})
		go func() {
			_ = e.Store.InTx(context.Background(), func(tx *store.Tx) error {
				close(held)
				<-done
				return nil
			})
		}()
		<-held
		return func() { close(done) }
	}
	release := hold()
	for i, c := range calls {
		start := time.Now()
		an := c.call(i)
		took := time.Since(start)
		if an.status != 503 || an.hdr.Get("Retry-After") == "" {
			t.Errorf("%s while the writer is held: %d Retry-After=%q %v", c.name, an.status, an.hdr.Get("Retry-After"), an.body)
			continue
		}
		if msg := c.check(an); msg != "" {
			t.Errorf("%s: 503 in the wrong envelope: %s", c.name, msg)
		}
		if took > limit+2*time.Second {
			t.Errorf("%s answered after %v, want soon after its %v limit", c.name, took, limit)
		}
	}
	release()
	for i, c := range calls {
		if an := c.call(100 + i); an.status != 200 && an.status != 201 {
			t.Errorf("%s after the writer is free: %d %v", c.name, an.status, an.body)
		}
	}
}
