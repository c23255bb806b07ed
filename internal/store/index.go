package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/textindex"
)

// Catalog is the part of a tenant's catalogue that shapes index rows:
// custom field types and which fields (system or custom) are unique.
type Catalog struct {
	Fields map[int64]*model.Field // custom and system fields by id
	ByKey  map[string]*model.Field
	Unique map[int64]bool
	// Departments (path order) and Pools (by name) are what a staff
	// caller's visibility is built from, loaded with the catalogue and
	// cached with it (catalogcache.go).
	Departments []model.Department
	Pools       []*model.Pool
}

type numRow struct {
	field int64
	value float64
}

type textRow struct {
	field int64
	value string
}

// indexRows are the rows a customer owns in the side tables.
type indexRows struct {
	grams   []string // customer_grams: name grams and pinyin
	company []string // value_grams of the normalised company name
	nums    []numRow
	texts   []textRow
	uniques []textRow
}

// CompanyGramPrefix is the field prefix of company tokens in value_grams.
const CompanyGramPrefix = "c"

// RemarkGramPrefix is the field prefix of remark tokens in customer_grams.
const RemarkGramPrefix = "r"

// NameTokens are a customer's customer_grams tokens: name grams and pinyin,
// and the remark's grams (textindex.FoldTokens) under RemarkGramPrefix.
func NameTokens(name, remark string) []string {
	t := textindex.Tokens("", name, true)
	if remark != "" {
		t = append(t, textindex.FoldTokens(RemarkGramPrefix, remark)...)
	}
	return t
}

// CompanyTokens are the value_grams tokens of a company name, stored
// against its normalised form (customers.company_norm).
func CompanyTokens(company string) []string {
	if company == "" {
		return nil
	}
	return textindex.Tokens(CompanyGramPrefix, company, false)
}

// DateNumber turns "2006-01-02" into 20060102, the indexed form of a date.
func DateNumber(s string) (float64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	n, err := strconv.Atoi(s[:4] + s[5:7] + s[8:])
	return float64(n), err == nil
}

func buildIndex(c *model.Customer, cat *Catalog) (indexRows, error) {
	return buildIndexOpts(c, cat, true)
}

// buildIndexOpts is buildIndex; without company it leaves the company
// tokens out (bulk loads tokenise each distinct company once).
func buildIndexOpts(c *model.Customer, cat *Catalog, company bool) (indexRows, error) {
	var ix indexRows
	ix.grams = NameTokens(c.Name, c.Remark)
	if company {
		ix.company = CompanyTokens(c.Company)
	}
	if cat == nil {
		return ix, nil
	}
	if len(c.Custom) > 0 {
		vals, err := customValues(c)
		if err != nil {
			return ix, fmt.Errorf("store: custom values of customer %d: %w", c.ID, err)
		}
		for k, v := range vals {
			id, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				continue
			}
			f := cat.Fields[id]
			if f == nil {
				continue // a deleted field: its value stays readable, not searchable
			}
			switch f.Type {
			case model.TypeNumber, model.TypeSelect, model.TypeDateTime:
				if n, ok := number(v); ok {
					ix.nums = append(ix.nums, numRow{id, n})
				}
			case model.TypeBool:
				if b, ok := v.(bool); ok {
					ix.nums = append(ix.nums, numRow{id, boolNum(b)})
				}
			case model.TypeDate:
				if s, ok := v.(string); ok {
					if n, ok := DateNumber(s); ok {
						ix.nums = append(ix.nums, numRow{id, n})
					}
				}
			case model.TypeMultiSelect:
				if list, ok := v.([]any); ok {
					for _, e := range list {
						if n, ok := number(e); ok {
							ix.nums = append(ix.nums, numRow{id, n})
						}
					}
				}
			case model.TypeText, model.TypeTextarea, model.TypePhone, model.TypeEmail:
				if s, ok := v.(string); ok && s != "" {
					ix.texts = append(ix.texts, textRow{id, s})
				}
			case model.TypeArea:
				if m, ok := v.(map[string]any); ok {
					code, _ := m["code"].(string)
					label, _ := m["label"].(string)
					if code != "" {
						ix.texts = append(ix.texts, textRow{id, code})
					}
					if label != "" && label != code {
						ix.texts = append(ix.texts, textRow{id, label})
					}
				}
			}
			if cat.Unique[id] {
				if s := UniqueValue(f, v); s != "" {
					ix.uniques = append(ix.uniques, textRow{id, s})
				}
			}
		}
	}
	for id := range cat.Unique {
		if id > model.MaxSystemFieldID {
			continue
		}
		if s := systemUniqueValue(c, id); s != "" {
			ix.uniques = append(ix.uniques, textRow{id, s})
		}
	}
	return ix, nil
}

// UniqueValue is the canonical string a custom value is deduplicated on.
func UniqueValue(f *model.Field, v any) string {
	switch x := v.(type) {
	case string:
		if f.Type == model.TypeText || f.Type == model.TypeTextarea {
			return textindex.Normalize(x)
		}
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func systemUniqueValue(c *model.Customer, id int64) string {
	switch id {
	case model.FieldPhone:
		return c.Phone
	case model.FieldEmail:
		return c.Email
	case model.FieldIDNumber:
		return strings.ToUpper(c.IDNumber)
	case model.FieldName:
		return textindex.Normalize(c.Name)
	case model.FieldCompany:
		return textindex.Normalize(c.Company)
	}
	return ""
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// writeIndex inserts a customer's side-table rows. Tokens go in one
// statement per table; value_grams rows may already exist (another
// customer of the same company).
func (t *Tx) writeIndex(ctx context.Context, c *model.Customer, ix indexRows) error {
	tid := c.TenantID
	if err := t.insertGrams(ctx, c, ix.grams); err != nil {
		return err
	}
	if err := t.insertCompanyGrams(ctx, tid, textindex.Normalize(c.Company), ix.company); err != nil {
		return err
	}
	for _, n := range ix.nums {
		if _, err := t.exec(ctx, `INSERT INTO customer_values_num (tenant_id, field_id, value, customer_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, tid, n.field, n.value, c.ID); err != nil {
			return fmt.Errorf("store: index values: %w", err)
		}
	}
	for _, x := range ix.texts {
		if _, err := t.exec(ctx, `INSERT INTO customer_values_text (tenant_id, field_id, value, customer_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, tid, x.field, x.value, c.ID); err != nil {
			return fmt.Errorf("store: index values: %w", err)
		}
	}
	for _, u := range ix.uniques {
		// ON CONFLICT DO NOTHING keeps a PostgreSQL transaction usable, so
		// the holder can be looked up; the constraint still decides.
		res, err := t.exec(ctx, `INSERT INTO customer_unique (tenant_id, field_id, value, customer_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, tid, u.field, u.value, c.ID)
		if err != nil {
			return fmt.Errorf("store: unique values: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			ce := &model.ConflictError{Field: fieldKey(u.field), Value: u.value}
			_ = t.queryRow(ctx, `SELECT customer_id FROM customer_unique WHERE tenant_id = ? AND field_id = ? AND value = ?`, tid, u.field, u.value).Scan(&ce.ExistingID)
			return ce
		}
	}
	for _, tag := range uniqueInts(c.TagIDs) {
		if _, err := t.exec(ctx, `INSERT INTO customer_tags (tenant_id, tag_id, customer_id) VALUES (?, ?, ?)`, tid, tag, c.ID); err != nil {
			return fmt.Errorf("store: customer tags: %w", err)
		}
	}
	for _, s := range uniqueInts(c.CollaboratorIDs) {
		if _, err := t.exec(ctx, `INSERT INTO customer_collaborators (tenant_id, staff_id, customer_id) VALUES (?, ?, ?)`, tid, s, c.ID); err != nil {
			return fmt.Errorf("store: customer collaborators: %w", err)
		}
	}
	return nil
}

// GramColumns are the columns of a customer_grams row: the token, and the
// customer columns every scoped search filters on — status, project (0 for
// none), owner (0 for none) and creation time — so a name fragment within a
// project, an owner's customers or a department, a status and a time range
// is counted and paged from the token index alone, without reading one
// customer (migration 0005).
// The pool a customer is in (0 for none) is carried the same way (migration
// 0015), so listing a pool with a name fragment is as fast.
const GramColumns = "tenant_id, gram, customer_id, status, project_id, owner_id, created_at, pool_id"

// gramWidth is the number of GramColumns.
const gramWidth = 8

// gramRow is a customer_grams row of c for token g.
func gramRow(c *model.Customer, g string) []any {
	return []any{c.TenantID, g, c.ID, int64(c.Status), c.ProjectID, c.OwnerID, model.Millis(c.CreatedAt), c.PoolID}
}

// sameGramPayload reports whether old and c have the same token rows.
func sameGramPayload(old, c *model.Customer) bool {
	return old.Name == c.Name && old.Remark == c.Remark && old.Status == c.Status && old.ProjectID == c.ProjectID &&
		old.OwnerID == c.OwnerID && model.Millis(old.CreatedAt) == model.Millis(c.CreatedAt) && old.PoolID == c.PoolID
}

// insertGrams writes a customer's name tokens with the columns they carry.
func (t *Tx) insertGrams(ctx context.Context, c *model.Customer, grams []string) error {
	if len(grams) == 0 {
		return nil
	}
	args := make([]any, 0, gramWidth*len(grams))
	for _, g := range grams {
		args = append(args, gramRow(c, g)...)
	}
	q := `INSERT INTO customer_grams (` + GramColumns + `) VALUES ` + rowPlaceholders(gramWidth, len(grams))
	if _, err := t.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("store: index grams: %w", err)
	}
	return nil
}

// insertCompanyGrams records the tokens of a normalised company name.
func (t *Tx) insertCompanyGrams(ctx context.Context, tenantID int64, company string, grams []string) error {
	if len(grams) == 0 || company == "" {
		return nil
	}
	args := make([]any, 0, 3*len(grams))
	for _, g := range grams {
		args = append(args, tenantID, g, company)
	}
	q := `INSERT INTO value_grams (tenant_id, gram, value) VALUES ` + rowPlaceholders(3, len(grams)) + ` ON CONFLICT DO NOTHING`
	if _, err := t.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("store: index company grams: %w", err)
	}
	return nil
}

// rowPlaceholders is "(?, ?), (?, ?)" for rows of width.
func rowPlaceholders(width, rows int) string {
	one := "(" + placeholders(width) + ")"
	var b strings.Builder
	b.Grow(rows * (len(one) + 2))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// clearIndex removes a customer's side-table rows; old is the stored
// version, whose tokens say which gram rows to delete. value_grams rows
// stay (see migration 0002).
func (t *Tx) clearIndex(ctx context.Context, old *model.Customer, grams bool) error {
	tid, id := old.TenantID, old.ID
	if grams {
		if err := t.deleteGrams(ctx, old, NameTokens(old.Name, old.Remark)); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`DELETE FROM customer_values_num WHERE tenant_id = ? AND customer_id = ?`,
		`DELETE FROM customer_values_text WHERE tenant_id = ? AND customer_id = ?`,
		`DELETE FROM customer_unique WHERE tenant_id = ? AND customer_id = ?`,
		`DELETE FROM customer_tags WHERE tenant_id = ? AND customer_id = ?`,
		`DELETE FROM customer_collaborators WHERE tenant_id = ? AND customer_id = ?`,
	} {
		if _, err := t.exec(ctx, q, tid, id); err != nil {
			return fmt.Errorf("store: clear index: %w", err)
		}
	}
	return nil
}

func (t *Tx) deleteGrams(ctx context.Context, c *model.Customer, grams []string) error {
	if len(grams) == 0 {
		return nil
	}
	args := make([]any, 0, len(grams)+2)
	args = append(args, c.TenantID, c.ID)
	for _, g := range grams {
		args = append(args, g)
	}
	q := `DELETE FROM customer_grams WHERE tenant_id = ? AND customer_id = ? AND gram IN (` + placeholders(len(grams)) + `)`
	if _, err := t.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("store: clear grams: %w", err)
	}
	return nil
}

// countSlots spreads a (tenant, project, status) counter over rows, so
// concurrent PostgreSQL writers rarely wait for the same row lock.
const countSlots = 8

// addCount moves the customer counter of c's (project, status) by delta.
func (t *Tx) addCount(ctx context.Context, c *model.Customer, delta int64) error {
	return t.addCounts(ctx, map[[4]int64]int64{countKeyOf(c): delta})
}

// addCounts records counter moves for the end of the transaction. Writing
// each move when it happens made every record of a batch lock its counter
// slot in the order of the records, so two batches locked the same slots in
// opposite orders and PostgreSQL killed one as a deadlock. Summed per
// transaction and written in key order just before commit (flushCounts),
// the counter rows are locked once each, in one global order, and last.
func (t *Tx) addCounts(_ context.Context, deltas map[[4]int64]int64) error {
	if t.counts == nil {
		t.counts = make(map[[4]int64]int64, len(deltas))
	}
	for k, n := range deltas {
		t.counts[k] += n
	}
	return nil
}

// flushCounts writes the transaction's counter moves in key order.
func (t *Tx) flushCounts(ctx context.Context) error {
	keys := make([][4]int64, 0, len(t.counts))
	for k, n := range t.counts {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b [4]int64) int {
		for i := range a {
			if c := cmp.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	for _, k := range keys {
		if err := t.addCountKey(ctx, k[0], k[1], k[2], k[3], t.counts[k]); err != nil {
			return err
		}
	}
	t.counts = nil
	return nil
}

// countKeyOf is the counter row of a customer.
func countKeyOf(c *model.Customer) [4]int64 {
	return [4]int64{c.TenantID, c.ProjectID, int64(c.Status), c.ID % countSlots}
}

func (t *Tx) addCountKey(ctx context.Context, tenantID, projectID, status, slot, delta int64) error {
	_, err := t.exec(ctx, `INSERT INTO customer_counts (tenant_id, project_id, status, slot, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, project_id, status, slot) DO UPDATE SET n = customer_counts.n + excluded.n`,
		tenantID, projectID, status, slot, delta)
	if err != nil {
		return fmt.Errorf("store: customer counts: %w", err)
	}
	return nil
}

func uniqueInts(v []int64) []int64 {
	if len(v) < 2 {
		return v
	}
	seen := make(map[int64]bool, len(v))
	out := v[:0:0]
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func fieldKey(id int64) string {
	for _, f := range model.SystemFields {
		if f.ID == id {
			return f.Key
		}
	}
	return strconv.FormatInt(id, 10)
}
