package webhook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kehu/kehu/internal/testenv"
)

// TestCursorDeliveryFailingCustomer: deliveries come from the
// subscription's feed cursor, not from rows the write made. A receiver
// that fails every delivery about one customer holds up only that
// customer: the other's changes arrive meanwhile, once each and in order,
// while the failing customer's changes wait as pending deliveries behind
// its first failure; once the receiver recovers they arrive in order too.
// The log has every delivery, including those delivered at the first
// attempt (their attempt from the log row itself), and redelivering one of
// those renders the same body again from the feed under the same id.
func TestCursorDeliveryFailingCustomer(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			var mu sync.Mutex
			failing := true
			rc := newReceiver(t, func(n int, r received) int {
				mu.Lock()
				defer mu.Unlock()
				if failing && bytes.Contains(r.body, []byte("坏")) {
					return 503
				}
				return 200
			})
			a := newAPI(t, e, e.Client)
			sub := a.must("POST", "/v1/webhooks", `{"url":"`+rc.srv.URL+`","kinds":["add","edit"]}`, 201)
			rc.mu.Lock()
			rc.secret = sub["secret"].(string)
			rc.mu.Unlock()
			subID := sub["id"].(json.Number).String()

			bad := a.must("POST", "/v1/customers", `{"name":"坏客户"}`, 201)["id"].(json.Number).String()
			good := a.must("POST", "/v1/customers", `{"name":"好客户"}`, 201)["id"].(json.Number).String()
			for round := 1; round <= 3; round++ {
				a.must("PATCH", "/v1/customers/"+bad, fmt.Sprintf(`{"remark":"%d"}`, round), 200)
				a.must("PATCH", "/v1/customers/"+good, fmt.Sprintf(`{"remark":"%d"}`, round), 200)
			}
			// of is the requests about a customer, in arrival order (the good
			// one's all succeed).
			of := func(cid string) []received {
				var out []received
				for _, r := range rc.requests() {
					if decode(t, r.body).Data.CustomerID.String() == cid {
						out = append(out, r)
					}
				}
				return out
			}
			waitFor(t, "the good customer's 4 deliveries", func() bool { return len(of(good)) == 4 })
			checkOrder := func(rs []received) {
				t.Helper()
				ids := map[string]bool{}
				for i, r := range rs {
					p := decode(t, r.body)
					if n, _ := strconv.Atoi(p.Data.Customer.Remark); n != i {
						t.Fatalf("delivery %d of customer %s has remark %q: out of order", i, p.Data.CustomerID, p.Data.Customer.Remark)
					}
					if ids[r.id] {
						t.Fatalf("delivery %s arrived twice", r.id)
					}
					ids[r.id] = true
				}
			}
			checkOrder(of(good))
			// The bad customer: its first delivery failed (and is retried);
			// nothing after it was sent, it waits pending.
			var pending []any
			waitFor(t, "the bad customer's 4 deliveries pending", func() bool { // recorded once the pass is
				pending = a.must("GET", "/v1/webhooks/"+subID+"/deliveries?status=pending&limit=100", "", 200)["data"].([]any)
				return len(pending) >= 4
			})
			if len(pending) != 4 {
				t.Fatalf("%d pending deliveries, want the bad customer's 4: %v", len(pending), pending)
			}
			for _, d := range pending {
				if d.(map[string]any)["customerId"].(json.Number).String() != bad {
					t.Fatalf("pending delivery of another customer: %v", d)
				}
			}
			for _, r := range rc.requests() {
				if p := decode(t, r.body); p.Data.CustomerID.String() == bad && p.Data.Kind != "add" {
					t.Fatalf("the bad customer's %s (remark %s) was sent before its add was delivered", p.Data.Kind, p.Data.Customer.Remark)
				}
			}

			mu.Lock()
			failing = false
			mu.Unlock()
			waitFor(t, "every delivery", func() bool {
				return len(a.must("GET", "/v1/webhooks/"+subID+"/deliveries?status=delivered&limit=100", "", 200)["data"].([]any)) == 8
			})
			var badOK []received
			seen := map[string]bool{}
			for _, r := range rc.requests() {
				// The successful requests are the last of each id.
				if decode(t, r.body).Data.CustomerID.String() == bad {
					if seen[r.id] {
						badOK = badOK[:len(badOK)-1]
					}
					seen[r.id] = true
					badOK = append(badOK, r)
				}
			}
			if len(badOK) != 4 {
				t.Fatalf("bad customer: %d distinct deliveries", len(badOK))
			}
			checkOrder(badOK)

			// A delivery made at the first attempt: its attempt is in the log.
			var first map[string]any
			for _, d := range a.must("GET", "/v1/webhooks/"+subID+"/deliveries?limit=100", "", 200)["data"].([]any) {
				d := d.(map[string]any)
				if d["customerId"].(json.Number).String() == good && d["kind"] == "add" {
					first = d
				}
			}
			did := first["id"].(json.Number).String()
			one := a.must("GET", "/v1/webhooks/"+subID+"/deliveries/"+did, "", 200)
			att := one["attemptLog"].([]any)
			if mustInt(one["attempts"]) != 1 || len(att) != 1 || fmt.Sprint(att[0].(map[string]any)["responseCode"]) != "200" {
				t.Fatalf("delivery %v", one)
			}
			var orig received
			for _, r := range rc.requests() {
				if strings.TrimPrefix(r.id, "msg_") == did {
					orig = r
				}
			}
			before := len(rc.requests())
			a.must("POST", "/v1/webhooks/"+subID+"/deliveries/"+did+"/redeliver", "", 202)
			waitFor(t, "the redelivery", func() bool { return len(rc.requests()) == before+1 })
			again := rc.requests()[before]
			if again.id != orig.id || !bytes.Equal(again.body, orig.body) {
				t.Fatalf("redelivered %s %s, first sent %s %s", again.id, again.body, orig.id, orig.body)
			}
			waitFor(t, "the redelivery recorded", func() bool {
				one := a.must("GET", "/v1/webhooks/"+subID+"/deliveries/"+did, "", 200)
				return one["status"] == "delivered" && len(one["attemptLog"].([]any)) == 2
			})
			if got := a.must("GET", "/v1/webhooks/"+subID, "", 200); mustInt(got["failures"]) < 1 {
				t.Fatalf("failures %v", got["failures"])
			}
		})
	}
}
