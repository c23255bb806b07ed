package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// LoadCatalog reads a tenant's catalogue: system fields, custom fields with
// their options (deleted options included, so old values stay readable),
// and uniqueness flags.
//
// The result comes from the node's cache while the tenant's catalogue
// version is current (catalogcache.go): it is shared, never modify it.
func (s *Store) LoadCatalog(ctx context.Context, tenantID int64) (*Catalog, error) {
	e, err := s.catalogEntry(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return e.cat, nil
}

func (s *Store) loadCatalog(ctx context.Context, tenantID int64) (*Catalog, error) {
	cat := &Catalog{Fields: map[int64]*model.Field{}, ByKey: map[string]*model.Field{}, Unique: map[int64]bool{}}
	for i := range model.SystemFields {
		f := model.SystemFields[i]
		cat.Fields[f.ID] = &f
		cat.ByKey[f.Key] = &f
	}
	rows, err := s.query(ctx, `SELECT id, key, label, type, is_unique, is_required, position, created_at FROM fields WHERE tenant_id = ? ORDER BY position, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: load fields: %w", err)
	}
	for rows.Next() {
		f := &model.Field{Sortable: true}
		var created, unique, required int64
		if err := rows.Scan(&f.ID, &f.Key, &f.Label, &f.Type, &unique, &required, &f.Position, &created); err != nil {
			rows.Close()
			return nil, err
		}
		f.CreatedAt = model.FromMillis(created)
		f.Unique = unique != 0
		f.Required = required != 0
		f.Sortable = f.Type != model.TypeMultiSelect
		cat.Fields[f.ID] = f
		cat.ByKey[f.Key] = f
		if f.Unique {
			cat.Unique[f.ID] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, `SELECT field_id, id, label, position, deleted FROM field_options WHERE tenant_id = ? ORDER BY field_id, position, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: load options: %w", err)
	}
	for rows.Next() {
		var fid int64
		var o model.Option
		var deleted int64
		if err := rows.Scan(&fid, &o.ID, &o.Label, &o.Position, &deleted); err != nil {
			rows.Close()
			return nil, err
		}
		o.Deleted = deleted != 0
		if f := cat.Fields[fid]; f != nil && !f.System {
			f.Options = append(f.Options, o)
		}
	}
	rows.Close()
	rows, err = s.query(ctx, `SELECT field_id, is_unique FROM system_field_settings WHERE tenant_id = ?`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: load field settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fid int64
		var u int64
		if err := rows.Scan(&fid, &u); err != nil {
			return nil, err
		}
		if f := cat.Fields[fid]; f != nil && u != 0 {
			f.Unique = true
			cat.Unique[fid] = true
		}
	}
	return cat, rows.Err()
}

// List returns the catalogue's fields: system first, then custom by position.
func (c *Catalog) List() []model.Field {
	out := make([]model.Field, 0, len(c.Fields))
	for _, f := range c.Fields {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].System != out[j].System {
			return out[i].System
		}
		if out[i].Position != out[j].Position {
			return out[i].Position < out[j].Position
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Field resolves a key or a numeric id.
func (c *Catalog) Field(name string) *model.Field {
	if f := c.ByKey[name]; f != nil {
		return f
	}
	if id, err := strconv.ParseInt(name, 10, 64); err == nil {
		return c.Fields[id]
	}
	return nil
}

// CreateField inserts a custom field and its options (ids assigned here).
func (s *Store) CreateField(ctx context.Context, tenantID int64, f *model.Field) error {
	f.ID = idgen.Next()
	f.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM fields WHERE tenant_id = ?`, tenantID).Scan(&f.Position); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO fields (tenant_id, id, key, label, type, is_unique, is_required, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenantID, f.ID, f.Key, f.Label, string(f.Type), b2i(f.Unique), b2i(f.Required), f.Position, model.Millis(f.CreatedAt)); err != nil {
			if isConflict(err) {
				return &model.ConflictError{Field: "key", Value: f.Key}
			}
			return fmt.Errorf("store: create field: %w", err)
		}
		for i := range f.Options {
			f.Options[i].ID = idgen.Next()
			f.Options[i].Position = i
			if err := tx.insertOption(ctx, tenantID, f.ID, f.Options[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (t *Tx) insertOption(ctx context.Context, tenantID, fieldID int64, o model.Option) error {
	_, err := t.exec(ctx, `INSERT INTO field_options (tenant_id, field_id, id, label, position, deleted) VALUES (?, ?, ?, ?, ?, ?)`,
		tenantID, fieldID, o.ID, o.Label, o.Position, b2i(o.Deleted))
	if err != nil {
		return fmt.Errorf("store: field option: %w", err)
	}
	return nil
}

// UpdateField saves a custom field's label, uniqueness, required mark and options. Options
// with id 0 are created; options missing from f are marked deleted, never
// removed, so stored values keep their meaning.
func (s *Store) UpdateField(ctx context.Context, tenantID int64, f *model.Field) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE fields SET label = ?, type = ?, is_unique = ?, is_required = ? WHERE tenant_id = ? AND id = ?`, f.Label, string(f.Type), b2i(f.Unique), b2i(f.Required), tenantID, f.ID)
		if err != nil {
			return fmt.Errorf("store: update field: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: update field: %w", model.ErrNotFound)
		}
		keep := map[int64]bool{}
		for i := range f.Options {
			o := &f.Options[i]
			o.Position = i
			if o.ID == 0 {
				o.ID = idgen.Next()
				if err := tx.insertOption(ctx, tenantID, f.ID, *o); err != nil {
					return err
				}
			} else if _, err := tx.exec(ctx, `UPDATE field_options SET label = ?, position = ?, deleted = 0 WHERE tenant_id = ? AND field_id = ? AND id = ?`,
				o.Label, o.Position, tenantID, f.ID, o.ID); err != nil {
				return fmt.Errorf("store: update option: %w", err)
			}
			keep[o.ID] = true
		}
		rows, err := tx.query(ctx, `SELECT id FROM field_options WHERE tenant_id = ? AND field_id = ?`, tenantID, f.ID)
		if err != nil {
			return err
		}
		var drop []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if !keep[id] {
				drop = append(drop, id)
			}
		}
		rows.Close()
		for _, id := range drop {
			if _, err := tx.exec(ctx, `UPDATE field_options SET deleted = 1 WHERE tenant_id = ? AND field_id = ? AND id = ?`, tenantID, f.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteField removes a custom field from the catalogue and its index rows.
// Stored values stay in each customer's record (readable by field id in the
// export) but no longer validate, index or show.
func (s *Store) DeleteField(ctx context.Context, tenantID, id int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM fields WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: delete field: %w", model.ErrNotFound)
		}
		for _, q := range []string{
			`DELETE FROM field_options WHERE tenant_id = ? AND field_id = ?`,
			`DELETE FROM customer_values_num WHERE tenant_id = ? AND field_id = ?`,
			`DELETE FROM customer_values_text WHERE tenant_id = ? AND field_id = ?`,
			`DELETE FROM customer_unique WHERE tenant_id = ? AND field_id = ?`,
		} {
			if _, err := tx.exec(ctx, q, tenantID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetSystemFieldUnique marks a system field unique (or not) for a tenant.
// Marking fills customer_unique from existing rows and fails with a
// ConflictError if two customers already share a value.
func (s *Store) SetSystemFieldUnique(ctx context.Context, tenantID, fieldID int64, unique bool) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO system_field_settings (tenant_id, field_id, is_unique) VALUES (?, ?, ?)
			ON CONFLICT (tenant_id, field_id) DO UPDATE SET is_unique = excluded.is_unique`, tenantID, fieldID, b2i(unique)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM customer_unique WHERE tenant_id = ? AND field_id = ?`, tenantID, fieldID); err != nil {
			return err
		}
		if !unique {
			return nil
		}
		col := map[int64]string{model.FieldPhone: "phone", model.FieldEmail: "email", model.FieldIDNumber: "UPPER(id_number)", model.FieldExternalID: "external_id"}[fieldID]
		if col == "" {
			return model.Invalid("unique", "field %d cannot be marked unique", fieldID)
		}
		var dupVal string
		var n int
		err := tx.queryRow(ctx, `SELECT `+col+`, COUNT(*) FROM customers WHERE tenant_id = ? AND `+col+` IS NOT NULL AND `+col+` <> '' GROUP BY `+col+` HAVING COUNT(*) > 1 LIMIT 1`, tenantID).Scan(&dupVal, &n)
		if err == nil {
			return &model.ConflictError{Field: fieldKey(fieldID), Value: dupVal}
		} else if err != sql.ErrNoRows {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO customer_unique (tenant_id, field_id, value, customer_id)
			SELECT tenant_id, ?, `+col+`, id FROM customers WHERE tenant_id = ? AND `+col+` IS NOT NULL AND `+col+` <> ''`, fieldID, tenantID)
		return err
	})
}

// b2i stores booleans as 0/1: the schema uses integers on both databases.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
