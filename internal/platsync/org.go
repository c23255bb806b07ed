package platsync

import (
	"context"
	"strings"
	"sync"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// org finds kehu's staff, departments, tags, stages and custom fields by
// name, creating what is missing, so a platform's owners, tags and
// catalogue arrive as kehu's own. Everything it creates is named in the
// summary, and all of it is found again by name on a rerun (nothing is
// created twice).
type org struct {
	st     *store.Store
	tenant int64
	note   func(string)

	mu      sync.Mutex
	loaded  bool
	dirty   bool // something was created since the last take()
	staffBy map[string]int64
	deptBy  map[string]int64 // "总部/销售部" → id
	tagBy   map[string]int64
	groupID int64
	stageBy map[string]int64
}

func (o *org) load(ctx context.Context) error {
	if o.loaded {
		return nil
	}
	o.staffBy, o.deptBy, o.tagBy, o.stageBy = map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	depts, err := o.st.Departments(ctx, o.tenant)
	if err != nil {
		return err
	}
	paths := map[int64]string{}
	for _, d := range depts { // parents first
		p := d.Name
		if parent, ok := paths[d.ParentID]; ok && d.ParentID != 0 {
			p = parent + "/" + d.Name
		}
		paths[d.ID] = p
		if _, dup := o.deptBy[p]; !dup {
			o.deptBy[p] = d.ID
		}
	}
	staff, err := o.st.StaffList(ctx, o.tenant)
	if err != nil {
		return err
	}
	for _, m := range staff {
		if _, dup := o.staffBy[m.Name]; !dup {
			o.staffBy[m.Name] = m.ID
		}
	}
	groups, err := o.st.TagGroups(ctx, o.tenant)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Name == syncTagGroup {
			o.groupID = g.ID
		}
		for _, t := range g.Tags {
			if _, dup := o.tagBy[t.Name]; !dup {
				o.tagBy[t.Name] = t.ID
			}
		}
	}
	stages, err := o.st.Stages(ctx, o.tenant)
	if err != nil {
		return err
	}
	for _, s := range stages {
		if _, dup := o.stageBy[s.Name]; !dup {
			o.stageBy[s.Name] = s.ID
		}
	}
	o.loaded = true
	return nil
}

// syncTagGroup holds the tags a sync creates.
const syncTagGroup = "同步导入"

// take reports whether anything was created since the last call (the
// run then reloads crm's reference lists before validating).
func (o *org) take() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := o.dirty
	o.dirty = false
	return d
}

// changed says something was created outside org (a project).
func (o *org) changed() {
	o.mu.Lock()
	o.dirty = true
	o.mu.Unlock()
}

// staff finds a staff member by name, creating them (in their department
// path, created as needed) when missing.
func (o *org) staff(ctx context.Context, name, deptPath string) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return 0, err
	}
	if id, ok := o.staffBy[name]; ok {
		return id, nil
	}
	dept, err := o.dept(ctx, deptPath)
	if err != nil {
		return 0, err
	}
	m := &model.Staff{Name: name, DepartmentID: dept}
	if err := o.st.CreateStaff(ctx, o.tenant, m); err != nil {
		return 0, err
	}
	o.staffBy[name], o.dirty = m.ID, true
	o.note("staff " + name)
	return m.ID, nil
}

// dept finds or creates a department path "a/b/c" (o.mu held).
func (o *org) dept(ctx context.Context, path string) (int64, error) {
	path = strings.Trim(strings.TrimSpace(path), "/")
	if path == "" {
		return 0, nil
	}
	if id, ok := o.deptBy[path]; ok {
		return id, nil
	}
	parent := int64(0)
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		var err error
		if parent, err = o.dept(ctx, path[:i]); err != nil {
			return 0, err
		}
	}
	d, err := o.st.CreateDepartment(ctx, o.tenant, parent, path[strings.LastIndexByte(path, '/')+1:])
	if err != nil {
		return 0, err
	}
	o.deptBy[path], o.dirty = d.ID, true
	o.note("department " + path)
	return d.ID, nil
}

func (o *org) tag(ctx context.Context, name string) (int64, error) {
	name = strings.TrimSpace(name)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return 0, err
	}
	if id, ok := o.tagBy[name]; ok {
		return id, nil
	}
	if o.groupID == 0 {
		g, err := o.st.CreateTagGroup(ctx, o.tenant, syncTagGroup)
		if err != nil {
			return 0, err
		}
		o.groupID = g.ID
	}
	t, err := o.st.CreateTag(ctx, o.tenant, o.groupID, name)
	if err != nil {
		return 0, err
	}
	o.tagBy[name], o.dirty = t.ID, true
	o.note("tag " + name)
	return t.ID, nil
}

func (o *org) stage(ctx context.Context, name string) (int64, error) {
	name = strings.TrimSpace(name)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return 0, err
	}
	if id, ok := o.stageBy[name]; ok {
		return id, nil
	}
	s, err := o.st.CreateStage(ctx, o.tenant, name)
	if err != nil {
		return 0, err
	}
	o.stageBy[name], o.dirty = s.ID, true
	o.note("stage " + name)
	return s.ID, nil
}

// field finds the custom field keyed key (or alt) of type t, adding the
// options it lacks, or creates it. nil: kehu has a field with that key of
// another type (the platform's values are then reported, not forced).
func (o *org) field(ctx context.Context, key, alt, label string, t model.FieldType, options []string) (*model.Field, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cat, err := o.st.LoadCatalog(ctx, o.tenant)
	if err != nil {
		return nil, err
	}
	f := cat.ByKey[key]
	if f != nil && (f.System || f.Type != t) {
		key, f = alt, cat.ByKey[alt]
	}
	if f != nil && (f.System || f.Type != t) {
		return nil, nil
	}
	if f == nil {
		nf := &model.Field{Key: key, Label: label, Type: t}
		seen := map[string]bool{}
		for _, l := range options {
			if l = strings.TrimSpace(l); l != "" && !seen[l] {
				seen[l] = true
				nf.Options = append(nf.Options, model.Option{Label: l})
			}
		}
		if t != model.TypeSelect && t != model.TypeMultiSelect {
			nf.Options = nil
		}
		if err := o.st.CreateField(ctx, o.tenant, nf); err != nil {
			return nil, err
		}
		o.dirty = true
		o.note("field " + key + " (" + label + ")")
		return nf, nil
	}
	if t != model.TypeSelect && t != model.TypeMultiSelect {
		return f, nil
	}
	have := map[string]bool{}
	for _, op := range f.Options {
		if !op.Deleted {
			have[op.Label] = true
		}
	}
	added := false
	nf := *f
	nf.Options = nil
	for _, op := range f.Options {
		if !op.Deleted {
			nf.Options = append(nf.Options, op)
		}
	}
	for _, l := range options {
		if l = strings.TrimSpace(l); l != "" && !have[l] {
			have[l] = true
			nf.Options = append(nf.Options, model.Option{Label: l})
			added = true
		}
	}
	if !added {
		return f, nil
	}
	if err := o.st.UpdateField(ctx, o.tenant, &nf); err != nil {
		return nil, err
	}
	o.dirty = true
	o.note("options of field " + key)
	cat, err = o.st.LoadCatalog(ctx, o.tenant)
	if err != nil {
		return nil, err
	}
	return cat.ByKey[nf.Key], nil
}

func isSystemKey(k string) bool {
	for _, f := range model.SystemFields {
		if f.Key == k {
			return true
		}
	}
	return false
}
