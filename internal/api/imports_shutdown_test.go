package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/testenv"
)

// TestShutdownCancelsImport: an import running in the background when the
// node shuts down is canceled, and shutdown returns only after the job has
// stopped and saved its final state; an upload arriving afterwards is
// refused instead of started unwatched.
func TestShutdownCancelsImport(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		rows := [][]string{{"姓名", "手机"}}
		for i := range 60000 {
			rows = append(rows, []string{fmt.Sprintf("客户%d", i), fmt.Sprintf("137%08d", i)})
		}
		file := csvOf(rows...)
		code, job := c.upload("big.csv", file, nil)
		if code != 202 {
			t.Fatalf("upload: %d %v", code, job)
		}
		id := job["id"].(json.Number).String()
		e.StopBackground() // returns after the import goroutine has ended
		var jid int64
		fmt.Sscan(id, &jid)
		j, err := e.Store.Import(t.Context(), e.Tenant.ID, jid)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != importer.StatusFailed || !strings.Contains(j.Error, "canceled") {
			t.Fatalf("after shutdown the job is %q (%q), want failed: canceled", j.Status, j.Error)
		}
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "late.csv")
		fw.Write(csvOf(rows[:3]...))
		mw.Close()
		req, _ := http.NewRequest("POST", e.URL+"/v1/imports", &b)
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || !strings.Contains(string(body), "shutting_down") {
			t.Fatalf("upload after shutdown: %d %s", resp.StatusCode, body)
		}
	})
}
