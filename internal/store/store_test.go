package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) { fn(t, storetest.Open(t, db)) })
	}
}

func TestMigrationsAreIdempotentAndChecked(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		n, err := st.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d (err %v), want 0", n, err)
		}
		if err := st.CheckSchema(ctx); err != nil {
			t.Fatalf("check after migrate: %v", err)
		}
		have, want, err := st.SchemaVersion(ctx)
		if err != nil || have != want || want < 1 {
			t.Fatalf("version %d/%d %v", have, want, err)
		}
	})
}

func TestCheckSchemaRefusesEmptyDatabase(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir()+"/empty.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CheckSchema(context.Background()); err == nil {
		t.Fatal("an unmigrated database passed the schema check")
	}
}

func newCustomer(tenant int64, name, phone string) *model.Customer {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return &model.Customer{TenantID: tenant, Name: name, Phone: phone, Status: 1, CreatedAt: now, UpdatedAt: now}
}

func TestCustomerRoundTripAndSentinels(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, _ := st.CreateTenant(ctx, "a")
		b, _ := st.CreateTenant(ctx, "b")
		cat, err := st.LoadCatalog(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := newCustomer(a.ID, "张三", "+8613812345678")
		c.Phones = []string{"+8613900000000"}
		c.CompanyIDs = []string{"1", "2"}
		c.Email = "z@example.com"
		c.ExternalID = "ext-1"
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, c, cat) }); err != nil {
			t.Fatal(err)
		}
		got, err := st.Customer(ctx, a.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != c.Name || got.Phone != c.Phone || len(got.Phones) != 1 || len(got.CompanyIDs) != 2 ||
			got.Email != c.Email || got.ExternalID != "ext-1" || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("round trip: %+v", got)
		}
		// Another tenant's id is not found, with the sentinel.
		if _, err := st.Customer(ctx, b.ID, c.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("cross-tenant read: %v", err)
		}
		// The external id is unique per tenant: a constraint decides, and
		// the error names the existing customer.
		dup := newCustomer(a.ID, "李四", "")
		dup.ExternalID = "ext-1"
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, dup, cat) })
		var ce *model.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, model.ErrConflict) || ce.ExistingID != c.ID {
			t.Fatalf("duplicate external id: %v", err)
		}
		// …but not across tenants.
		other := newCustomer(b.ID, "王五", "")
		other.ExternalID = "ext-1"
		catB, _ := st.LoadCatalog(ctx, b.ID)
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, other, catB) }); err != nil {
			t.Fatalf("same external id in another tenant: %v", err)
		}
		// A failed transaction writes nothing.
		if ids, _ := st.CustomerIDsByValues(ctx, a.ID, "external_id", []string{"ext-1"}); len(ids["ext-1"]) != 1 {
			t.Fatalf("external id rows: %v", ids)
		}
		// Delete removes the row and its index rows, and records events.
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteCustomer(ctx, got) }); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Customer(ctx, a.ID, c.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		var grams int
		if err := st.QueryRow(ctx, st.Rebind(`SELECT COUNT(*) FROM customer_grams WHERE tenant_id = ?`), a.ID).Scan(&grams); err != nil || grams != 0 {
			t.Fatalf("grams left after delete: %d %v", grams, err)
		}
		evs, err := st.Events(ctx, a.ID, store.EventFilter{Limit: 10})
		if err != nil || len(evs) != 2 || evs[0].Kind != "add" || evs[1].Kind != "delete" || evs[0].CustomerID != c.ID {
			t.Fatalf("events: %+v %v", evs, err)
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteCustomer(ctx, got) }); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestUniquePhoneIsEnforcedByTheDatabase(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, _ := st.CreateTenant(ctx, "a")
		cat, _ := st.LoadCatalog(ctx, a.ID)
		c1 := newCustomer(a.ID, "一", "+8613800000001")
		c2 := newCustomer(a.ID, "二", "+8613800000001")
		for _, c := range []*model.Customer{c1, c2} {
			if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, c, cat) }); err != nil {
				t.Fatal(err)
			}
		}
		// Marking phone unique fails while duplicates exist…
		err := st.SetSystemFieldUnique(ctx, a.ID, model.FieldPhone, true)
		if !errors.Is(err, model.ErrConflict) {
			t.Fatalf("mark unique over duplicates: %v", err)
		}
		got, _ := st.Customer(ctx, a.ID, c2.ID)
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteCustomer(ctx, got) }); err != nil {
			t.Fatal(err)
		}
		if err := st.SetSystemFieldUnique(ctx, a.ID, model.FieldPhone, true); err != nil {
			t.Fatal(err)
		}
		cat, _ = st.LoadCatalog(ctx, a.ID)
		c3 := newCustomer(a.ID, "三", "+8613800000001")
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, c3, cat) })
		var ce *model.ConflictError
		if !errors.As(err, &ce) || ce.Field != "phone" || ce.ExistingID != c1.ID {
			t.Fatalf("duplicate phone after marking unique: %v", err)
		}
		// Bulk inserts obey the same constraint.
		err = st.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertCustomers(ctx, []*model.Customer{newCustomer(a.ID, "四", "+8613800000001")}, cat)
		})
		if !errors.Is(err, model.ErrConflict) {
			t.Fatalf("bulk duplicate: %v", err)
		}
	})
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT ? , ?", "SELECT $1 , $2"},
		{"a = '?' AND b = ?", "a = '?' AND b = $1"},
		{`LIKE ? ESCAPE '\'`, `LIKE $1 ESCAPE '\'`},
		{"no params", "no params"},
	} {
		if got := store.Rebind(store.Postgres, tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := store.Rebind(store.SQLite, tc.in); got != tc.in {
			t.Errorf("sqlite Rebind changed %q", tc.in)
		}
	}
}
