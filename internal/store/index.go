package store

import (
	"context"
	"encoding/json"
	"fmt"
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
	grams   []string
	nums    []numRow
	texts   []textRow
	uniques []textRow
}

// NameTokens are the gram-table tokens of a customer: name grams and pinyin,
// company grams under the "c" prefix.
func NameTokens(name, company string) []string {
	t := textindex.Tokens("", name, true)
	if company != "" {
		t = append(t, textindex.Tokens("c", company, false)...)
	}
	return t
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
	var ix indexRows
	ix.grams = NameTokens(c.Name, c.Company)
	if cat == nil {
		return ix, nil
	}
	if len(c.Custom) > 0 {
		vals, err := c.CustomValues()
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

// writeIndex inserts a customer's side-table rows.
func (t *Tx) writeIndex(ctx context.Context, c *model.Customer, ix indexRows) error {
	tid := c.TenantID
	for _, g := range ix.grams {
		if _, err := t.exec(ctx, `INSERT INTO customer_grams (tenant_id, gram, customer_id) VALUES (?, ?, ?)`, tid, g, c.ID); err != nil {
			return fmt.Errorf("store: index grams: %w", err)
		}
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
		if _, err := t.exec(ctx, `INSERT INTO customer_unique (tenant_id, field_id, value, customer_id) VALUES (?, ?, ?, ?)`, tid, u.field, u.value, c.ID); err != nil {
			if isConflict(err) {
				// Look the holder up outside this transaction: PostgreSQL
				// refuses further statements in a failed transaction.
				ce := &model.ConflictError{Field: fieldKey(u.field), Value: u.value}
				_ = t.s.queryRow(ctx, `SELECT customer_id FROM customer_unique WHERE tenant_id = ? AND field_id = ? AND value = ?`, tid, u.field, u.value).Scan(&ce.ExistingID)
				return ce
			}
			return fmt.Errorf("store: unique values: %w", err)
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

// clearIndex removes a customer's side-table rows; old is the stored
// version, whose tokens say which gram rows to delete.
func (t *Tx) clearIndex(ctx context.Context, old *model.Customer) error {
	tid, id := old.TenantID, old.ID
	for _, g := range NameTokens(old.Name, old.Company) {
		if _, err := t.exec(ctx, `DELETE FROM customer_grams WHERE tenant_id = ? AND gram = ? AND customer_id = ?`, tid, g, id); err != nil {
			return fmt.Errorf("store: clear grams: %w", err)
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
