package main_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/kehu/kehu/internal/pgtest"
)

// cluster is three `kehu serve` processes on one PostgreSQL database with a
// shared KEHU_SECRET_KEY, as behind a load balancer.
type cluster struct {
	t      *testing.T
	bin    string
	dsn    string
	nodes  []*exec.Cmd
	bases  []string
	tenant string
	id     string // client id
	secret string
	next   int
	mu     sync.Mutex
}

// roundRobin returns the next node's base URL; random returns any node's.
func (c *cluster) roundRobin() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	return c.bases[c.next%len(c.bases)]
}

func (c *cluster) random() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(c.bases))))
	return c.bases[n.Int64()]
}

func (c *cluster) cli(args ...string) map[string]any {
	c.t.Helper()
	cmd := exec.Command(c.bin, append(args, "--db", c.dsn)...)
	cmd.Env = append(os.Environ(), "KEHU_LOG_LEVEL=warn")
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("kehu %v: %v", args, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		c.t.Fatalf("kehu %v printed %q", args, out)
	}
	return m
}

// newCluster starts three nodes with serve flags args (default: no rate
// budgets, recycling passes every 300 ms, private webhook targets allowed).
func newCluster(t *testing.T, args ...string) *cluster {
	if args == nil {
		args = []string{"--rate-client", "0", "--rate-address", "0", "--recycle-every", "300ms", "--webhook-allow-private"}
	}
	bin := kehuBinary(t)
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv("KEHU_SECRET_KEY", hex.EncodeToString(key)) // inherited by every node and CLI call
	c := &cluster{t: t, bin: bin, dsn: pgtest.NewDatabase(t)}
	c.cli("migrate")
	c.tenant = fmt.Sprint(int64(c.cli("tenant", "create", "--name", "multi")["id"].(float64)))
	cl := c.cli("client", "create", "--tenant", c.tenant, "--scopes", "customers:read customers:write catalog:write admin")
	c.id, c.secret = cl["clientId"].(string), cl["clientSecret"].(string)
	// The three nodes start at the same time on the same schema; rate
	// budgets are off so the load below measures nothing but correctness.
	type started struct {
		cmd  *exec.Cmd
		base string
	}
	ch := make(chan started, 3)
	dataDir := t.TempDir() // no node may need it: the key comes from the environment
	for i := 0; i < 3; i++ {
		go func() {
			cmd, base := serve(t, bin, append([]string{"--db", c.dsn, "--data-dir", dataDir}, args...)...)
			ch <- started{cmd, base}
		}()
	}
	for i := 0; i < 3; i++ {
		s := <-ch
		c.nodes = append(c.nodes, s.cmd)
		c.bases = append(c.bases, s.base)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.Process.Kill()
			n.Wait()
		}
	})
	if _, err := os.Stat(dataDir + "/secret.key"); err == nil {
		t.Fatal("a node on PostgreSQL with KEHU_SECRET_KEY wrote a key file")
	}
	return c
}

type answer struct {
	code int
	hdr  http.Header
	body []byte
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func do(base, method, path, token string, body []byte, hdr map[string]string) (answer, error) {
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}, err
}

func mustDo(t *testing.T, base, method, path, token string, body []byte, hdr map[string]string, want int) answer {
	t.Helper()
	a, err := do(base, method, path, token, body, hdr)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, base, path, err)
	}
	if a.code != want {
		t.Fatalf("%s %s%s: %d %s, want %d", method, base, path, a.code, a.body, want)
	}
	return a
}

func tanmaSigned(t *testing.T, base, path, appID, appKey, ts, body string) map[string]any {
	t.Helper()
	sum := sha256.Sum256([]byte(appID + ts + body + appKey))
	a := mustDo(t, base, "POST", path, "", []byte(body), map[string]string{"appId": appID, "timestamp": ts, "sign": hex.EncodeToString(sum[:])}, 200)
	var env map[string]any
	json.Unmarshal(a.body, &env)
	return env
}

// TestMultiNode: three kehu nodes on one PostgreSQL answer as one. Every
// piece of state that must hold across requests (customers, tokens, secret
// rotation, idempotency records, 探马 signature nonces, import jobs) is in
// the database, so any node can take any request.
func TestMultiNode(t *testing.T) {
	c := newCluster(t)
	tok := nativeToken(t, c.bases[0], c.id, c.secret)

	t.Run("read after write on every node", func(t *testing.T) {
		for i := 0; i < 30; i++ {
			w := c.roundRobin()
			if i%2 == 1 {
				w = c.random()
			}
			name := fmt.Sprintf("多节点%d", i)
			a := mustDo(t, w, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":%q,"phone":"1390000%04d"}`, name, i)), nil, 201)
			var out struct{ ID json.Number }
			json.Unmarshal(a.body, &out)
			var wg sync.WaitGroup
			for _, r := range c.bases { // the very next reads, on all nodes at once
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := do(r, "GET", "/v1/customers/"+out.ID.String(), tok, nil, nil)
					if err != nil || got.code != 200 || !strings.Contains(string(got.body), name) {
						t.Errorf("written on %s, read on %s: %d %s %v", w, r, got.code, got.body, err)
					}
				}()
			}
			wg.Wait()
		}
	})

	t.Run("a token issued on one node works on the others", func(t *testing.T) {
		for _, issuer := range c.bases {
			tk := nativeToken(t, issuer, c.id, c.secret)
			for _, r := range c.bases {
				mustDo(t, r, "GET", "/v1/customers?pageSize=1", tk, nil, nil, 200)
			}
		}
	})

	t.Run("an Idempotency-Key retry on another node replays", func(t *testing.T) {
		body := []byte(`{"records":[{"customer":{"name":"幂等多节点","phone":"13711110001"}}]}`)
		hdr := map[string]string{"Idempotency-Key": "multi-1"}
		first := mustDo(t, c.bases[0], "POST", "/v1/customers/batch", tok, body, hdr, 200)
		for _, r := range c.bases[1:] {
			again := mustDo(t, r, "POST", "/v1/customers/batch", tok, body, hdr, 200)
			if !bytes.Equal(again.body, first.body) || again.hdr.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry on %s: %s (replayed %q), first %s", r, again.body, again.hdr.Get("Idempotent-Replayed"), first.body)
			}
		}
		list := mustDo(t, c.random(), "GET", "/v1/customers?name=幂等多节点", tok, nil, nil, 200)
		if !strings.Contains(string(list.body), `"total":1`) {
			t.Fatalf("the retries wrote again: %s", list.body)
		}
	})

	t.Run("a 探马 signature replayed on another node is refused", func(t *testing.T) {
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		body := `{"customerName":"探马多节点"}`
		if env := tanmaSigned(t, c.bases[0], "/api/v3/add-clue", c.id, c.secret, ts, body); fmt.Sprint(env["code"]) != "0" {
			t.Fatalf("add-clue on node 0: %v", env)
		}
		for _, r := range c.bases[1:] {
			if env := tanmaSigned(t, r, "/api/v3/add-clue", c.id, c.secret, ts, body); fmt.Sprint(env["code"]) != "1002" {
				t.Fatalf("add-clue replayed on %s: %v, want code 1002", r, env)
			}
		}
		// A read signature is bound to its first path on every node.
		ts2 := strconv.FormatInt(time.Now().UnixMilli()+1, 10)
		if env := tanmaSigned(t, c.bases[1], "/api/v3/echo", c.id, c.secret, ts2, `{}`); fmt.Sprint(env["code"]) != "0" {
			t.Fatalf("echo: %v", env)
		}
		if env := tanmaSigned(t, c.bases[2], "/api/v3/customer/search", c.id, c.secret, ts2, `{}`); fmt.Sprint(env["code"]) != "1002" {
			t.Fatalf("echo's signature used for search on another node: %v, want 1002", env)
		}
		list := mustDo(t, c.random(), "GET", "/v1/customers?name=探马多节点", tok, nil, nil, 200)
		if !strings.Contains(string(list.body), `"total":1`) {
			t.Fatalf("a replay created a second customer: %s", list.body)
		}
	})

	t.Run("an import started on one node is reported by another", func(t *testing.T) {
		var csv bytes.Buffer
		csv.WriteString("姓名,手机\n")
		for i := 0; i < 300; i++ {
			fmt.Fprintf(&csv, "导入%d,1360000%04d\n", i, i)
		}
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "x.csv")
		fw.Write(csv.Bytes())
		mw.Close()
		a := mustDo(t, c.bases[1], "POST", "/v1/imports", tok, b.Bytes(), map[string]string{"Content-Type": mw.FormDataContentType()}, 202)
		var job map[string]any
		d := json.NewDecoder(bytes.NewReader(a.body))
		d.UseNumber()
		d.Decode(&job)
		id := fmt.Sprint(job["id"])
		deadline := time.Now().Add(30 * time.Second)
		for {
			r := c.bases[2]
			got := mustDo(t, r, "GET", "/v1/imports/"+id, tok, nil, nil, 200)
			json.Unmarshal(got.body, &job)
			if job["status"] != "queued" && job["status"] != "running" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("import %s still %v", id, job["status"])
			}
			time.Sleep(20 * time.Millisecond)
		}
		if job["status"] != "done" || fmt.Sprint(job["created"]) != "300" {
			t.Fatalf("import as node 2 reports it: %v", job)
		}
		for _, r := range c.bases {
			list := mustDo(t, r, "GET", "/v1/customers?name=导入&pageSize=1", tok, nil, nil, 200)
			if !strings.Contains(string(list.body), `"total":300`) {
				t.Fatalf("node %s after the import: %s", r, list.body)
			}
		}
	})

	t.Run("a catalogue change on one node is seen by the next request on every node", func(t *testing.T) {
		// Warm every node's catalogue cache with a field that does not exist yet.
		for i, r := range c.bases {
			mustDo(t, r, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":"目录%d","fields":{"grade":1}}`, i)), nil, 400)
		}
		mustDo(t, c.bases[0], "POST", "/v1/fields", tok, []byte(`{"key":"grade","type":"number"}`), nil, 201)
		for i, r := range c.bases { // no wait: the cache_versions row is read by every request
			mustDo(t, r, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":"目录%d","fields":{"grade":%d}}`, i, 7)), nil, 201)
		}
		for _, r := range c.bases {
			list := mustDo(t, r, "GET", "/v1/customers?filter=grade%20%3D%207&pageSize=1", tok, nil, nil, 200)
			if !strings.Contains(string(list.body), `"total":3`) {
				t.Fatalf("node %s: %s", r, list.body)
			}
		}
	})

	t.Run("kehu client rotate ends tokens on all nodes", func(t *testing.T) {
		var toks []string
		for _, b := range c.bases {
			toks = append(toks, nativeToken(t, b, c.id, c.secret))
		}
		for _, tk := range toks {
			for _, r := range c.bases {
				mustDo(t, r, "GET", "/v1/customers?pageSize=1", tk, nil, nil, 200) // warm every node's caches
			}
		}
		rotated := c.cli("client", "rotate", "--client", c.id)
		newSecret, _ := rotated["clientSecret"].(string)
		if newSecret == "" || newSecret == c.secret {
			t.Fatalf("rotate printed %v", rotated)
		}
		for _, tk := range append(toks, tok) {
			for _, r := range c.bases {
				mustDo(t, r, "GET", "/v1/customers?pageSize=1", tk, nil, nil, 401)
			}
		}
		tok = nativeToken(t, c.random(), c.id, newSecret) // the new secret works at once on any node
		// The old secret no longer gets a token (one try: failed credentials
		// count towards the client's lockout, which all nodes share).
		mustDo(t, c.random(), "POST", "/v1/oauth/token", "", []byte("grant_type=client_credentials"),
			map[string]string{"Authorization": "Basic " + basic(c.id, c.secret), "Content-Type": "application/x-www-form-urlencoded"}, 401)
		c.secret = newSecret
	})

	ycm := func(base string, form url.Values, basicAuth bool) answer {
		t.Helper()
		hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "multinode-test"}
		if basicAuth {
			hdr["Authorization"] = "Basic " + basic(c.id, c.secret)
		}
		a, err := do(base, "POST", "/dm/open_api/oauth/token", "", []byte(form.Encode()), hdr)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	ycmPair := func(a answer) (access, refresh string) {
		t.Helper()
		var out struct{ AccessToken, RefreshToken string }
		json.Unmarshal(a.body, &struct {
			A *string `json:"access_token"`
			R *string `json:"refresh_token"`
		}{&out.AccessToken, &out.RefreshToken})
		if a.code != 200 || out.AccessToken == "" || out.RefreshToken == "" {
			t.Fatalf("Yeastar token call: %d %s", a.code, a.body)
		}
		return out.AccessToken, out.RefreshToken
	}
	ycmList := func(base, access string) int {
		a, err := do(base, "GET", "/dm/open_api/v1/customers?page=1&page_size=1", access, nil, map[string]string{"User-Agent": "multinode-test"})
		if err != nil {
			t.Fatal(err)
		}
		return a.code
	}

	t.Run("a refresh token from one node refreshes on another", func(t *testing.T) {
		_, refresh := ycmPair(ycm(c.bases[0], url.Values{"grant_type": {"client_credentials"}}, true))
		for i, r := range []string{c.bases[1], c.bases[2], c.random()} {
			access, next := ycmPair(ycm(r, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, false))
			for _, n := range c.bases { // the refreshed access token works on every node
				if code := ycmList(n, access); code != 200 {
					t.Fatalf("refresh %d on %s, access token on %s: %d", i, r, n, code)
				}
			}
			refresh = next
		}
	})

	t.Run("secret rotation through one node's API ends tokens and refresh tokens on all", func(t *testing.T) {
		var toks []string
		for _, b := range c.bases {
			toks = append(toks, nativeToken(t, b, c.id, c.secret))
		}
		yAccess, yRefresh := ycmPair(ycm(c.bases[1], url.Values{"grant_type": {"client_credentials"}}, true))
		for _, n := range c.bases { // warm every node's caches with the old secret's tokens
			for _, tk := range toks {
				mustDo(t, n, "GET", "/v1/customers?pageSize=1", tk, nil, nil, 200)
			}
			if code := ycmList(n, yAccess); code != 200 {
				t.Fatalf("Yeastar list on %s: %d", n, code)
			}
		}
		a := mustDo(t, c.bases[0], "POST", "/v1/admin/clients/"+c.id+"/rotate", toks[0], nil, nil, 200)
		var rotated struct{ ClientSecret string }
		json.Unmarshal(a.body, &rotated)
		if rotated.ClientSecret == "" || rotated.ClientSecret == c.secret {
			t.Fatalf("rotate answered %s", a.body)
		}
		for _, n := range c.bases { // the very next request on every node
			for _, tk := range append(toks, tok) {
				mustDo(t, n, "GET", "/v1/customers?pageSize=1", tk, nil, nil, 401)
			}
			if code := ycmList(n, yAccess); code == 200 {
				t.Fatalf("a Yeastar access token of the old secret still works on %s", n)
			}
			if got := ycm(n, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {yRefresh}}, false); got.code == 200 {
				t.Fatalf("a refresh token of the old secret refreshed on %s: %s", n, got.body)
			}
		}
		c.secret = rotated.ClientSecret
		tok = nativeToken(t, c.random(), c.id, c.secret)
	})

	t.Run("each webhook delivery arrives once, whichever nodes deliver", func(t *testing.T) {
		// The receiver fails the first attempt of every fifth customer's
		// add: that one is retried (one node's retry loop) while the
		// others arrive from the feed cursor (the lease holder); either
		// way each delivery succeeds once. One customer edited through
		// every node has its changes arrive in order.
		var mu sync.Mutex
		seen := map[string]int{}      // webhook-id → successful deliveries
		failed := map[string]bool{}   // webhook-ids answered 503 once
		customers := map[string]int{} // customer id → successful deliveries of its add
		var remarks []string          // the edited customer's remarks, in arrival order
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev struct {
				Data struct {
					Kind     string
					Customer struct {
						ID           json.Number
						Name, Remark string
					}
				}
			}
			b, _ := io.ReadAll(r.Body)
			json.Unmarshal(b, &ev)
			id := r.Header.Get("webhook-id")
			mu.Lock()
			defer mu.Unlock()
			var i int
			if _, err := fmt.Sscanf(ev.Data.Customer.Name, "钩子%d", &i); err == nil && i%5 == 0 && ev.Data.Kind == "add" && !failed[id] {
				failed[id] = true
				w.WriteHeader(503)
				return
			}
			seen[id]++
			if ev.Data.Kind == "add" {
				customers[ev.Data.Customer.ID.String()]++
			} else {
				remarks = append(remarks, ev.Data.Customer.Remark)
			}
		}))
		defer hook.Close()
		mustDo(t, c.bases[2], "POST", "/v1/webhooks", tok, []byte(fmt.Sprintf(`{"url":%q,"kinds":["add","edit"]}`, hook.URL)), nil, 201)
		const n, edits = 40, 6
		want := map[string]bool{}
		var edited string
		for i := 0; i < n; i++ {
			base := c.roundRobin()
			if i%2 == 1 {
				base = c.random()
			}
			a := mustDo(t, base, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":"钩子%d"}`, i)), nil, 201)
			var out struct{ ID json.Number }
			json.Unmarshal(a.body, &out)
			want[out.ID.String()] = true
			if i == 1 {
				edited = out.ID.String()
			}
		}
		for j := 1; j <= edits; j++ {
			mustDo(t, c.roundRobin(), "PATCH", "/v1/customers/"+edited, tok, []byte(fmt.Sprintf(`{"remark":"%d"}`, j)), nil, 200)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			got := len(seen)
			mu.Unlock()
			if got >= n+edits {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d deliveries arrived", got, n+edits)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(2 * time.Second) // time for a duplicate to show up
		mu.Lock()
		defer mu.Unlock()
		for id, k := range seen {
			if k != 1 {
				t.Errorf("delivery %s arrived %d times", id, k)
			}
		}
		for id := range want {
			if customers[id] != 1 {
				t.Errorf("customer %s: %d deliveries, want 1", id, customers[id])
			}
		}
		if len(seen) != n+edits || len(failed) != n/5 {
			t.Errorf("%d deliveries for %d new customers and %d edits (%d failed once, want %d)", len(seen), n, edits, len(failed), n/5)
		}
		for j, r := range remarks {
			if r != strconv.Itoa(j+1) {
				t.Fatalf("the edited customer's changes arrived as %v, not in order", remarks)
			}
		}
	})

	t.Run("公海 recycling moves each due customer once across nodes", func(t *testing.T) {
		a := mustDo(t, c.bases[0], "POST", "/v1/staff", tok, []byte(`{"name":"回收销售"}`), nil, 201)
		var staff struct{ ID json.Number }
		json.Unmarshal(a.body, &staff)
		a = mustDo(t, c.bases[1], "POST", "/v1/pools", tok, []byte(`{"name":"多节点公海","rules":{"recycleNoFollowDays":3}}`), nil, 201)
		var pool struct{ ID json.Number }
		json.Unmarshal(a.body, &pool)
		const n = 30
		var ids []string
		for i := 0; i < n; i++ {
			a := mustDo(t, c.random(), "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":"回收%d"}`, i)), nil, 201)
			var out struct{ ID json.Number }
			json.Unmarshal(a.body, &out)
			ids = append(ids, out.ID.String())
		}
		list := "[" + strings.Join(ids, ",") + "]"
		mustDo(t, c.bases[2], "POST", "/v1/pools/"+pool.ID.String()+"/move", tok, []byte(`{"customerIds":`+list+`}`), nil, 200)
		mustDo(t, c.bases[0], "POST", "/v1/pools/"+pool.ID.String()+"/assign", tok, []byte(`{"customerIds":`+list+`,"staffId":`+staff.ID.String()+`}`), nil, 200)
		before := 0
		for _, b := range c.bases {
			before += metricSum(t, b, "kehu_pool_recycled_total")
		}
		// The rep got them 30 days ago and never followed up: all due.
		db, err := sql.Open("pgx", c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := db.Exec(`UPDATE customers SET claimed_at = claimed_at - $1 WHERE tenant_id = $2 AND owner_id = $3`,
			int64(30*24*time.Hour/time.Millisecond), c.tenant, staff.ID.String())
		if k, _ := res.RowsAffected(); err != nil || k != n {
			t.Fatalf("aging the claims: %d rows, %v", k, err)
		}
		inPool := "/v1/customers?pageSize=1&filter=" + url.QueryEscape("inPool = true && pool = "+pool.ID.String()+` && name ~ "回收"`)
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(string(mustDo(t, c.random(), "GET", inPool, tok, nil, nil, 200).body), fmt.Sprintf(`"total":%d`, n)) {
			if time.Now().After(deadline) {
				t.Fatalf("not all %d due customers were recycled", n)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// A pass adds to the metric when it ends, which on a loaded
		// machine can be a while after its batch committed: wait for
		// the count, then for several more passes, on whichever nodes
		// take the lease, to show a second move if there were one.
		recycled := func() int {
			moved := -before
			for _, b := range c.bases {
				moved += metricSum(t, b, "kehu_pool_recycled_total")
			}
			return moved
		}
		for until := time.Now().Add(30 * time.Second); recycled() < n && time.Now().Before(until); {
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(time.Second)
		if moved := recycled(); moved != n {
			t.Fatalf("the nodes recycled %d times for %d due customers", moved, n)
		}
	})

	t.Run("kill -9 of one node loses no acknowledged write", func(t *testing.T) {
		var mu sync.Mutex
		var acked []string
		var wg sync.WaitGroup
		ctx, stop := context.WithCancel(context.Background())
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					base := c.bases[(w+i)%len(c.bases)]
					a, err := do(base, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":"负载%d-%d","phone":"135%04d%04d"}`, w, i, w, i)), nil)
					if err != nil || a.code != 201 {
						if base != c.bases[2] {
							t.Errorf("node %s failed while another node died: %d %s %v", base, a.code, a.body, err)
						}
						continue // the dead node; a balancer would retry elsewhere
					}
					var out struct{ ID json.Number }
					json.Unmarshal(a.body, &out)
					mu.Lock()
					acked = append(acked, out.ID.String())
					mu.Unlock()
				}
			}(w)
		}
		time.Sleep(400 * time.Millisecond)
		c.nodes[2].Process.Kill() // SIGKILL: no drain, no goodbye
		c.nodes[2].Wait()
		time.Sleep(400 * time.Millisecond)
		stop()
		wg.Wait()
		if len(acked) < 20 {
			t.Fatalf("only %d writes acknowledged", len(acked))
		}
		for i, id := range acked {
			r := c.bases[i%2] // the survivors
			mustDo(t, r, "GET", "/v1/customers/"+id, tok, nil, nil, 200)
		}
		t.Logf("%d acknowledged writes across the kill, all present through the surviving nodes", len(acked))
	})
}

func basic(id, secret string) string {
	req, _ := http.NewRequest("GET", "http://x", nil)
	req.SetBasicAuth(id, secret)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// TestClientCommandsNeedSharedKeyOnPostgres: on a real PostgreSQL database,
// `kehu client create` and `rotate` without KEHU_SECRET_KEY refuse (and
// write nothing) instead of sealing the secret under a key file that no
// node shares; --allow-local-secret-key is the single-node way out.
func TestClientCommandsNeedSharedKeyOnPostgres(t *testing.T) {
	bin := kehuBinary(t)
	dsn := pgtest.NewDatabase(t)
	t.Setenv("KEHU_SECRET_KEY", "")
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append(args, "--db", dsn, "--data-dir", dir)...)
		cmd.Env = append(os.Environ(), "KEHU_LOG_LEVEL=warn")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	out, err := run("tenant", "create", "--name", "key")
	if err != nil {
		t.Fatalf("tenant create: %v %s", err, out)
	}
	var tenant struct{ ID int64 }
	json.Unmarshal([]byte(out), &tenant)
	tid := strconv.FormatInt(tenant.ID, 10)
	if out, err := run("client", "create", "--tenant", tid); err == nil || !strings.Contains(out, "KEHU_SECRET_KEY") {
		t.Fatalf("client create without a shared key: %v %s", err, out)
	}
	if list, _ := run("client", "list", "--tenant", tid); strings.TrimSpace(list) != "" {
		t.Fatalf("a refused client create wrote a client: %s", list)
	}
	out, err = run("client", "create", "--tenant", tid, "--allow-local-secret-key")
	if err != nil {
		t.Fatalf("client create --allow-local-secret-key: %v %s", err, out)
	}
	var cl struct{ ClientID string }
	json.Unmarshal([]byte(out), &cl)
	if _, err := os.Stat(dir + "/secret.key"); err != nil {
		t.Fatalf("--allow-local-secret-key made no key file: %v", err)
	}
	if out, err := run("client", "rotate", "--client", cl.ClientID); err == nil || !strings.Contains(out, "KEHU_SECRET_KEY") {
		t.Fatalf("client rotate without a shared key: %v %s", err, out)
	}
	if out, err := run("client", "rotate", "--client", cl.ClientID, "--allow-local-secret-key"); err != nil {
		t.Fatalf("client rotate --allow-local-secret-key: %v %s", err, out)
	}
}

// metricSum adds up every sample of a counter family on a node's /metrics.
func metricSum(t *testing.T, base, name string) int {
	t.Helper()
	a := mustDo(t, base, "GET", "/metrics", "", nil, nil, 200)
	sum := 0.0
	for _, line := range strings.Split(string(a.body), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok && (strings.HasPrefix(rest, "{") || strings.HasPrefix(rest, " ")) {
			f := strings.Fields(rest)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return int(sum)
}

// TestMultiNodeRateBudget: a client's budget is the cluster's, as with one
// node: three nodes started with --rate-client 30 --nodes 3 each admit a
// third, so a burst spread round robin and at random gets the budget's
// burst (2 s × 30) plus 30/s, not three times that, and every refusal is a
// 429 with Retry-After.
func TestMultiNodeRateBudget(t *testing.T) {
	c := newCluster(t, "--rate-client", "30", "--nodes", "3", "--rate-address", "0")
	tok := nativeToken(t, c.bases[0], c.id, c.secret)
	var mu sync.Mutex
	ok, refused := 0, 0
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				base := c.roundRobin()
				if w%2 == 1 {
					base = c.random()
				}
				a, err := do(base, "GET", "/v1/customers?pageSize=1", tok, nil, nil)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				switch {
				case a.code == 200:
					ok++
				case a.code == 429 && a.hdr.Get("Retry-After") != "":
					refused++
				default:
					t.Errorf("%s: %d %s (Retry-After %q)", base, a.code, a.body, a.hdr.Get("Retry-After"))
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	most := 60 + 30*elapsed + 3 // the cluster's burst and refill, one node's rounding each
	t.Logf("%d admitted, %d refused in %.2f s (budget: at most %.0f)", ok, refused, elapsed, most)
	if float64(ok) > most {
		t.Fatalf("the cluster admitted %d requests in %.2f s: more than the budget's %.0f", ok, elapsed, most)
	}
	if ok < 50 {
		t.Fatalf("the cluster admitted only %d of a burst: the nodes do not each admit their share", ok)
	}
	if refused == 0 {
		t.Fatal("nothing was refused")
	}
}

// TestMultiNodeDrain: SIGTERM to one node under load spread over three: it
// stops taking connections, finishes what it took and exits 0; the other
// nodes never fail a request, and every acknowledged write, whichever node
// took it, is read back through the survivors.
func TestMultiNodeDrain(t *testing.T) {
	c := newCluster(t)
	tok := nativeToken(t, c.bases[0], c.id, c.secret)
	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				base := c.bases[(w+i)%len(c.bases)]
				a, err := do(base, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":"排空%d-%d"}`, w, i)), nil)
				if err != nil || a.code != 201 {
					if base != c.bases[1] {
						t.Errorf("node %s failed while another drained: %d %s %v", base, a.code, a.body, err)
					}
					continue // the draining node refuses new connections
				}
				var out struct{ ID json.Number }
				json.Unmarshal(a.body, &out)
				mu.Lock()
				acked = append(acked, out.ID.String())
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(400 * time.Millisecond)
	c.nodes[1].Process.Signal(syscall.SIGTERM)
	err := c.nodes[1].Wait()
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("the drained node exited with %v, want 0", err)
	}
	if len(acked) < 20 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	for i, id := range acked {
		mustDo(t, []string{c.bases[0], c.bases[2]}[i%2], "GET", "/v1/customers/"+id, tok, nil, nil, 200)
	}
	t.Logf("%d acknowledged writes across the drain, all present", len(acked))
}
