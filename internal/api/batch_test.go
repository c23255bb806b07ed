package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/testenv"
)

type batchResp struct {
	Results []struct {
		Index  int    `json:"index"`
		Status string `json:"status"`
		ID     int64  `json:"id"`
		Error  *struct {
			Code       string `json:"code"`
			Field      string `json:"field"`
			Detail     string `json:"detail"`
			ExistingID int64  `json:"existingId"`
		} `json:"error"`
	} `json:"results"`
	Created, Updated, Unchanged, Failed int
}

func (c *client) batch(body any, key string) (int, []byte, batchResp) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	hdr := map[string]string{}
	if key != "" {
		hdr["Idempotency-Key"] = key
	}
	code, _, raw := c.raw("POST", "/v1/customers/batch", "application/json", bytes.NewReader(b), hdr)
	var out batchResp
	if code == 200 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatal(err)
		}
	}
	return code, raw, out
}

func (c *client) total(query string) int64 {
	c.t.Helper()
	out := c.mustDo("GET", "/v1/customers?total=exact&pageSize=1"+query, nil, 200)
	return num(out["total"])
}

// TestBatchUpsert: per-record results in order — created, updated,
// unchanged, failed with reason, field and existing id — one bad record
// does not stop the others; matching by phone normalises the value.
func TestBatchUpsert(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		c.mustDo("POST", "/v1/fields", map[string]any{"key": "memberNo", "label": "会员号", "type": "text", "unique": true}, 201)
		old := c.mustDo("POST", "/v1/customers", map[string]any{"name": "老王", "phone": "13800000001", "email": "wang@example.com", "externalId": "ext-1"}, 201)
		oldID := num(old["id"])
		twin1 := c.mustDo("POST", "/v1/customers", map[string]any{"name": "双胞胎甲", "phone": "13900000009"}, 201)
		c.mustDo("POST", "/v1/customers", map[string]any{"name": "双胞胎乙", "phone": "13900000009"}, 201)
		held := c.mustDo("POST", "/v1/customers", map[string]any{"name": "会员", "fields": map[string]any{"memberNo": "M-1"}}, 201)

		code, _, res := c.batch(map[string]any{"records": []any{
			map[string]any{"match": map[string]any{"by": "phone", "value": "+86 138-0000-0001"}, "customer": map[string]any{"remark": "VIP"}}, // 0 updated
			map[string]any{"match": map[string]any{"by": "externalId"}, "customer": map[string]any{"externalId": "ext-1", "name": "老王"}},      // 1 unchanged
			map[string]any{"match": map[string]any{"by": "email"}, "customer": map[string]any{"name": "新客户", "email": "New@Example.com"}},     // 2 created
			map[string]any{"customer": map[string]any{"name": "坏电话", "phone": "12345"}},                                                       // 3 failed: invalid
			map[string]any{"match": map[string]any{"by": "phone"}, "customer": map[string]any{"name": "X", "phone": "13900000009"}},           // 4 failed: ambiguous
			map[string]any{"customer": map[string]any{"name": "抢会员号", "fields": map[string]any{"memberNo": " m-1 "}}},                         // 5 failed: unique taken
			map[string]any{"match": map[string]any{"by": "memberNo", "value": "M-2"}, "customer": map[string]any{"name": "会员二"}},              // 6 created with memberNo
			map[string]any{"match": map[string]any{"by": "id", "value": 1}, "customer": map[string]any{"name": "无此人"}},                        // 7 failed: not found
			map[string]any{"match": map[string]any{"by": "name"}, "customer": map[string]any{"name": "按名字"}},                                  // 8 failed: bad key
			map[string]any{"customer": map[string]any{"name": "未知字段", "nope": 1}},                                                             // 9 failed: unknown field
			map[string]any{"match": map[string]any{"by": "email", "value": "new@example.com"}, "customer": map[string]any{"city": "深圳"}},      // 10 updated: record 2
			map[string]any{"match": map[string]any{"by": "id", "value": oldID}, "customer": map[string]any{"email": "lisi@example.com"}},      // 11 updated
		}}, "")
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		want := []string{"updated", "unchanged", "created", "failed", "failed", "failed", "created", "failed", "failed", "failed", "updated", "updated"}
		var got []string
		for i, r := range res.Results {
			if r.Index != i {
				t.Fatalf("result %d has index %d", i, r.Index)
			}
			got = append(got, r.Status)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || res.Created != 2 || res.Updated != 3 || res.Unchanged != 1 || res.Failed != 6 {
			t.Fatalf("statuses %v, counts %+v", got, res)
		}
		r := res.Results
		if r[0].ID != oldID || r[1].ID != oldID || r[10].ID != r[2].ID || r[11].ID != oldID {
			t.Fatalf("ids %+v", r)
		}
		if e := r[3].Error; e.Code != "invalid" || e.Field != "phone" {
			t.Fatalf("invalid phone: %+v", e)
		}
		if e := r[4].Error; e.Code != "ambiguous_match" || e.ExistingID != num(twin1["id"]) || !strings.Contains(e.Detail, "several customers") {
			t.Fatalf("ambiguous: %+v", e)
		}
		if e := r[5].Error; e.Code != "conflict" || e.ExistingID != num(held["id"]) {
			t.Fatalf("unique: %+v", e)
		}
		if e := r[7].Error; e.Code != "not_found" {
			t.Fatalf("id not found: %+v", e)
		}
		if e := r[8].Error; e.Field != "match.by" {
			t.Fatalf("bad key: %+v", e)
		}
		if e := r[9].Error; e.Code != "unknown_field" || e.Field != "customer.nope" {
			t.Fatalf("unknown field: %+v", e)
		}
		got1 := c.mustDo("GET", fmt.Sprintf("/v1/customers/%d", oldID), nil, 200)
		if got1["remark"] != "VIP" || got1["email"] != "lisi@example.com" || got1["name"] != "老王" {
			t.Fatalf("%v", got1)
		}
		created := c.mustDo("GET", fmt.Sprintf("/v1/customers/%d", r[2].ID), nil, 200)
		if created["email"] != "new@example.com" || created["city"] != "深圳" {
			t.Fatalf("%v", created)
		}
		m2 := c.mustDo("GET", fmt.Sprintf("/v1/customers/%d", r[6].ID), nil, 200)
		if m2["fields"].(map[string]any)["memberNo"] != "M-2" {
			t.Fatalf("the match value was not set on create: %v", m2)
		}

		// Limits: 1000 records are fine, 1001 are refused as a whole.
		recs := make([]any, 1001)
		for i := range recs {
			recs[i] = map[string]any{"customer": map[string]any{"name": fmt.Sprintf("批量%d", i)}}
		}
		if code, raw, _ := c.batch(map[string]any{"records": recs}, ""); code != 400 || !strings.Contains(string(raw), "1001") {
			t.Fatalf("1001 records: %d %s", code, raw)
		}
		before := c.total("")
		code, _, res = c.batch(map[string]any{"records": recs[:1000]}, "")
		if code != 200 || res.Created != 1000 || c.total("") != before+1000 {
			t.Fatalf("1000 records: %d %+v", code, res.Created)
		}
		for _, body := range []string{`{"records":[]}`, `{}`, `{"records":[{"customer":{"name":"x"}}],"extra":1}`, `[`} {
			if code, _, _ := c.raw("POST", "/v1/customers/batch", "application/json", strings.NewReader(body), nil); code != 400 {
				t.Fatalf("%s: %d", body, code)
			}
		}
		// Another tenant cannot match this tenant's customers.
		_, other := e.NewTenant(t, "other", 0)
		oc := newClient(t, e, other)
		_, _, res = oc.batch(map[string]any{"records": []any{map[string]any{"match": map[string]any{"by": "id", "value": oldID}, "customer": map[string]any{"name": "x"}}}}, "")
		if res.Results[0].Status != "failed" || res.Results[0].Error.Code != "not_found" {
			t.Fatalf("cross-tenant match: %+v", res.Results[0])
		}
	})
}

// TestBatchIdempotency: a retry with the same key and body gets the first
// response byte for byte and writes nothing; another body with the key is
// 422; another client may use the same key.
func TestBatchIdempotency(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		body := map[string]any{"records": []any{
			map[string]any{"customer": map[string]any{"name": "幂等一", "phone": "13700000001"}},
			map[string]any{"match": map[string]any{"by": "phone", "value": "13700000002"}, "customer": map[string]any{"name": "幂等二"}},
			map[string]any{"customer": map[string]any{"name": "坏", "email": "x"}},
		}}
		code, first, res := c.batch(body, "key-1")
		if code != 200 || res.Created != 2 || res.Failed != 1 {
			t.Fatalf("%d %s", code, first)
		}
		events := len(c.mustDo("GET", "/v1/events?limit=1000", nil, 200)["data"].([]any))
		n := c.total("")
		for i := 0; i < 3; i++ {
			b, _ := json.Marshal(body)
			code, hdr, again := c.raw("POST", "/v1/customers/batch", "application/json", bytes.NewReader(b), map[string]string{"Idempotency-Key": "key-1"})
			if code != 200 || !bytes.Equal(again, first) || hdr.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry %d: %d %q\nfirst %q", i, code, again, first)
			}
		}
		if c.total("") != n || len(c.mustDo("GET", "/v1/events?limit=1000", nil, 200)["data"].([]any)) != events {
			t.Fatal("a retry wrote again")
		}
		other := map[string]any{"records": []any{map[string]any{"customer": map[string]any{"name": "别的"}}}}
		code, raw, _ := c.batch(other, "key-1")
		if code != 422 || !strings.Contains(string(raw), "idempotency_key_reused") {
			t.Fatalf("same key, other body: %d %s", code, raw)
		}
		// Without a key, the same body writes again (matched record 1 is unchanged now).
		code, _, res = c.batch(body, "")
		if code != 200 || res.Created != 1 || res.Unchanged != 1 || c.total("") != n+1 {
			t.Fatalf("no key: %+v", res)
		}
		// Keys belong to a client.
		c2 := newClient(t, e, e.NewClient(t, e.Tenant.ID, 0))
		code, _, res = c2.batch(other, "key-1")
		if code != 200 || res.Created != 1 {
			t.Fatalf("another client's key: %d %+v", code, res)
		}
	})
}
