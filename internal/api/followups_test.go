package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// staffClient creates a staff member of the default role (销售) and an API
// client acting as them.
func staffClient(t *testing.T, e *testenv.Env, name string) (*client, int64) {
	t.Helper()
	ctx := context.Background()
	m := &model.Staff{Name: name}
	if err := e.Store.CreateStaff(ctx, e.Tenant.ID, m); err != nil {
		t.Fatal(err)
	}
	cl, err := e.Auth.Create(ctx, model.Client{TenantID: e.Tenant.ID, StaffID: m.ID, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, e, cl), m.ID
}

// TestFollowUpsAPI walks follow-ups through the native API on both
// databases: written by the customer's rep, refused to another rep and on
// bad input, the customer's follow-up fields moving with them, listed per
// customer and per staff member with cursors, kinds managed, every change
// in the history with its actor.
func TestFollowUpsAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		admin := newClient(t, e, e.Client)
		rep, repID := staffClient(t, e, "李雷")
		other, _ := staffClient(t, e, "韩梅梅")
		cust := rep.mustDo("POST", "/v1/customers", map[string]any{"name": "张三", "phone": "13812345678"}, 201)["id"].(json.Number).String()
		base := "/v1/customers/" + cust + "/follow-ups"
		at := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Millisecond)
		next := at.Add(48 * time.Hour).Truncate(time.Second)
		f := rep.mustDo("POST", base, map[string]any{"kind": "电话", "content": "聊了报价", "at": at.Format(time.RFC3339Nano), "nextAt": next.Format(time.RFC3339)}, 201)
		fid := f["id"].(json.Number).String()
		if f["staffId"].(json.Number).String() != fmt.Sprint(repID) || f["kind"] != "电话" || f["kindId"].(json.Number) != "1" {
			t.Fatalf("created follow-up: %v", f)
		}
		c := admin.mustDo("GET", "/v1/customers/"+cust, nil, 200)
		if !sameTime(c["lastFollowAt"], at) || !sameTime(c["nextFollowAt"], next) ||
			c["lastFollowUserId"].(json.Number).String() != fmt.Sprint(repID) {
			t.Fatalf("customer after the follow-up: %v", c)
		}
		// Refusals.
		for _, tc := range []struct {
			cl   *client
			body any
			code int
			want string // problem code
		}{
			{other, map[string]any{"kind": "电话", "content": "x"}, 404, "not_found"},
			{rep, map[string]any{"kind": "电话", "content": "x", "mood": "good"}, 400, ""},
			{rep, map[string]any{"kind": "电话", "content": 12}, 400, "wrong_type"},
			{rep, map[string]any{"kind": "电话", "content": "x", "nextAt": "tomorrow"}, 400, "invalid"},
			{rep, map[string]any{"kind": "电话", "content": "x", "nextAt": 5}, 400, "wrong_type"},
			{rep, map[string]any{"kind": "短信", "content": "x"}, 400, "invalid"},
			{rep, map[string]any{"content": "x"}, 400, "required"},
			{admin, map[string]any{"kind": "电话", "content": "x"}, 400, "required"},
		} {
			code, p := tc.cl.do("POST", base, tc.body)
			if code != tc.code || (tc.want != "" && p["code"] != tc.want) || p["type"] == nil {
				t.Errorf("POST %v: %d %v, want %d %s", tc.body, code, p, tc.code, tc.want)
			}
		}
		// Edit: clear the plan.
		f = rep.mustDo("PATCH", "/v1/follow-ups/"+fid, map[string]any{"nextAt": nil, "content": "聊了报价，客户要再想想"}, 200)
		if _, ok := f["nextAt"]; ok || f["content"] != "聊了报价，客户要再想想" {
			t.Fatalf("patched follow-up: %v", f)
		}
		if c := admin.mustDo("GET", "/v1/customers/"+cust, nil, 200); c["nextFollowAt"] != nil {
			t.Fatalf("the plan was cleared but the customer keeps nextFollowAt: %v", c)
		}
		other.mustDo("PATCH", "/v1/follow-ups/"+fid, map[string]any{"content": "改"}, 404)
		other.mustDo("GET", "/v1/follow-ups/"+fid, nil, 404)
		// Two more, a minute apart; the timeline newest first, by cursor.
		for i := range 2 {
			rep.mustDo("POST", base, map[string]any{"kind": "微信", "content": fmt.Sprint("第", i+2, "次"), "at": at.Add(time.Duration(i+1) * time.Minute).Format(time.RFC3339Nano)}, 201)
		}
		var got []string
		path := base + "?pageSize=2"
		for range 4 {
			out := rep.mustDo("GET", path, nil, 200)
			for _, d := range out["data"].([]any) {
				got = append(got, d.(map[string]any)["content"].(string))
			}
			cur, _ := out["nextCursor"].(string)
			if cur == "" {
				break
			}
			path = base + "?pageSize=2&cursor=" + cur
		}
		if strings.Join(got, "|") != "第3次|第2次|聊了报价，客户要再想想" {
			t.Fatalf("timeline: %v", got)
		}
		other.mustDo("GET", base, nil, 404)
		if out := rep.mustDo("GET", "/v1/follow-ups?staff=me", nil, 200); len(out["data"].([]any)) != 3 {
			t.Fatalf("the rep's follow-ups: %v", out)
		}
		if out := other.mustDo("GET", fmt.Sprintf("/v1/follow-ups?staff=%d", repID), nil, 200); len(out["data"].([]any)) != 0 {
			t.Fatalf("another rep sees follow-ups of customers they cannot see: %v", out)
		}
		for _, q := range []string{"", "?staff=me", "?staff=x", "?staff=1&page=2", "?staff=1&pageSize=0"} {
			if code, p := admin.do("GET", "/v1/follow-ups"+q, nil); code != 400 || p["type"] == nil {
				t.Errorf("GET /v1/follow-ups%s: %d %v", q, code, p)
			}
		}
		// Kinds.
		rep.mustDo("POST", "/v1/follow-up-kinds", map[string]any{"name": "短信"}, 403)
		k := admin.mustDo("POST", "/v1/follow-up-kinds", map[string]any{"name": "短信"}, 201)
		kid := k["id"].(json.Number).String()
		admin.mustDo("POST", "/v1/follow-up-kinds", map[string]any{"name": "短信"}, 409)
		if code, p := admin.do("DELETE", "/v1/follow-up-kinds/1", nil); code != 403 || p["code"] != "builtin_kind" {
			t.Errorf("delete a built-in kind: %d %v", code, p)
		}
		sms := rep.mustDo("POST", base, map[string]any{"kindId": k["id"], "content": "发了短信"}, 201)
		if code, p := admin.do("DELETE", "/v1/follow-up-kinds/"+kid, nil); code != 409 || p["code"] != "kind_in_use" {
			t.Errorf("delete a kind in use: %d %v", code, p)
		}
		if out := rep.mustDo("GET", "/v1/follow-up-kinds", nil, 200); len(out["data"].([]any)) != 6 {
			t.Errorf("kinds: %v", out)
		}
		if k := admin.mustDo("PATCH", "/v1/follow-up-kinds/"+kid, map[string]any{"name": "短信群发"}, 200); k["name"] != "短信群发" {
			t.Errorf("renamed kind: %v", k)
		}
		// Deletes: the customer falls back to the newest remaining one.
		rep.mustDo("DELETE", "/v1/follow-ups/"+sms["id"].(json.Number).String(), nil, 204)
		admin.mustDo("DELETE", "/v1/follow-up-kinds/"+kid, nil, 204)
		c = admin.mustDo("GET", "/v1/customers/"+cust, nil, 200)
		if !sameTime(c["lastFollowAt"], at.Add(2*time.Minute)) {
			t.Fatalf("after deleting the newest: %v", c)
		}
		// The customer's own writes cannot set the follow-up fields.
		if code, _ := rep.do("PATCH", "/v1/customers/"+cust, map[string]any{"lastFollowAt": "2020-01-01T00:00:00Z"}); code != 400 {
			t.Errorf("a customer write set lastFollowAt: %d", code)
		}
		// History: each follow-up write, with its actor.
		h := rep.mustDo("GET", "/v1/customers/"+cust+"/history", nil, 200)
		n := 0
		for _, d := range h["data"].([]any) {
			e := d.(map[string]any)
			for _, ch := range e["changes"].([]any) {
				if ch.(map[string]any)["field"] == "followUp" {
					n++
					if e["actor"].(map[string]any)["id"] != fmt.Sprint(repID) {
						t.Errorf("follow-up event actor: %v", e["actor"])
					}
				}
			}
		}
		if n != 6 { // 4 adds, 1 edit, 1 delete
			t.Errorf("history has %d follow-up changes, want 6: %v", n, h)
		}
	})
}

func sameTime(v any, want time.Time) bool {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && t.Equal(want)
}
