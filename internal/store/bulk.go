package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
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
		counts   = map[[4]int64]int64{}
		nums     [][]any
		texts    [][]any
		uniques  [][]any
		tags     [][]any
		collabs  [][]any
		events   [][]any
	)
	known, err := t.knownCompanies(ctx, cs)
	if err != nil {
		return err
	}
	if t.companies != nil {
		// Every company of this call has its value_grams rows once it
		// commits: the known ones already, the others by the rows below.
		for k := range known {
			t.newCompanies = append(t.newCompanies, k)
		}
	}
	for _, c := range cs {
		if t.bulkTenant != 0 && c.TenantID != t.bulkTenant {
			return fmt.Errorf("store: bulk insert: customer of tenant %d in a bulk transaction of tenant %d", c.TenantID, t.bulkTenant)
		}
		if c.ID == 0 {
			c.ID = idgen.Next()
		}
		ix, err := buildIndexOpts(c, cat, false)
		if err != nil {
			return err
		}
		custArgs = append(custArgs, customerArgs(c))
		tid := c.TenantID
		for _, g := range ix.grams {
			grams = append(grams, gramRow(c, g))
		}
		// A company some customer of the tenant already has, or an earlier
		// customer of this call, has its tokens: tokenise each other
		// company once.
		if norm := textindex.Normalize(c.Company); norm != "" {
			if k := (tenantCompany{tid, norm}); !known[k] {
				known[k] = true
				if t.companies != nil {
					t.newCompanies = append(t.newCompanies, k)
				}
				for _, g := range CompanyTokens(norm) {
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
		ev, err := t.bulkEventRow(ctx, c)
		if err != nil {
			return err
		}
		events = append(events, ev)
	}
	// The token rows go in in their primary keys' order (tenant, gram,
	// customer / value): the batch's inserts into one gram's range follow
	// each other on the same pages instead of jumping across the index,
	// so each page is looked up and dirtied once per batch.
	slices.SortFunc(grams, cmpKey3)
	slices.SortFunc(company, cmpKey3)
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

// tenantCompany is a normalised company name within a tenant.
type tenantCompany struct {
	tenant int64
	norm   string
}

// knownCompanies are the companies of cs that customers of their tenants
// already have: their value_grams rows exist, since those rows are written
// with the first customer of a company and never removed (migration 0002),
// so InsertCustomers need not tokenise them or probe value_grams once per
// token — for an import into a tenant with many customers most companies
// are known, and those probes were a fifth of its time. One index probe
// per distinct company (customers_company), in the caller's transaction.
func (t *Tx) knownCompanies(ctx context.Context, cs []*model.Customer) (map[tenantCompany]bool, error) {
	byTenant := map[int64][]any{}
	seen := map[tenantCompany]bool{}
	known := map[tenantCompany]bool{}
	for _, c := range cs {
		k := tenantCompany{c.TenantID, textindex.Normalize(c.Company)}
		if k.norm == "" || seen[k] {
			continue
		}
		seen[k] = true
		if t.companies.has(k) {
			known[k] = true
			continue
		}
		byTenant[k.tenant] = append(byTenant[k.tenant], k.norm)
	}
	const per = 500
	for tid, norms := range byTenant {
		for start := 0; start < len(norms); start += per {
			chunk := norms[start:min(start+per, len(norms))]
			q := `SELECT DISTINCT company_norm FROM customers WHERE tenant_id = ? AND company_norm <> '' AND company_norm IN (` + placeholders(len(chunk)) + `)`
			rows, err := t.query(ctx, q, append([]any{tid}, chunk...)...)
			if err != nil {
				return nil, fmt.Errorf("store: known companies: %w", err)
			}
			for rows.Next() {
				var norm string
				if err := rows.Scan(&norm); err != nil {
					rows.Close()
					return nil, fmt.Errorf("store: known companies: %w", err)
				}
				known[tenantCompany{tid, norm}] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("store: known companies: %w", err)
			}
		}
	}
	return known, nil
}

// KnownCompanies remembers, across the transactions of one import, the
// companies whose value_grams rows are committed, so that each batch does
// not look them up again (knownCompanies: an index probe per distinct
// company of the batch, ~35 µs a customer at a million customers, a tenth
// of a live import's writer). Only what a committed transaction wrote or
// found is kept (Tx.RememberCompanies); value_grams rows are never removed,
// so an entry stays true. It holds at most max companies (~80 bytes each);
// past that, the others are looked up as before.
type KnownCompanies struct {
	known map[tenantCompany]struct{}
	max   int
}

// NewKnownCompanies remembers up to max companies.
func NewKnownCompanies(max int) *KnownCompanies {
	return &KnownCompanies{known: map[tenantCompany]struct{}{}, max: max}
}

func (k *KnownCompanies) has(c tenantCompany) bool {
	if k == nil {
		return false
	}
	_, ok := k.known[c]
	return ok
}

// add records the companies of a committed transaction.
func (k *KnownCompanies) add(cs []tenantCompany) {
	for _, c := range cs {
		if len(k.known) >= k.max {
			return
		}
		k.known[c] = struct{}{}
	}
}

// RememberCompanies makes InsertCustomers consult k before it looks
// companies up, and add this transaction's companies to k once it commits.
// k is used by one goroutine at a time (an import's writer).
func (t *Tx) RememberCompanies(k *KnownCompanies) {
	t.companies, t.newCompanies = k, nil
}

// cmpKey3 orders index rows by their first three values: an int64 (the
// tenant), a string (the token) and an int64 or a string.
func cmpKey3(a, b []any) int {
	if c := cmp.Compare(a[0].(int64), b[0].(int64)); c != 0 {
		return c
	}
	if c := strings.Compare(a[1].(string), b[1].(string)); c != 0 {
		return c
	}
	switch x := a[2].(type) {
	case int64:
		return cmp.Compare(x, b[2].(int64))
	case string:
		return strings.Compare(x, b[2].(string))
	}
	return 0
}
