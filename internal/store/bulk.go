package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/textindex"
)

// InsertCustomers writes many new customers with the same rows
// InsertCustomer writes (customer, index rows, "add" events), but as
// multi-row INSERT statements: bulk loads and imports spend their time in
// SQLite's B-trees instead of in per-statement overhead. Ids are assigned
// where zero. A unique violation fails the whole call; callers that need
// per-row outcomes (imports) dedupe first or fall back to InsertCustomer.
func (t *Tx) InsertCustomers(ctx context.Context, cs []*model.Customer, cat *Catalog) error {
	if len(cs) == 0 {
		return nil
	}
	var (
		custArgs [][]any
		grams    [][]any
		company  [][]any
		seenComp = map[[2]string]bool{}
		counts   = map[[4]int64]int64{}
		nums     [][]any
		texts    [][]any
		uniques  [][]any
		tags     [][]any
		collabs  [][]any
		events   [][]any
	)
	for _, c := range cs {
		if c.ID == 0 {
			c.ID = idgen.Next()
		}
		ix, err := buildIndex(c, cat)
		if err != nil {
			return err
		}
		custArgs = append(custArgs, customerArgs(c))
		tid := c.TenantID
		for _, g := range ix.grams {
			grams = append(grams, gramRow(c, g))
		}
		if len(ix.company) > 0 {
			norm := textindex.Normalize(c.Company)
			for _, g := range ix.company {
				if k := [2]string{g, norm}; !seenComp[k] {
					seenComp[k] = true
					company = append(company, []any{tid, g, norm})
				}
			}
		}
		counts[[4]int64{tid, c.ProjectID, int64(c.Status), c.ID % countSlots}]++
		for _, n := range ix.nums {
			nums = append(nums, []any{tid, n.field, n.value, c.ID})
		}
		for _, x := range ix.texts {
			texts = append(texts, []any{tid, x.field, x.value, c.ID})
		}
		for _, u := range ix.uniques {
			uniques = append(uniques, []any{tid, u.field, u.value, c.ID})
		}
		for _, tag := range uniqueInts(c.TagIDs) {
			tags = append(tags, []any{tid, tag, c.ID})
		}
		for _, s := range uniqueInts(c.CollaboratorIDs) {
			collabs = append(collabs, []any{tid, s, c.ID})
		}
		// Bulk events carry no snapshot (a million 1 kB copies would double
		// the database); readers of the feed load the customer by id.
		events = append(events, t.bulkEventRow(c))
	}
	steps := []struct {
		table, cols, suffix string
		rows                [][]any
	}{
		{"customers", insertColumns, "", custArgs},
		{"customer_grams", GramColumns, "", grams},
		{"value_grams", "tenant_id, gram, value", " ON CONFLICT DO NOTHING", company},
		{"customer_values_num", "tenant_id, field_id, value, customer_id", " ON CONFLICT DO NOTHING", nums},
		{"customer_values_text", "tenant_id, field_id, value, customer_id", " ON CONFLICT DO NOTHING", texts},
		{"customer_unique", "tenant_id, field_id, value, customer_id", "", uniques},
		{"customer_tags", "tenant_id, tag_id, customer_id", "", tags},
		{"customer_collaborators", "tenant_id, staff_id, customer_id", "", collabs},
		{"customer_events", bulkEventCols, "", events},
	}
	for _, s := range steps {
		if err := t.insertRows(ctx, s.table, s.cols, s.suffix, s.rows); err != nil {
			return err
		}
	}
	return t.addCounts(ctx, counts)
}

// maxBindVars stays below SQLite's default limit (32766) and PostgreSQL's
// 65535 bound parameters per statement.
const maxBindVars = 30000

func (t *Tx) insertRows(ctx context.Context, table, cols, suffix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, min(500, maxBindVars/width))
	one := "(" + placeholders(width) + ")"
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.Grow(len(table) + len(cols) + len(chunk)*(len(one)+2) + 32)
		verb := "INSERT INTO "
		if t.s.dialect == SQLite {
			verb = "INSERT OR FAIL INTO "
		}
		b.WriteString(verb + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, len(chunk)*width)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		b.WriteString(suffix)
		if _, err := t.execCached(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store: bulk insert into %s: %w", table, err)
		}
	}
	return nil
}

// execCached runs q through a statement prepared once per transaction, so
// the big multi-row statements of a bulk load are parsed once, not per chunk.
func (t *Tx) execCached(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	st := t.stmts[q]
	if st == nil {
		var err error
		if st, err = t.tx.PrepareContext(ctx, t.s.Rebind(q)); err != nil {
			return nil, t.s.translate(err)
		}
		t.stmts[q] = st
	}
	res, err := st.ExecContext(ctx, args...)
	return res, t.s.translate(err)
}
