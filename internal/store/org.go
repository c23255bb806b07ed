package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// CreateTagGroup adds a tag group.
func (s *Store) CreateTagGroup(ctx context.Context, tenantID int64, name string) (*model.TagGroup, error) {
	g := &model.TagGroup{ID: idgen.Next(), Name: name, Tags: []model.Tag{}}
	err := s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO tag_groups (tenant_id, id, name, position) VALUES (?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM tag_groups WHERE tenant_id = ?))`,
			tenantID, g.ID, name, tenantID)
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: name}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create tag group: %w", err)
	}
	return g, nil
}

// CreateTag adds a tag to a group of the tenant.
func (s *Store) CreateTag(ctx context.Context, tenantID, groupID int64, name string) (*model.Tag, error) {
	t := &model.Tag{ID: idgen.Next(), GroupID: groupID, Name: name}
	err := s.InTx(ctx, func(tx *Tx) error {
		var one int
		if err := tx.queryRow(ctx, `SELECT 1 FROM tag_groups WHERE tenant_id = ? AND id = ?`, tenantID, groupID).Scan(&one); err != nil {
			if err == sql.ErrNoRows {
				return model.Invalid("groupId", "tag group %d does not exist", groupID)
			}
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO tags (tenant_id, id, group_id, name, position) VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM tags WHERE tenant_id = ?))`,
			tenantID, t.ID, groupID, name, tenantID)
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: name}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create tag: %w", err)
	}
	return t, nil
}

// TagGroups lists the tenant's tag groups with their tags (from the node's
// cache while the catalogue version is current; do not modify them).
func (s *Store) TagGroups(ctx context.Context, tenantID int64) ([]model.TagGroup, error) {
	e, err := s.catalogEntry(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return e.groups, nil
}

func (s *Store) tagGroups(ctx context.Context, tenantID int64) ([]model.TagGroup, error) {
	rows, err := s.query(ctx, `SELECT id, name, position FROM tag_groups WHERE tenant_id = ? ORDER BY position, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: tag groups: %w", err)
	}
	var groups []model.TagGroup
	idx := map[int64]int{}
	for rows.Next() {
		g := model.TagGroup{Tags: []model.Tag{}}
		if err := rows.Scan(&g.ID, &g.Name, &g.Position); err != nil {
			rows.Close()
			return nil, err
		}
		idx[g.ID] = len(groups)
		groups = append(groups, g)
	}
	rows.Close()
	rows, err = s.query(ctx, `SELECT id, group_id, name FROM tags WHERE tenant_id = ? ORDER BY position, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t model.Tag
		if err := rows.Scan(&t.ID, &t.GroupID, &t.Name); err != nil {
			return nil, err
		}
		if i, ok := idx[t.GroupID]; ok {
			groups[i].Tags = append(groups[i].Tags, t)
		}
	}
	return groups, rows.Err()
}

// DeleteTag removes a tag and takes it off every customer.
func (s *Store) DeleteTag(ctx context.Context, tenantID, id int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM tags WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: delete tag: %w", model.ErrNotFound)
		}
		// Take it off the customers' records too: their tag_ids feed every
		// API and the index rows a later write of the customer rebuilds.
		rows, err := tx.query(ctx, `SELECT c.id, c.tag_ids FROM customers c JOIN customer_tags t ON t.tenant_id = c.tenant_id AND t.customer_id = c.id
			WHERE t.tenant_id = ? AND t.tag_id = ?`, tenantID, id)
		if err != nil {
			return err
		}
		type tagged struct {
			id   int64
			tags sql.NullString
		}
		var cs []tagged
		for rows.Next() {
			var c tagged
			if err := rows.Scan(&c.id, &c.tags); err != nil {
				rows.Close()
				return err
			}
			cs = append(cs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range cs {
			var left []int64
			for _, t := range fromJSONList[int64](c.tags) {
				if t != id {
					left = append(left, t)
				}
			}
			if _, err := tx.exec(ctx, `UPDATE customers SET tag_ids = ? WHERE tenant_id = ? AND id = ?`, jsonList(left), tenantID, c.id); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `DELETE FROM customer_tags WHERE tenant_id = ? AND tag_id = ?`, tenantID, id)
		return err
	})
}

// CreateDepartment adds a department under parentID (0: a root).
func (s *Store) CreateDepartment(ctx context.Context, tenantID, parentID int64, name string) (*model.Department, error) {
	d := &model.Department{ID: idgen.Next(), ParentID: parentID, Name: name}
	err := s.InTx(ctx, func(tx *Tx) error {
		parentPath := "/"
		if parentID != 0 {
			if err := tx.queryRow(ctx, `SELECT path FROM departments WHERE tenant_id = ? AND id = ?`, tenantID, parentID).Scan(&parentPath); err != nil {
				if err == sql.ErrNoRows {
					return model.Invalid("parentId", "department %d does not exist", parentID)
				}
				return err
			}
		}
		d.Path = parentPath + strconv.FormatInt(d.ID, 10) + "/"
		_, err := tx.exec(ctx, `INSERT INTO departments (tenant_id, id, parent_id, name, path) VALUES (?, ?, ?, ?, ?)`,
			tenantID, d.ID, nullInt(parentID), name, d.Path)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create department: %w", err)
	}
	return d, nil
}

// Departments lists the tenant's department tree in path order (parents
// before children), from the node's cache while the catalogue version is
// current (do not modify them).
func (s *Store) Departments(ctx context.Context, tenantID int64) ([]model.Department, error) {
	e, err := s.catalogEntry(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return e.cat.Departments, nil
}

func (s *Store) departments(ctx context.Context, tenantID int64) ([]model.Department, error) {
	rows, err := s.query(ctx, `SELECT id, parent_id, name, path FROM departments WHERE tenant_id = ? ORDER BY path`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: departments: %w", err)
	}
	defer rows.Close()
	var out []model.Department
	for rows.Next() {
		var d model.Department
		var parent sql.NullInt64
		if err := rows.Scan(&d.ID, &parent, &d.Name, &d.Path); err != nil {
			return nil, err
		}
		d.ParentID = parent.Int64
		out = append(out, d)
	}
	return out, rows.Err()
}

// CreateStaff adds a staff member.
func (s *Store) CreateStaff(ctx context.Context, tenantID int64, m *model.Staff) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.createStaff(ctx, tenantID, m) })
}

func (tx *Tx) createStaff(ctx context.Context, tenantID int64, m *model.Staff) error {
	m.ID = idgen.Next()
	if m.DepartmentID != 0 {
		var one int
		if err := tx.queryRow(ctx, `SELECT 1 FROM departments WHERE tenant_id = ? AND id = ?`, tenantID, m.DepartmentID).Scan(&one); err != nil {
			if err == sql.ErrNoRows {
				return model.Invalid("departmentId", "department %d does not exist", m.DepartmentID)
			}
			return err
		}
	}
	if err := checkRole(ctx, tx, tenantID, m.RoleID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO staff (tenant_id, id, name, department_id, email, phone, role_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tenantID, m.ID, m.Name, nullInt(m.DepartmentID), m.Email, m.Phone, nullInt(m.RoleID))
	return err
}

// StaffList lists the tenant's staff by id.
func (s *Store) StaffList(ctx context.Context, tenantID int64) ([]model.Staff, error) {
	rows, err := s.query(ctx, `SELECT id, name, department_id, email, phone, role_id FROM staff WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: staff: %w", err)
	}
	defer rows.Close()
	var out []model.Staff
	for rows.Next() {
		var m model.Staff
		var dept, role sql.NullInt64
		if err := rows.Scan(&m.ID, &m.Name, &dept, &m.Email, &m.Phone, &role); err != nil {
			return nil, err
		}
		m.DepartmentID, m.RoleID = dept.Int64, role.Int64
		out = append(out, m)
	}
	return out, rows.Err()
}

// StaffInDepartments returns the ids of staff in the subtrees of the given
// departments (the departments themselves included).
func (s *Store) StaffInDepartments(ctx context.Context, tenantID int64, deptIDs []int64) ([]int64, error) {
	var ids []int64
	for _, d := range deptIDs {
		var path string
		if err := s.queryRow(ctx, `SELECT path FROM departments WHERE tenant_id = ? AND id = ?`, tenantID, d).Scan(&path); err != nil {
			if err == sql.ErrNoRows {
				continue
			}
			return nil, err
		}
		rows, err := s.query(ctx, `SELECT s.id FROM departments d JOIN staff s ON s.tenant_id = d.tenant_id AND s.department_id = d.id
			WHERE d.tenant_id = ? AND d.path >= ? AND d.path < ?`, tenantID, path, path[:len(path)-1]+"0")
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
	}
	return uniqueInts(ids), nil
}

// CreateStage appends a sales stage to the tenant's pipeline.
func (s *Store) CreateStage(ctx context.Context, tenantID int64, name string) (*model.Stage, error) {
	st := &model.Stage{ID: idgen.Next(), Name: name}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM stages WHERE tenant_id = ?`, tenantID).Scan(&st.Position); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO stages (tenant_id, id, name, position) VALUES (?, ?, ?, ?)`, tenantID, st.ID, name, st.Position)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create stage: %w", err)
	}
	return st, nil
}

// Stages lists the pipeline in order (cached like TagGroups).
func (s *Store) Stages(ctx context.Context, tenantID int64) ([]model.Stage, error) {
	e, err := s.catalogEntry(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return e.stages, nil
}

func (s *Store) stages(ctx context.Context, tenantID int64) ([]model.Stage, error) {
	rows, err := s.query(ctx, `SELECT id, name, position FROM stages WHERE tenant_id = ? ORDER BY position, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: stages: %w", err)
	}
	defer rows.Close()
	var out []model.Stage
	for rows.Next() {
		var st model.Stage
		if err := rows.Scan(&st.ID, &st.Name, &st.Position); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
