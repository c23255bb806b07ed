package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/testenv"
)

// TestHistoryThroughEveryAPI: a customer written through each of the four
// APIs and one imported over HTTP each have a history naming the client,
// the API (or the import) and the fields set; a native edit adds an entry
// with old → new; after a delete the history is still there for a client
// with the admin scope and gone for one without.
func TestHistoryThroughEveryAPI(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			a := newAPIs(t, e)
			auth := map[string]string{"Authorization": "Bearer " + a.native}
			idOf := func(phone string) string {
				t.Helper()
				l := a.call("GET", "/v1/customers?phone="+url.QueryEscape(phone), auth, nil)["data"].([]any)
				if len(l) != 1 {
					t.Fatalf("%d customers with phone %s", len(l), phone)
				}
				return l[0].(map[string]any)["id"].(json.Number).String()
			}
			history := func(id string) []map[string]any {
				t.Helper()
				var out []map[string]any
				for _, x := range a.call("GET", "/v1/customers/"+id+"/history", auth, nil)["data"].([]any) {
					out = append(out, x.(map[string]any))
				}
				return out
			}
			changed := func(entry map[string]any) map[string]string {
				m := map[string]string{}
				for _, c := range entry["changes"].([]any) {
					c := c.(map[string]any)
					m[c["field"].(string)] = fmt.Sprint(c["old"]) + " → " + fmt.Sprint(c["new"])
				}
				return m
			}
			for i, via := range []string{"native", "dashi", "tanma", "yeastar"} {
				n := fmt.Sprintf("1390000%04d", i)
				a.create(via, person{name: "历史" + via, phone: "+86" + n, national: n, email: via + "@example.com", company: "历史公司", remark: "via " + via, status: 1})
				h := history(idOf("+86" + n))
				if len(h) != 1 || h[0]["kind"] != "add" || h[0]["via"] != via {
					t.Fatalf("%s: history %v", via, h)
				}
				actor := h[0]["actor"].(map[string]any)
				if actor["id"] != a.client.ClientID || actor["kind"] != "client" {
					t.Fatalf("%s: actor %v", via, actor)
				}
				if ch := changed(h[0]); ch["phone"] != "<nil> → +86"+n || ch["email"] != "<nil> → "+via+"@example.com" {
					t.Fatalf("%s: changes %v", via, ch)
				}
			}

			// An import over HTTP.
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			fw, _ := mw.CreateFormFile("file", "客户.csv")
			fw.Write([]byte("姓名,手机\n导入客户,13900009999\n"))
			mw.Close()
			req, _ := http.NewRequest("POST", e.URL+"/v1/imports", &b)
			req.Header.Set("Authorization", "Bearer "+a.native)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 202 {
				t.Fatalf("import: %v %v", resp, err)
			}
			resp.Body.Close()
			var id string
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				l := a.call("GET", "/v1/customers?phone=%2B8613900009999", auth, nil)["data"].([]any)
				if len(l) == 1 {
					id = l[0].(map[string]any)["id"].(json.Number).String()
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the import did not finish")
				}
			}
			h := history(id)
			if len(h) != 1 || h[0]["via"] != "import" || h[0]["actor"].(map[string]any)["id"] != a.client.ClientID {
				t.Fatalf("import history %v", h)
			}
			// An import writes its adds in bulk (no snapshot, no changes
			// stored): the history names the fields it set all the same,
			// as they were then, also after later edits and the delete.
			importAdd := func(entry map[string]any) {
				t.Helper()
				if ch := changed(entry); ch["name"] != "<nil> → 导入客户" || ch["phone"] != "<nil> → +8613900009999" || ch["email"] != "" || ch["remark"] != "" {
					t.Fatalf("import add changes %v", ch)
				}
			}
			importAdd(h[0])

			// A native edit: old → new; then a delete.
			a.call("PATCH", "/v1/customers/"+id, map[string]string{"Authorization": "Bearer " + a.native, "Content-Type": "application/json"},
				[]byte(`{"remark":"改过","email":"new@example.com"}`))
			h = history(id)
			if len(h) != 2 || h[1]["kind"] != "edit" || h[1]["via"] != "native" {
				t.Fatalf("after edit %v", h)
			}
			if ch := changed(h[1]); len(ch) != 2 || ch["remark"] != "<nil> → 改过" || ch["email"] != "<nil> → new@example.com" {
				t.Fatalf("edit changes %v", ch)
			}
			importAdd(h[0])
			req, _ = http.NewRequest("DELETE", e.URL+"/v1/customers/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+a.native)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
				t.Fatalf("delete: %v %v", resp, err)
			}
			// The tenant's client has no admin scope: the history went
			// with the customer. An administrator's client still reads it.
			req, _ = http.NewRequest("GET", e.URL+"/v1/customers/"+id+"/history", nil)
			req.Header.Set("Authorization", "Bearer "+a.native)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
				t.Fatalf("history of a deleted customer without admin: %v %v", resp, err)
			}
			admin := e.NewClient(t, e.Tenant.ID, 0, "customers:read", "admin")
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {admin.ClientID}, "client_secret": {admin.Secret}}.Encode()
			tok := a.call("POST", "/v1/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form))["access_token"].(string)
			out := a.call("GET", "/v1/customers/"+id+"/history", map[string]string{"Authorization": "Bearer " + tok}, nil)["data"].([]any)
			if len(out) != 3 || out[2].(map[string]any)["kind"] != "delete" || !strings.Contains(fmt.Sprint(out[2]), "new@example.com") {
				t.Fatalf("admin history after delete %v", out)
			}
			importAdd(out[0].(map[string]any))
		})
	}
}

// TestHistoryActorsAndLabels: every entry of a customer's history names
// the client and the API of the write, edits and deletes included, through
// each API that can edit (native, 探马, Yeastar) and delete (native,
// Yeastar); select and multi-select changes carry their options' labels
// next to the ids, also after an option was deleted.
func TestHistoryActorsAndLabels(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			a := newAPIs(t, e)
			nat := map[string]string{"Authorization": "Bearer " + a.native, "Content-Type": "application/json"}
			ycm := map[string]string{"Authorization": "Bearer " + a.ycmToken, "Content-Type": "application/json", "User-Agent": "kehu-test"}
			admin := e.NewClient(t, e.Tenant.ID, 0, "customers:read", "customers:write", "catalog:write", "admin")
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {admin.ClientID}, "client_secret": {admin.Secret}}.Encode()
			adminTok := a.call("POST", "/v1/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form))["access_token"].(string)
			cat := map[string]string{"Authorization": "Bearer " + adminTok, "Content-Type": "application/json"}
			history := func(id string) []map[string]any {
				t.Helper()
				var out []map[string]any
				for _, x := range a.call("GET", "/v1/customers/"+id+"/history", map[string]string{"Authorization": "Bearer " + adminTok}, nil)["data"].([]any) {
					out = append(out, x.(map[string]any))
				}
				return out
			}
			// who lists each entry as kind/via/actor kind/actor id.
			who := func(h []map[string]any) string {
				var s []string
				for _, x := range h {
					act := x["actor"].(map[string]any)
					s = append(s, fmt.Sprintf("%v/%v/%v/%v", x["kind"], x["via"], act["kind"], act["id"]))
				}
				return strings.Join(s, " ")
			}
			cid := a.client.ClientID
			create := func(name, phone string) string {
				t.Helper()
				c := a.call("POST", "/v1/customers", nat, jsonBody(map[string]any{"name": name, "phone": phone}))
				return c["id"].(json.Number).String()
			}

			// Edited through 探马, deleted through Yeastar.
			id := create("探马改", "+8613900001111")
			a.tanma("/api/v3/customer/update-by-id", map[string]any{"customerId": json.Number(id), "fields": []map[string]any{{"alias": "remark", "fieldValue": "探马改过"}}})
			a.call("PUT", "/dm/open_api/v1/customers/"+id, ycm, jsonBody(map[string]any{"firstName": "探马改", "company": "历史公司", "email": "y@example.com", "remark": "Yeastar 改过"}))
			a.call("DELETE", "/dm/open_api/v1/customers", ycm, jsonBody(map[string]any{"customerIds": []json.Number{json.Number(id)}}))
			want := "add/native/client/" + cid + " edit/tanma/client/" + cid + " edit/yeastar/client/" + cid + " delete/yeastar/client/" + cid
			if got := who(history(id)); got != want {
				t.Fatalf("history\n got %s\nwant %s", got, want)
			}

			// Select and multi-select labels, through a native edit and a
			// native delete, after the old option was deleted.
			f := a.call("POST", "/v1/fields", cat, jsonBody(map[string]any{"key": "level", "label": "等级", "type": "select",
				"options": []map[string]any{{"label": "VIP"}, {"label": "普通"}}}))
			a.call("POST", "/v1/fields", cat, jsonBody(map[string]any{"key": "hobbies", "type": "multiselect",
				"options": []map[string]any{{"label": "茶"}, {"label": "棋"}}}))
			opts := f["options"].([]any)
			vip, plain := opts[0].(map[string]any)["id"].(json.Number), opts[1].(map[string]any)["id"].(json.Number)
			id = create("选项", "+8613900002222")
			a.call("PATCH", "/v1/customers/"+id, nat, []byte(`{"fields":{"level":"VIP","hobbies":["茶"]}}`))
			a.call("PATCH", "/v1/customers/"+id, nat, []byte(`{"fields":{"level":"普通","hobbies":["茶","棋"]}}`))
			// VIP is deleted: the field keeps 普通 only.
			a.call("PATCH", "/v1/fields/"+f["id"].(json.Number).String(), cat, jsonBody(map[string]any{"options": []map[string]any{{"id": plain, "label": "普通"}}}))
			req, _ := http.NewRequest("DELETE", e.URL+"/v1/customers/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+a.native)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
				t.Fatalf("delete: %v %v", resp, err)
			}
			h := history(id)
			if got, want := who(h), "add/native/client/"+cid+" edit/native/client/"+cid+" edit/native/client/"+cid+" delete/native/client/"+cid; got != want {
				t.Fatalf("history\n got %s\nwant %s", got, want)
			}
			labels := func(entry map[string]any) map[string]string {
				m := map[string]string{}
				for _, c := range entry["changes"].([]any) {
					c := c.(map[string]any)
					if strings.HasPrefix(c["field"].(string), "fields.") {
						m[c["field"].(string)] = fmt.Sprintf("%v (%v) → %v (%v)", c["old"], c["oldLabel"], c["new"], c["newLabel"])
					}
				}
				return m
			}
			wantEdit := map[string]string{
				"fields.level":   fmt.Sprintf("%s (VIP) → %s (普通)", vip, plain),
				"fields.hobbies": fmt.Sprintf("[%s] ([茶]) → [%s %s] ([茶 棋])", hobby(t, a, adminTok, "茶"), hobby(t, a, adminTok, "茶"), hobby(t, a, adminTok, "棋")),
			}
			if got := labels(h[2]); fmt.Sprint(got) != fmt.Sprint(wantEdit) {
				t.Fatalf("edit labels\n got %v\nwant %v", got, wantEdit)
			}
			// The delete names the custom fields by key, with labels.
			if got := labels(h[3]); got["fields.level"] != fmt.Sprintf("%s (普通) → <nil> (<nil>)", plain) || len(got) != 2 {
				t.Fatalf("delete labels %v", got)
			}
			// A status (a system select) is labelled too.
			id = create("状态", "+8613900003333")
			a.call("PATCH", "/v1/customers/"+id, nat, []byte(`{"status":2}`))
			for _, c := range history(id)[1]["changes"].([]any) {
				if c := c.(map[string]any); c["field"] == "status" && (c["oldLabel"] == nil || c["newLabel"] == nil || c["oldLabel"] == c["newLabel"]) {
					t.Fatalf("status change %v", c)
				}
			}
		})
	}
}

// hobby is the id of a hobbies option, by label.
func hobby(t *testing.T, a *apis, tok, label string) string {
	t.Helper()
	for _, f := range a.call("GET", "/v1/fields", map[string]string{"Authorization": "Bearer " + tok}, nil)["data"].([]any) {
		f := f.(map[string]any)
		if f["key"] != "hobbies" {
			continue
		}
		for _, o := range f["options"].([]any) {
			if o := o.(map[string]any); o["label"] == label {
				return o["id"].(json.Number).String()
			}
		}
	}
	t.Fatalf("no hobby %s", label)
	return ""
}
