package store

import (
	"context"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/model"
)

// The packed columns are SQLite's NOT NULL text columns: a NULL would drop
// out of concat and misalign every column after it.
func TestPackedColumnsAreNotNullText(t *testing.T) {
	eachFresh(t, true, func(t *testing.T, s *Store) {
		if s.Dialect() != SQLite {
			if l := layouts[Postgres]; l.groups != 0 || len(l.packed) != 0 {
				t.Fatalf("PostgreSQL packs %d columns", len(l.packed))
			}
			return
		}
		l := layouts[SQLite]
		if len(l.packed) < 30 || l.groups < 1 {
			t.Fatalf("only %d columns packed", len(l.packed))
		}
		for _, col := range l.packed {
			var typ string
			var notNull int
			err := s.QueryRow(context.Background(), `SELECT type, "notnull" FROM pragma_table_info('customers') WHERE name = ?`, col.name).Scan(&typ, &notNull)
			if err != nil || !strings.EqualFold(typ, "TEXT") || notNull != 1 {
				t.Errorf("packed column %s: type %q not null %d (%v)", col.name, typ, notNull, err)
			}
		}
	})
}

// Text that looks like the packing itself, multi-byte text, an embedded
// NUL and empty values come back as written, on both databases.
func TestPackedColumnsRoundTrip(t *testing.T) {
	eachFresh(t, true, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ten, err := s.CreateTenant(ctx, "packed")
		if err != nil {
			t.Fatal(err)
		}
		cat, err := s.LoadCatalog(ctx, ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		odd := []string{"3:abc", "", "张三:李四", "12:", ":", "a\u0000b", "😀 emoji", strings.Repeat("长", 3000)}
		if s.Dialect() == Postgres {
			odd[5] = "a b" // PostgreSQL text holds no NUL
		}
		packed := map[string]bool{}
		for _, col := range layouts[SQLite].packed {
			packed[col.name] = true
		}
		for _, name := range []string{"name", "company", "street", "city", "remark", "nation", "profession", "updated_by_name", "pool_reason"} {
			if !packed[name] {
				t.Fatalf("%s is not packed on SQLite: the test would not test packing", name)
			}
		}
		c := &model.Customer{TenantID: ten.ID, Name: "张三", Status: 1}
		c.Company, c.Street, c.City, c.Remark, c.Nation, c.Profession, c.UpdatedByName, c.PoolReason = odd[0], odd[1], odd[2], odd[3], odd[4], odd[5], odd[6], odd[7]
		if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertCustomer(ctx, c, cat) }); err != nil {
			t.Fatal(err)
		}
		got, err := s.Customer(ctx, ten.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, pair := range [][2]string{{got.Company, c.Company}, {got.Street, c.Street}, {got.City, c.City}, {got.Remark, c.Remark},
			{got.Nation, c.Nation}, {got.Profession, c.Profession}, {got.UpdatedByName, c.UpdatedByName}, {got.PoolReason, c.PoolReason}, {got.Name, c.Name}} {
			if pair[0] != pair[1] {
				t.Errorf("value %d: got %q, wrote %q", i, pair[0], pair[1])
			}
		}
	})
}

func TestUnpackRefusesMalformed(t *testing.T) {
	cols := layouts[SQLite].packed[:2]
	for _, v := range []string{"", "1:a", "1:a1:bb", "x:a0:", "5:ab0:", "-1:0:", "0:0:extra"} {
		var c model.Customer
		var tmp scanTmp
		if err := unpack(cols, []string{v}, &c, &tmp); err == nil {
			t.Errorf("unpack(%q) = nil, want an error", v)
		}
	}
	var c model.Customer
	var tmp scanTmp
	if err := unpack(cols, []string{"2:ab0:"}, &c, &tmp); err != nil {
		t.Fatal(err)
	}
}
