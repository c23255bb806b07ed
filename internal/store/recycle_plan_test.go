package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestRecycleDatePlan: the date rule's candidates (合同到期) are a range of
// the field's value index (the first page and the ones after a cursor),
// then primary-key probes of those customers — never a scan of the
// customers or of every custom value, never a sort — on both databases. PostgreSQL's plan is taken
// with sequential scans off, so it uses one only where no index serves.
func TestRecycleDatePlan(t *testing.T) {
	ctx := context.Background()
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			st := storetest.Open(t, db)
			probe := []any{int64(1)}
			for i := range 250 {
				probe = append(probe, int64(i+1))
			}
			stmts := []struct {
				name, q string
				args    []any
				want    map[string]string
			}{
				{"values", store.RecycleDateSQL(false), []any{int64(1), int64(1001), 20261201.0, -1e300, 2000},
					map[string]string{store.SQLite: "SEARCH customer_values_num USING PRIMARY KEY (tenant_id=? AND field_id=? AND value>? AND value<?)",
						store.Postgres: "Index Only Scan using customer_values_num_pkey"}},
				{"values after a cursor", store.RecycleDateSQL(true), []any{int64(1), int64(1001), 20261201.0, 20260101.0, int64(5), 2000},
					map[string]string{store.SQLite: "SEARCH customer_values_num USING PRIMARY KEY (tenant_id=? AND field_id=? AND (value,customer_id)>(?,?) AND value<?)",
						store.Postgres: "Index Only Scan using customer_values_num_pkey"}},
				{"probe", store.RecycleDateProbe, probe,
					// PostgreSQL costs every index of an empty table alike
					// (it picked customers_next_follow); the probe is the
					// shape of every read of customers by id (CustomersForUpdate).
					map[string]string{store.SQLite: "SEARCH customers USING INDEX sqlite_autoindex_customers_1 (tenant_id=? AND id=?)"}},
			}
			for _, q := range stmts {
				if q.want[db] == "" {
					continue
				}
				var plan strings.Builder
				err := st.InTx(ctx, func(tx *store.Tx) error {
					explain := "EXPLAIN QUERY PLAN "
					if db == store.Postgres {
						if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
							return err
						}
						explain = "EXPLAIN "
					}
					return explainRows(ctx, tx, explain+q.q, q.args, func(v []any) { plan.WriteString(toString(v[len(v)-1]) + "\n") })
				})
				if err != nil {
					t.Fatal(err)
				}
				p := plan.String()
				for _, b := range []string{"SCAN ", "Seq Scan", "TEMP B-TREE", "Sort"} {
					if strings.Contains(p, b) {
						t.Fatalf("%s: the plan has %q:\n%s", q.name, b, p)
					}
				}
				if !strings.Contains(p, q.want[db]) {
					t.Fatalf("%s: the plan does not have %q:\n%s", q.name, q.want[db], p)
				}
			}
		})
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	return ""
}
