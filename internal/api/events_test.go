package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/testenv"
)

// TestEventsFeed: the feed's filters (kind, customerId), its cursor, who
// and through which API each change came, the fields it changed, and a
// long poll that returns as soon as a change commits.
func TestEventsFeed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		a := c.mustDo("POST", "/v1/customers", map[string]any{"name": "张三", "phone": "13812345678"}, 201)
		b := c.mustDo("POST", "/v1/customers", map[string]any{"name": "李四"}, 201)
		aid, bid := a["id"].(json.Number).String(), b["id"].(json.Number).String()
		c.mustDo("PATCH", "/v1/customers/"+aid, map[string]any{"name": "张三丰", "remark": "改名"}, 200)
		c.mustDo("DELETE", "/v1/customers/"+bid, nil, 204)

		all := c.mustDo("GET", "/v1/events", nil, 200)["data"].([]any)
		if len(all) != 4 {
			t.Fatalf("want 4 events, got %d", len(all))
		}
		var last int64
		for i, kind := range []string{"add", "add", "edit", "delete"} {
			ev := all[i].(map[string]any)
			p, _ := ev["position"].(json.Number).Int64()
			if ev["kind"] != kind || p <= last {
				t.Fatalf("event %d: %v", i, ev)
			}
			last = p
			actor, _ := ev["actor"].(map[string]any)
			if (kind != "delete" && (actor["id"] != e.Client.ClientID || actor["kind"] != "client")) || ev["via"] != "native" {
				t.Fatalf("event %d actor %v via %v", i, actor, ev["via"])
			}
		}
		edit := all[2].(map[string]any)
		ch := edit["changes"].([]any)
		// firstName follows the name (a Chinese name's given name is derived).
		if fmt.Sprint(ch) != "[map[field:firstName new:张三丰 old:张三] map[field:name new:张三丰 old:张三] map[field:remark new:改名 old:<nil>]]" {
			t.Fatalf("edit changes %v", ch)
		}
		if add := all[0].(map[string]any)["changes"].([]any); len(add) != 3 { // firstName, name, phone
			t.Fatalf("add changes %v", add)
		}

		one := c.mustDo("GET", "/v1/events?customerId="+aid+"&kind=edit,delete", nil, 200)["data"].([]any)
		if len(one) != 1 || one[0].(map[string]any)["kind"] != "edit" {
			t.Fatalf("filtered: %v", one)
		}
		page := c.mustDo("GET", "/v1/events?limit=3", nil, 200)
		next := page["next"].(json.Number).String()
		rest := c.mustDo("GET", "/v1/events?after="+next, nil, 200)["data"].([]any)
		if len(rest) != 1 || rest[0].(map[string]any)["kind"] != "delete" {
			t.Fatalf("second page %v", rest)
		}
		for _, bad := range []string{"kind=update", "wait=2m", "wait=x", "customerId=-1", "after=x"} {
			c.mustDo("GET", "/v1/events?"+bad, nil, 400)
		}

		// Long poll: held while nothing happens, answered within a second
		// of the next write.
		start := time.Now()
		empty := c.mustDo("GET", fmt.Sprintf("/v1/events?after=%d&wait=300ms", last), nil, 200)
		if len(empty["data"].([]any)) != 0 || time.Since(start) < 300*time.Millisecond || empty["next"].(json.Number).String() != fmt.Sprint(last) {
			t.Fatalf("empty long poll %v after %v", empty, time.Since(start))
		}
		go func() {
			time.Sleep(200 * time.Millisecond)
			c.do("POST", "/v1/customers", map[string]any{"name": "王五"})
		}()
		start = time.Now()
		got := c.mustDo("GET", fmt.Sprintf("/v1/events?after=%d&wait=30s", last), nil, 200)["data"].([]any)
		if took := time.Since(start); len(got) != 1 || took > 1500*time.Millisecond {
			t.Fatalf("long poll got %d events after %v", len(got), took)
		}
	})
}
