package platsync_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/platsync"
)

// TestIncrementalBySince: 探马 is asked for what changed since (nothing
// comes back for a time after every change); 达实 records whose
// lastModificationTime is older than since are not written even when their
// content differs (a record older than the watermark was synced before).
func TestIncrementalBySince(t *testing.T) {
	w := newWorld(t, "sqlite")
	fx := newTanmaFixture(t, w)
	for i := range 12 {
		w.create(t, fx.customer(i))
	}
	cfg := w.config(platsync.PlatformTanma)
	cfg.Since = time.Now().Add(time.Hour)
	sum := w.sync(t, cfg)
	if sum.Seen != 0 || sum.Created != 0 || sum.Since == nil {
		t.Fatalf("探马 since the future: %+v", sum)
	}

	w2 := newWorld(t, "sqlite")
	for i := range 10 {
		w2.create(t, dashiCustomer(i, w2.project.ID))
	}
	cfg = w2.config(platsync.PlatformDashi)
	w2.sync(t, cfg)
	w2.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if !isPage(r) {
			return 0, "", 0
		}
		resp, _ := forward(r, w2.plat.URL, body)
		return 200, strings.ReplaceAll(resp, "湖南长沙", "改了但没改时间"), 0
	})
	cfg.Since = time.Now().Add(time.Hour)
	if sum := w2.sync(t, cfg); sum.Seen != 10 || sum.Unchanged != 10 || sum.Updated != 0 {
		t.Fatalf("达实 since the future: %+v", sum)
	}
	cfg.Since, cfg.Full = time.Time{}, true // the watermark is ignored: the content hashes see it
	if sum := w2.sync(t, cfg); sum.Updated != 4 {
		t.Fatalf("达实 --full: %+v", sum)
	}
}

// TestJobOverAPI: the run is an import job over the native API, and its
// report lists what could not be mapped.
func TestJobOverAPI(t *testing.T) {
	w := newWorld(t, "sqlite")
	for i := range 4 {
		w.create(t, dashiCustomer(i, w.project.ID))
	}
	w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if !isPage(r) {
			return 0, "", 0
		}
		resp, _ := forward(r, w.plat.URL, body)
		return 200, strings.Replace(resp, `"age":20`, `"age":500`, 1), 0
	})
	sum := w.sync(t, w.config(platsync.PlatformDashi))
	if sum.Created != 4 || sum.NotMapped != 1 {
		t.Fatalf("%+v", sum)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {w.dst.Client.ClientID}, "client_secret": {w.dst.Client.Secret}}
	resp, err := http.PostForm(w.dst.URL+"/v1/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	get := func(path string) string {
		req, _ := http.NewRequest("GET", w.dst.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	id := strconv.FormatInt(sum.ImportID, 10)
	job := get("/v1/imports/" + id)
	for _, want := range []string{`"status":"done"`, `"created":4`, `"format":"sync dashi"`, `"progress":1`, "达实AIoT"} {
		if !strings.Contains(job, want) {
			t.Errorf("job %s lacks %s", job, want)
		}
	}
	report := get("/v1/imports/" + id + "/report?format=csv")
	if !strings.Contains(report, "未映射") || !strings.Contains(report, "年龄") || !strings.Contains(report, "外部ID") {
		t.Errorf("report:\n%s", report)
	}
}
