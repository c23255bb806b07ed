package main_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/pgtest"
)

// readonlyQueries reads kehu_db_readonly_queries_total{target} from a
// node's /metrics.
func readonlyQueries(t *testing.T, base, target string) int {
	t.Helper()
	a := mustDo(t, base, "GET", "/metrics", "", nil, nil, 200)
	m := regexp.MustCompile(`(?m)^kehu_db_readonly_queries_total\{target="` + target + `"\} (\S+)$`).FindSubmatch(a.body)
	if m == nil {
		t.Fatalf("no kehu_db_readonly_queries_total{target=%q} in /metrics", target)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return int(v)
}

func readyz(t *testing.T, base string) map[string]any {
	t.Helper()
	a := mustDo(t, base, "GET", "/readyz", "", nil, nil, 200)
	var out map[string]any
	json.Unmarshal(a.body, &out)
	return out
}

func replicaStatus(t *testing.T, base string) string {
	reps, _ := readyz(t, base)["replicas"].([]any)
	if len(reps) != 1 {
		t.Fatalf("/readyz lists replicas %v", reps)
	}
	st, _ := reps[0].(map[string]any)["status"].(string)
	return st
}

// TestReadReplicas: two kehu nodes on a real primary with a real hot
// standby (pg_basebackup -R) as --db-replica. Searches and customer pages
// of a client run on the standby once it has replayed that client's last
// write, else on the primary, so a client reads its own writes through any
// node at once even while the standby is frozen; a client that wrote
// nothing reads the standby (and sees it lag); the standby down, every
// read goes to the primary and /readyz says so; back up, reads return to it.
func TestReadReplicas(t *testing.T) {
	bin := kehuBinary(t)
	r := pgtest.NewReplicated(t)
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv("KEHU_SECRET_KEY", hex.EncodeToString(key))
	c := &cluster{t: t, bin: bin, dsn: r.Primary}
	c.cli("migrate")
	c.tenant = fmt.Sprint(int64(c.cli("tenant", "create", "--name", "replicas")["id"].(float64)))
	a := c.cli("client", "create", "--tenant", c.tenant, "--name", "writer")
	b := c.cli("client", "create", "--tenant", c.tenant, "--name", "reader")
	for i := 0; i < 2; i++ {
		cmd, base := serve(t, bin, "--db", r.Primary, "--db-replica", r.Standby, "--data-dir", t.TempDir(), "--rate-client", "0", "--rate-address", "0")
		c.nodes = append(c.nodes, cmd)
		c.bases = append(c.bases, base)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.Process.Kill()
			n.Wait()
		}
	})
	r.WaitCaughtUp(t)
	tokA := nativeToken(t, c.bases[0], a["clientId"].(string), a["clientSecret"].(string))
	tokB := nativeToken(t, c.bases[1], b["clientId"].(string), b["clientSecret"].(string))
	for _, n := range c.bases {
		if got := replicaStatus(t, n); got != "ready" {
			t.Fatalf("%s /readyz: replica %s: %v", n, got, readyz(t, n))
		}
	}
	create := func(base, tok, name string) string {
		t.Helper()
		got := mustDo(t, base, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":%q}`, name)), nil, 201)
		var out struct{ ID json.Number }
		json.Unmarshal(got.body, &out)
		return out.ID.String()
	}
	total := func(base, tok, name string) string {
		t.Helper()
		got := mustDo(t, base, "GET", "/v1/customers?pageSize=1&name="+name, tok, nil, nil, 200)
		m := regexp.MustCompile(`"total":(\d+)`).FindSubmatch(got.body)
		if m == nil {
			t.Fatalf("no total in %s", got.body)
		}
		return string(m[1])
	}

	t.Run("a client reads its own writes through any node", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			name := fmt.Sprintf("副本写读%d", i)
			id := create(c.roundRobin(), tokA, name)
			rd := c.random()
			mustDo(t, rd, "GET", "/v1/customers/"+id, tokA, nil, nil, 200)
			if n := total(rd, tokA, name); n != "1" {
				t.Fatalf("written then searched on %s: total %s", rd, n)
			}
		}
	})

	t.Run("the standby serves reads once it has the client's writes", func(t *testing.T) {
		r.WaitCaughtUp(t)
		before := readonlyQueries(t, c.bases[1], "replica1")
		for i := 0; i < 5; i++ {
			total(c.bases[1], tokB, "副本")
			total(c.bases[1], tokA, "副本") // A's writes are replayed: A reads the standby too
		}
		if after := readonlyQueries(t, c.bases[1], "replica1"); after < before+10 {
			t.Fatalf("replica1 ran %d read-only queries for 10 searches", after-before)
		}
	})

	t.Run("a frozen standby: the writer reads the primary, others the standby", func(t *testing.T) {
		r.PauseReplay(t)
		defer r.ResumeReplay(t)
		id := create(c.bases[0], tokA, "冻结副本")
		primaryBefore := readonlyQueries(t, c.bases[1], "primary")
		for _, n := range c.bases {
			mustDo(t, n, "GET", "/v1/customers/"+id, tokA, nil, nil, 200)
			if got := total(n, tokA, "冻结副本"); got != "1" {
				t.Fatalf("the writer searched on %s with the standby frozen: total %s", n, got)
			}
		}
		if readonlyQueries(t, c.bases[1], "primary") <= primaryBefore {
			t.Fatal("the writer's reads did not go to the primary")
		}
		// B wrote nothing: its search runs on the frozen standby, which
		// has not replayed A's new customer yet.
		if got := total(c.bases[1], tokB, "冻结副本"); got != "0" {
			t.Fatalf("the reader's search saw %s customers: it did not run on the frozen standby", got)
		}
		r.ResumeReplay(t)
		r.WaitCaughtUp(t)
		if got := total(c.bases[1], tokB, "冻结副本"); got != "1" {
			t.Fatalf("after replay the reader sees %s", got)
		}
	})

	t.Run("the standby stops under load: every read answers", func(t *testing.T) {
		// 300 customers, read 200 to a page: a search that the standby
		// was serving when it stopped fails part-way (after its first
		// rows, or at its start) and runs again on the primary.
		var recs []string
		for i := 0; i < 300; i++ {
			recs = append(recs, fmt.Sprintf(`{"customer":{"name":"中途停机%d","remark":"副本在读的时候停了"}}`, i))
		}
		mustDo(t, c.bases[0], "POST", "/v1/customers/batch", tokA, []byte(`{"records":[`+strings.Join(recs, ",")+`]}`), nil, 200)
		r.WaitCaughtUp(t)
		stop := make(chan struct{})
		errs := make(chan error, 64)
		var wg sync.WaitGroup
		var reads atomic.Int64
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					base := c.bases[i%len(c.bases)]
					a, err := do(base, "GET", "/v1/customers?pageSize=200&name=中途停机", tokB, nil, nil)
					switch {
					case err != nil:
						errs <- err
						return
					case a.code != 200 || !strings.Contains(string(a.body), `"total":300`):
						errs <- fmt.Errorf("%s: %d %.300s", base, a.code, a.body)
						return
					}
					reads.Add(1)
				}
			}()
		}
		time.Sleep(500 * time.Millisecond)
		r.StopStandby(t)
		time.Sleep(time.Second)
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("a read while the standby stopped: %v", err)
		}
		if reads.Load() < 8 {
			t.Fatalf("only %d reads ran", reads.Load())
		}
		r.StartStandby(t)
		r.WaitCaughtUp(t)
	})

	t.Run("the standby down: reads go to the primary, then back", func(t *testing.T) {
		r.StopStandby(t)
		for _, n := range c.bases {
			for _, tok := range []string{tokA, tokB} {
				if got := total(n, tok, "冻结副本"); got != "1" {
					t.Fatalf("%s with the standby down: total %s", n, got)
				}
			}
			id := create(n, tokA, "副本停机")
			mustDo(t, c.random(), "GET", "/v1/customers/"+id, tokA, nil, nil, 200)
			if got := replicaStatus(t, n); got != "down" {
				t.Fatalf("%s /readyz with the standby down: %v", n, readyz(t, n))
			}
		}
		r.StartStandby(t)
		r.WaitCaughtUp(t)
		deadline := time.Now().Add(30 * time.Second)
		for replicaStatus(t, c.bases[1]) != "ready" {
			if time.Now().After(deadline) {
				t.Fatalf("the standby is back but /readyz says %v", readyz(t, c.bases[1]))
			}
			time.Sleep(200 * time.Millisecond)
		}
		before := readonlyQueries(t, c.bases[1], "replica1")
		for i := 0; i < 3; i++ {
			if got := total(c.bases[1], tokB, "副本停机"); got != "2" {
				t.Fatalf("after the standby came back: total %s", got)
			}
		}
		if readonlyQueries(t, c.bases[1], "replica1") <= before {
			t.Fatal("reads did not return to the standby")
		}
		if !strings.Contains(fmt.Sprint(readyz(t, c.bases[0])), "ready") {
			t.Fatal("node 0 not ready")
		}
	})
}
