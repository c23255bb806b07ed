package store

import (
	"context"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/textindex"
)

// Migration 0002 on a database that already has customers: company tokens
// move to value_grams, remark tokens and statuses are added to
// customer_grams, counters are filled, rows survive the table rebuild.
func TestMigration2BackfillsExistingCustomers(t *testing.T) {
	eachFresh(t, false, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, _, err := s.SchemaVersion(ctx); err != nil {
			t.Fatal(err)
		}
		ms, err := s.migrations()
		if err != nil || len(ms) < 2 {
			t.Fatalf("migrations: %v", err)
		}
		// The schema of version 1, with customers written as version 1 wrote them.
		err = s.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, ms[0].sql); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, ?)`, ms[0].name, time.Now().UnixMilli()); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO tenants (id, name, created_at) VALUES (7, 't', 0)`); err != nil {
				return err
			}
			for _, c := range []struct {
				id                    int64
				name, company, remark string
				status                int
				project               any
			}{{1, "张三", "深圳星辰科技有限公司", "老客户 VIP", 2, int64(9)}, {2, "李四", "深圳星辰科技有限公司", "", 1, nil}, {3, "王五", "", "Call back", 1, int64(9)}} {
				if _, err := tx.exec(ctx, `INSERT INTO customers (tenant_id, id, project_id, name, name_norm, company, company_norm, remark, status, created_at, updated_at)
						VALUES (7, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)`, c.id, c.project, c.name, textindex.Normalize(c.name), c.company, textindex.Normalize(c.company), c.remark, c.status); err != nil {
					return err
				}
				toks := textindex.Tokens("", c.name, true)
				if c.company != "" {
					toks = append(toks, textindex.Tokens("c", c.company, false)...)
				}
				for _, g := range toks {
					if _, err := tx.exec(ctx, `INSERT INTO customer_grams (tenant_id, gram, customer_id) VALUES (7, ?, ?)`, g, c.id); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.Migrate(ctx); err != nil || n != len(ms)-1 {
			t.Fatalf("migrate: %d, %v", n, err)
		}
		count := func(q string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := s.QueryRow(ctx, s.Rebind(q), args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM customers WHERE tenant_id = 7`); n != 3 {
			t.Errorf("%d customers after the rebuild", n)
		}
		if n := count(`SELECT COUNT(*) FROM roles WHERE tenant_id = 7 AND built_in = 1`); n != 4 {
			t.Errorf("migration 4 gave the existing tenant %d built-in roles, want 4", n)
		}
		if n := count(`SELECT COUNT(*) FROM customer_grams WHERE gram >= 'c' AND gram < 'd'`); n != 0 {
			t.Errorf("%d company tokens left in customer_grams", n)
		}
		if n := count(`SELECT COUNT(*) FROM value_grams WHERE tenant_id = 7 AND gram = 'cg:星辰' AND value = ?`, "深圳星辰科技有限公司"); n != 1 {
			t.Errorf("value_grams for the company: %d", n)
		}
		if n := count(`SELECT COUNT(*) FROM customer_grams WHERE tenant_id = 7 AND gram = 'g:张' AND status = 2`); n != 1 {
			t.Errorf("status not carried to the name tokens: %d", n)
		}
		if n := count(`SELECT COUNT(*) FROM customer_grams WHERE tenant_id = 7 AND gram = 'rg:vi' AND customer_id = 1`); n != 1 {
			t.Errorf("remark tokens missing: %d", n)
		}
		if n := count(`SELECT COUNT(*) FROM customer_grams WHERE tenant_id = 7 AND gram = 'rg:ca' AND customer_id = 3`); n != 1 {
			t.Errorf("remark tokens are not folded: %d", n)
		}
		for _, c := range []struct {
			project, status, want int64
		}{{9, 2, 1}, {0, 1, 1}, {9, 1, 1}} {
			if n := count(`SELECT COALESCE(SUM(n), 0) FROM customer_counts WHERE tenant_id = 7 AND project_id = ? AND status = ?`, c.project, c.status); n != c.want {
				t.Errorf("counter (%d, %d) = %d, want %d", c.project, c.status, n, c.want)
			}
		}
	})
}
