package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// This file stores saved views of the customers list. Who sees and changes
// which view is crm's rule (crm/views.go); here is only their SQL.

const viewCols = `id, staff_id, name, q, filter_expr, sort_by, column_keys, shared, created_at, updated_at`

func scanView(sc Scanner) (*model.SavedView, error) {
	v := &model.SavedView{}
	var cols string
	var shared, created, updated int64
	if err := sc.Scan(&v.ID, &v.StaffID, &v.Name, &v.Q, &v.Filter, &v.Sort, &cols, &shared, &created, &updated); err != nil {
		return nil, err
	}
	v.Columns = []string{}
	if cols != "" {
		v.Columns = strings.Split(cols, ",")
	}
	v.Shared = shared != 0
	v.CreatedAt, v.UpdatedAt = model.FromMillis(created), model.FromMillis(updated)
	return v, nil
}

// InsertView writes a new view (v.ID assigned when zero); a name the owner
// already uses is a *model.ConflictError on "name".
func (s *Store) InsertView(ctx context.Context, tenantID int64, v *model.SavedView) error {
	if v.ID == 0 {
		v.ID = idgen.Next()
	}
	_, err := s.w.ExecContext(ctx, s.Rebind(`INSERT INTO saved_views (tenant_id, `+viewCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		tenantID, v.ID, v.StaffID, v.Name, v.Q, v.Filter, v.Sort, strings.Join(v.Columns, ","), boolInt(v.Shared),
		model.Millis(v.CreatedAt), model.Millis(v.UpdatedAt))
	if err = s.translate(err); err != nil {
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: v.Name}
		}
		return fmt.Errorf("store: insert view: %w", err)
	}
	return nil
}

// UpdateView rewrites a view's name, list state and sharing.
func (s *Store) UpdateView(ctx context.Context, tenantID int64, v *model.SavedView) error {
	res, err := s.w.ExecContext(ctx, s.Rebind(`UPDATE saved_views SET name = ?, q = ?, filter_expr = ?, sort_by = ?, column_keys = ?, shared = ?, updated_at = ?
WHERE tenant_id = ? AND id = ?`),
		v.Name, v.Q, v.Filter, v.Sort, strings.Join(v.Columns, ","), boolInt(v.Shared), model.Millis(v.UpdatedAt), tenantID, v.ID)
	if err = s.translate(err); err != nil {
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: v.Name}
		}
		return fmt.Errorf("store: update view: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: view %d: %w", v.ID, model.ErrNotFound)
	}
	return nil
}

// DeleteView removes a view.
func (s *Store) DeleteView(ctx context.Context, tenantID, id int64) error {
	res, err := s.w.ExecContext(ctx, s.Rebind(`DELETE FROM saved_views WHERE tenant_id = ? AND id = ?`), tenantID, id)
	if err = s.translate(err); err != nil {
		return fmt.Errorf("store: delete view: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: view %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// View reads one view.
func (s *Store) View(ctx context.Context, tenantID, id int64) (*model.SavedView, error) {
	v, err := scanView(s.queryRow(ctx, `SELECT `+viewCols+` FROM saved_views WHERE tenant_id = ? AND id = ?`, tenantID, id))
	if err != nil {
		return nil, notFound(s.translate(err), fmt.Sprintf("view %d", id))
	}
	return v, nil
}

// Views lists staff member staffID's own views and the tenant's shared
// ones, by name (each from its index: the union of two ranges).
func (s *Store) Views(ctx context.Context, tenantID, staffID int64) ([]model.SavedView, error) {
	rows, err := s.query(ctx, `SELECT `+viewCols+` FROM saved_views WHERE tenant_id = ? AND staff_id = ?
UNION
SELECT `+viewCols+` FROM saved_views WHERE tenant_id = ? AND shared = 1
ORDER BY name, id`, tenantID, staffID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: views: %w", err)
	}
	defer rows.Close()
	out := []model.SavedView{}
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, fmt.Errorf("store: views: %w", s.translate(err))
		}
		out = append(out, *v)
	}
	return out, s.translate(rows.Err())
}
