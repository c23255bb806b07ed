package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestInsertCustomersMatchesInsertCustomer: the batched path (multi-row
// statements, token rows sorted by key, companies the tenant already has
// not tokenised again) leaves exactly the rows the per-row path leaves, in
// every customer table and index table, on a few thousand generated
// customers of which some were already in the database.
func TestInsertCustomersMatchesInsertCustomer(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			const n, before = 3000, 400
			batched, perRow := storetest.Open(t, db), storetest.Open(t, db)
			var dumps [2]map[string][]string
			for i, st := range []*store.Store{batched, perRow} {
				tn, err := st.CreateTenant(ctx, "equal")
				if err != nil {
					t.Fatal(err)
				}
				cat, err := st.LoadCatalog(ctx, tn.ID)
				if err != nil {
					t.Fatal(err)
				}
				cs := genCustomers(tn.ID, n)
				perOne := func(cs []*model.Customer) error {
					return st.InTx(ctx, func(tx *store.Tx) error {
						for _, c := range cs {
							if err := tx.InsertCustomer(ctx, c, cat); err != nil {
								return err
							}
						}
						return nil
					})
				}
				// The database already has customers (and their companies).
				if err := perOne(cs[:before]); err != nil {
					t.Fatal(err)
				}
				rest := cs[before:]
				if st == perRow {
					err = perOne(rest)
				} else {
					// As an import writes: the companies of committed
					// chunks are remembered (fewer than there are, so both
					// paths run), and every other chunk is rolled back once
					// first — its companies must not count as tokenised.
					known := store.NewKnownCompanies(200)
					errRollback := fmt.Errorf("roll back")
					for start, k := 0, 0; start < len(rest) && err == nil; start, k = start+700, k+1 {
						chunk := rest[start:min(start+700, len(rest))]
						write := func(fail bool) error {
							return st.InTx(ctx, func(tx *store.Tx) error {
								tx.RememberCompanies(known)
								if err := tx.InsertCustomers(ctx, chunk, cat); err != nil {
									return err
								}
								if fail {
									return errRollback
								}
								return nil
							})
						}
						if k%2 == 0 {
							if err = write(true); err != errRollback {
								t.Fatalf("rolled back chunk: %v", err)
							}
						}
						err = write(false)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				dumps[i] = dumpTenant(t, st, tn.ID)
			}
			for table, want := range dumps[1] {
				got := dumps[0][table]
				if len(want) == 0 && table != "customer_events" {
					t.Errorf("%s: no rows at all: the test checks nothing", table)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: batched path wrote %d rows, per-row path %d", table, len(got), len(want))
					for i := 0; i < max(len(got), len(want)); i++ {
						var g, w string
						if i < len(got) {
							g = got[i]
						}
						if i < len(want) {
							w = want[i]
						}
						if g != w {
							t.Errorf("%s first difference at row %d:\n batched %s\n per-row %s", table, i, g, w)
							break
						}
					}
				}
			}
		})
	}
}

// genCustomers makes n customers of a tenant with fixed ids and times, so
// two databases get the same ones: fakedata's names, phones, emails, ID
// numbers, companies (many repeated), remarks and addresses, varied
// statuses and an external id on some.
func genCustomers(tenant int64, n int) []*model.Customer {
	g := fakedata.New(fakedata.Config{Seed: 11})
	var p fakedata.Person
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]*model.Customer, n)
	for i := range out {
		g.Next(&p)
		at := base.Add(time.Duration(i) * time.Second)
		c := &model.Customer{TenantID: tenant, ID: int64(1000 + i), Name: p.Name, FirstName: p.FirstName, LastName: p.LastName,
			Phone: "+86" + p.Phone, Email: p.Email, Company: p.Company, Remark: p.Remark, Address: p.Address, City: p.City,
			IDNumber: p.IDNumber, Status: 1 + i%2, CreatedAt: at, UpdatedAt: at}
		if i%40 == 0 {
			c.Phone = "" // no phone: the partial indexes skip it
		}
		if i%7 == 0 {
			c.ExternalID = fmt.Sprintf("ext-%d", i)
		}
		if i%5 == 0 && i >= 10 {
			c.Company = out[i-10].Company // a company an earlier customer has
		}
		out[i] = c
	}
	return out
}

// dumpTenant renders every row the tenant has in the customer tables, in
// key order, without the tenant id (the two databases' tenants differ).
// Events are compared by customer and kind: the batched path's events
// carry no snapshot, by design (feed.go).
func dumpTenant(t *testing.T, st *store.Store, tenant int64) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"customers":              `SELECT * FROM customers WHERE tenant_id = ? ORDER BY id`,
		"customer_grams":         `SELECT * FROM customer_grams WHERE tenant_id = ? ORDER BY gram, customer_id`,
		"value_grams":            `SELECT * FROM value_grams WHERE tenant_id = ? ORDER BY gram, value`,
		"customer_values_num":    `SELECT * FROM customer_values_num WHERE tenant_id = ? ORDER BY field_id, value, customer_id`,
		"customer_values_text":   `SELECT * FROM customer_values_text WHERE tenant_id = ? ORDER BY field_id, value, customer_id`,
		"customer_unique":        `SELECT * FROM customer_unique WHERE tenant_id = ? ORDER BY field_id, value, customer_id`,
		"customer_counts":        `SELECT project_id, status, slot, SUM(n) FROM customer_counts WHERE tenant_id = ? GROUP BY project_id, status, slot ORDER BY project_id, status, slot`,
		"customer_events":        `SELECT customer_id, kind FROM customer_events WHERE tenant_id = ? ORDER BY customer_id, kind`,
		"customer_tags":          `SELECT * FROM customer_tags WHERE tenant_id = ? ORDER BY tag_id, customer_id`,
		"customer_collaborators": `SELECT * FROM customer_collaborators WHERE tenant_id = ? ORDER BY staff_id, customer_id`,
	}
	out := map[string][]string{}
	for table, q := range queries {
		rows, err := st.Query(context.Background(), st.Rebind(q), tenant)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals, err := rowValues(rows, len(cols))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if cols[i] == "tenant_id" {
					continue
				}
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			out[table] = append(out[table], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}
