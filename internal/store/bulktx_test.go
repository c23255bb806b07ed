package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestInBulkTx: a bulk transaction writes its tenant's customers, refuses
// another tenant's and a tenant that does not exist, and leaves the writer
// with its foreign keys on (SQLite turns them off for the transaction).
func TestInBulkTx(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, db)
			tn, err := st.CreateTenant(ctx, "bulk")
			if err != nil {
				t.Fatal(err)
			}
			other, err := st.CreateTenant(ctx, "other")
			if err != nil {
				t.Fatal(err)
			}
			cat, err := st.LoadCatalog(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			cs := genCustomers(tn.ID, 50)
			if err := st.InBulkTx(ctx, tn.ID, func(tx *store.Tx) error { return tx.InsertCustomers(ctx, cs[:40], cat) }); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := st.QueryRow(ctx, st.Rebind(`SELECT COUNT(*) FROM customers WHERE tenant_id = ?`), tn.ID).Scan(&n); err != nil || n != 40 {
				t.Fatalf("%d customers (%v), want 40", n, err)
			}
			for _, c := range cs[40:45] {
				c.TenantID = other.ID
			}
			if err := st.InBulkTx(ctx, tn.ID, func(tx *store.Tx) error { return tx.InsertCustomers(ctx, cs[40:45], cat) }); err == nil {
				t.Fatal("customers of another tenant written in a bulk transaction")
			}
			err = st.InBulkTx(ctx, 987654321, func(tx *store.Tx) error { return nil })
			if !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("bulk transaction of a missing tenant: %v, want ErrNotFound", err)
			}
			// The foreign keys are back: a customer of a missing tenant fails.
			orphan := cs[45:46]
			orphan[0].TenantID = 987654321
			if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomers(ctx, orphan, cat) }); err == nil {
				t.Fatal("a customer of a missing tenant was written after a bulk transaction: foreign keys off")
			}
		})
	}
}
