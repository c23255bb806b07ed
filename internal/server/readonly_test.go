package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// TestSQLiteReadOnlyServes503AndRecovers: the SQLite writer turns
// read-only (query_only here, which SQLite reports exactly as a read-only
// file or mount: SQLITE_READONLY; tests run as root, whom file modes do
// not stop). A write answers 503 with Retry-After and a message that says
// read-only, /readyz says the database refuses writes, reads still work;
// the failed write's connection is dropped, so once writes are possible
// the next one succeeds without a restart and /readyz is ready again.
func TestSQLiteReadOnlyServes503AndRecovers(t *testing.T) {
	e := testenv.New(t, store.SQLite)
	tok := nativeToken(t, e)
	auth := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
	create := func(i int) answer {
		return rlSend(t, "POST", e.URL+"/v1/customers", auth, []byte(fmt.Sprintf(`{"name":"只读%d","phone":"1365000%04d"}`, i, i)))
	}
	if an := create(1); an.status != 201 {
		t.Fatalf("first create: %d %v", an.status, an.body)
	}
	if err := e.Store.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(context.Background(), "PRAGMA query_only = ON")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	an := create(2)
	if an.status != 503 || an.hdr.Get("Retry-After") == "" || an.body["code"] != "storage_read_only" || !strings.Contains(fmt.Sprint(an.body["detail"]), "read-only") {
		t.Fatalf("write on a read-only database: %d Retry-After=%q %v", an.status, an.hdr.Get("Retry-After"), an.body)
	}
	rz := rlSend(t, "GET", e.URL+"/readyz", nil, nil)
	if rz.status != 503 || !strings.Contains(fmt.Sprint(rz.body["reason"]), "read-only") {
		t.Fatalf("/readyz while writes are refused: %d %v", rz.status, rz.body)
	}
	if an := rlSend(t, "GET", e.URL+"/v1/customers?pageSize=5", auth, nil); an.status != 200 {
		t.Fatalf("a read while writes are refused: %d %v", an.status, an.body)
	}
	// Writable again (the refusing connection was closed): served, ready.
	if an := create(3); an.status != 201 {
		t.Fatalf("write after the database is writable again: %d %v", an.status, an.body)
	}
	if rz := rlSend(t, "GET", e.URL+"/readyz", nil, nil); rz.status != 200 {
		t.Fatalf("/readyz after a write succeeded: %d %v", rz.status, rz.body)
	}
	// Nothing half written: customer 2 does not exist, 1 and 3 do.
	list := rlSend(t, "GET", e.URL+"/v1/customers?name="+"只读", auth, nil)
	if n := len(list.body["data"].([]any)); n != 2 {
		t.Fatalf("%d customers after the refused write, want 2: %v", n, list.body)
	}
}
