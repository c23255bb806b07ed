package dashi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/dialect/dashi"
)

// nativeToken gets a native API token for the env's client.
func (e *env) nativeToken(t *testing.T) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.Client.ClientID}, "client_secret": {e.Client.Secret}}
	resp, err := http.PostForm(e.URL+"/v1/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("native token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

// TestEvents: an add through this dialect, an edit and a delete through
// the native API come out of the feed as the platform's domain events, in
// order, through Poll and Subscribe alike.
func TestEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		feed := dashi.NewFeed(e.Store)
		start, err := feed.Poll(ctx, e.Tenant.ID, 0, 10)
		if err != nil || len(start) != 0 {
			t.Fatalf("fresh tenant has events %v %v", start, err)
		}

		id := e.mustAdd(t, e.token(t, e.Client), `{"name":"张三","phone":"13812345678"}`)
		native := e.nativeToken(t)
		path := "/v1/customers/" + strconv.FormatInt(id, 10)
		if st, b := e.call(t, "PATCH", path, native, `{"name":"张三丰","remark":"改名"}`); st != 200 {
			t.Fatalf("native PATCH: %d %s", st, b)
		}
		if st, b := e.call(t, "DELETE", path, native, ""); st != 204 {
			t.Fatalf("native DELETE: %d %s", st, b)
		}

		evs, err := feed.Poll(ctx, e.Tenant.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 {
			t.Fatalf("want 3 events, got %d", len(evs))
		}
		topic := strconv.FormatInt(e.Tenant.ID, 10) + "/proj_" + e.project() + "/v1-business-model-customer"
		for i, want := range []string{"add", "edit", "delete"} {
			ev := evs[i]
			if ev.Type != want || ev.Topic != topic || ev.CustomerID != id || (i > 0 && ev.ID <= evs[i-1].ID) {
				t.Fatalf("event %d: %+v", i, ev)
			}
			if d := time.Since(time.UnixMilli(ev.Time)); d < 0 || d > time.Minute {
				t.Fatalf("event %d time %d is not now", i, ev.Time)
			}
		}
		var added, edited map[string]any
		json.Unmarshal(evs[0].Data, &added)
		json.Unmarshal(evs[1].Data, &edited)
		if added["name"] != "张三" || added["phone"] != "13812345678" || added["projectName"] != "测试园区" || len(added) != 46 {
			t.Fatalf("add data %s", evs[0].Data)
		}
		if edited["name"] != "张三丰" || edited["remark"] != "改名" || len(edited) != 46 {
			t.Fatalf("edit data %s", evs[1].Data)
		}
		if string(evs[2].Data) != `{"id":`+strconv.FormatInt(id, 10)+`}` {
			t.Fatalf("delete data %s", evs[2].Data)
		}

		// Paging through the feed: one at a time from each event's id.
		after := int64(0)
		for i := 0; i < 3; i++ {
			one, err := feed.Poll(ctx, e.Tenant.ID, after, 1)
			if err != nil || len(one) != 1 || one[0].ID != evs[i].ID {
				t.Fatalf("poll after %d: %v %v", after, one, err)
			}
			after = one[0].ID
		}

		// Another tenant sees none of them.
		other, _ := e.NewTenant(t, "other tenant", 0)
		if evs, _ := feed.Poll(ctx, other.ID, 0, 10); len(evs) != 0 {
			t.Fatalf("another tenant sees %d events", len(evs))
		}

		wire, _ := json.Marshal(evs)
		golden(t, "events", scrub(wire, append(volatile, "time", "topic")...))

		t.Run("subscribe", func(t *testing.T) {
			feed := dashi.NewFeed(e.Store)
			feed.Batch = 2 // two polls for three events
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			var got []dashi.Event
			err := feed.Subscribe(ctx, e.Tenant.ID, 0, 10*time.Millisecond, func(ev dashi.Event) error {
				got = append(got, ev)
				if len(got) == 3 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) || len(got) != 3 {
				t.Fatalf("Subscribe returned %v after %d events", err, len(got))
			}
			for i := range got {
				if got[i].ID != evs[i].ID || string(got[i].Data) != string(evs[i].Data) {
					t.Fatalf("event %d differs from Poll's", i)
				}
			}
		})

		t.Run("subscribe stops on the callback's error and waits for new events", func(t *testing.T) {
			feed := dashi.NewFeed(e.Store)
			stop := errors.New("stop")
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			tok := e.token(t, e.Client)
			go func() {
				time.Sleep(100 * time.Millisecond)
				req, _ := http.NewRequest("POST", e.URL+dashi.AddPath+"?project="+e.project(), strings.NewReader(`{"name":"李四"}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
			var got []dashi.Event
			err := feed.Subscribe(ctx, e.Tenant.ID, evs[2].ID, 20*time.Millisecond, func(ev dashi.Event) error {
				got = append(got, ev)
				return stop
			})
			if !errors.Is(err, stop) || len(got) != 1 || got[0].Type != "add" || !strings.Contains(string(got[0].Data), "李四") {
				t.Fatalf("Subscribe returned %v with %v", err, got)
			}
		})
	})
}
