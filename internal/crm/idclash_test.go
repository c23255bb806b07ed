package crm_test

import (
	"context"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestIDClashDrawsAgain: a new customer whose id another node has just
// used (idgen draws the low bits at random) is written with a new id, by
// CreateCustomer and by a batch's Upsert alike, and the rest of the batch's
// transaction stays usable (on PostgreSQL the failed INSERT aborts what it
// ran in unless a savepoint or a new transaction undoes it).
func TestIDClashDrawsAgain(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			st := storetest.Open(t, db)
			ctx := context.Background()
			tn, err := st.CreateTenant(ctx, "clash")
			if err != nil {
				t.Fatal(err)
			}
			svc := crm.New(st, "CN", crm.China)
			caller := crm.SystemCaller(tn.ID, model.Actor{ID: "t"})
			first, err := svc.CreateCustomer(ctx, caller, &crm.CustomerInput{Name: crm.Ptr("先到")})
			if err != nil {
				t.Fatal(err)
			}
			// The next draw returns the taken id once, then fresh ones.
			clash := func() func() int64 {
				used := false
				return func() int64 {
					if !used {
						used = true
						return first.ID
					}
					return idgen.Next()
				}
			}
			restore := crm.SetNewID(clash())
			c, err := svc.CreateCustomer(ctx, caller, &crm.CustomerInput{Name: crm.Ptr("后到")})
			restore()
			if err != nil || c.ID == first.ID {
				t.Fatalf("create after a clash: %v (id %v)", err, c)
			}

			b, err := svc.NewBulk(ctx, caller)
			if err != nil {
				t.Fatal(err)
			}
			restore = crm.SetNewID(clash())
			defer restore()
			var ids []int64
			err = st.InTx(ctx, func(tx *store.Tx) error {
				for _, name := range []string{"批一", "批二"} {
					id, status, err := b.Upsert(ctx, tx, nil, &crm.CustomerInput{Name: crm.Ptr(name)})
					if err != nil || status != crm.Created {
						t.Errorf("upsert %s: %s %v", name, status, err)
					}
					ids = append(ids, id)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if id == first.ID {
					t.Fatalf("a batch record took the clashing id %d", id)
				}
				if _, err := st.Customer(ctx, tn.ID, id); err != nil {
					t.Fatalf("customer %d of the batch: %v", id, err)
				}
			}
			if got, _ := st.Customer(ctx, tn.ID, first.ID); got == nil || got.Name != "先到" {
				t.Fatalf("the first customer changed: %+v", got)
			}
		})
	}
}
