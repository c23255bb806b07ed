package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// TestSQLiteLockedByAnotherWriter: another connection to the file (another
// process in production: kehu import, kehu migrate) holds SQLite's write
// lock past the 10 s busy timeout. The write that waited answers 503 with
// Retry-After and code database_unavailable, not a 500 "internal error";
// once the lock is free the same write is served.
func TestSQLiteLockedByAnotherWriter(t *testing.T) {
	e := testenv.New(t, store.SQLite)
	tok := nativeToken(t, e)
	auth := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
	create := func() answer {
		return rlSend(t, "POST", e.URL+"/v1/customers", auth, []byte(`{"name":"锁住","phone":"13657000001"}`))
	}
	other, err := store.Open(context.Background(), e.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_ = other.InTx(context.Background(), func(tx *store.Tx) error {
			if _, err := tx.Exec(context.Background(), "UPDATE tenants SET name = name"); err != nil {
				t.Error(err)
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	start := time.Now()
	an := create()
	close(release)
	<-done
	if an.status != 503 || an.hdr.Get("Retry-After") == "" || an.body["code"] != "database_unavailable" {
		t.Fatalf("a write behind another writer's lock, after %v: %d Retry-After=%q %v", time.Since(start), an.status, an.hdr.Get("Retry-After"), an.body)
	}
	if an := create(); an.status != 201 {
		t.Fatalf("the write once the lock is free: %d %v", an.status, fmt.Sprint(an.body))
	}
}
