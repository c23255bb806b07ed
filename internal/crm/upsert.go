package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Bulk prepares many writes to one tenant — an import, a batch upsert — with
// the same validation and coercion as CreateCustomer and UpdateCustomer
// (applyInput), but with the catalogue and the reference lists (staff,
// stages, tags, projects) loaded once instead of once per record. It does
// not write: callers put the prepared customers into their own transactions
// (store.Tx.InsertCustomers, UpdateCustomer). Safe for concurrent use.
type Bulk struct {
	s        *Service
	TenantID int64
	Catalog  *store.Catalog
	Actor    model.Actor

	// What exists when the bulk was made; read-only afterwards.
	staff, stages, tags, projects map[int64]bool
}

// NewBulk loads what validating writes to a tenant needs.
func (s *Service) NewBulk(ctx context.Context, tenantID int64, actor model.Actor) (*Bulk, error) {
	cat, err := s.Store.LoadCatalog(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	b := &Bulk{s: s, TenantID: tenantID, Catalog: cat, Actor: actor, staff: map[int64]bool{}, stages: map[int64]bool{},
		tags: map[int64]bool{}, projects: map[int64]bool{}}
	staff, err := s.Store.StaffList(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, m := range staff {
		b.staff[m.ID] = true
	}
	stages, err := s.Store.Stages(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, st := range stages {
		b.stages[st.ID] = true
	}
	projects, err := s.Store.Projects(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, p := range projects {
		b.projects[p.ID] = true
	}
	groups, err := s.Store.TagGroups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		for _, t := range g.Tags {
			b.tags[t.ID] = true
		}
	}
	return b, nil
}

// Service returns the service the bulk was made from.
func (b *Bulk) Service() *Service { return b.s }

// Prepare validates in as a new customer (name required) and returns the
// customer CreateCustomer would insert, without an id.
func (b *Bulk) Prepare(ctx context.Context, in *CustomerInput) (*model.Customer, error) {
	now := b.s.now()
	c := &model.Customer{TenantID: b.TenantID, Status: model.StatusNormal, CreatedAt: now, UpdatedAt: now,
		CreatedBy: b.Actor.ID, CreatedByName: b.Actor.Name, UpdatedBy: b.Actor.ID, UpdatedByName: b.Actor.Name}
	if err := b.apply(ctx, c, in, true); err != nil {
		return nil, err
	}
	return c, nil
}

// Normalize validates in as a patch (nothing required) applied to an empty
// customer: the values as they would be stored, for matching a record to an
// existing customer before deciding whether it creates or updates.
func (b *Bulk) Normalize(ctx context.Context, in *CustomerInput) (*model.Customer, error) {
	c := &model.Customer{TenantID: b.TenantID}
	if err := b.apply(ctx, c, in, false); err != nil {
		return nil, err
	}
	return c, nil
}

// Patch applies in to a copy of old as UpdateCustomer would. changed is
// false when no stored value would change; the customer returned is then old.
func (b *Bulk) Patch(ctx context.Context, old *model.Customer, in *CustomerInput) (c *model.Customer, changed bool, err error) {
	nc := *old
	nc.UpdatedAt = b.s.now()
	nc.UpdatedBy, nc.UpdatedByName = b.Actor.ID, b.Actor.Name
	if err := b.apply(ctx, &nc, in, false); err != nil {
		return nil, false, err
	}
	if SameContent(old, &nc) {
		return old, false, nil
	}
	return &nc, true, nil
}

// IsNameRequired reports whether err is only the "name is required" of a
// create (a record without a name may still update an existing customer).
func IsNameRequired(err error) bool {
	var fe *model.FieldError
	return errors.As(err, &fe) && fe.Field == "name" && fe.Code == "required"
}

// apply is applyInput with the reference checks answered from the lists
// loaded by NewBulk: the same rules and messages as applyRefs.
func (b *Bulk) apply(ctx context.Context, c *model.Customer, in *CustomerInput, create bool) error {
	rest := *in
	rest.ProjectID, rest.OwnerID, rest.CollaboratorIDs, rest.StageID, rest.TagIDs = nil, nil, nil, nil, nil
	if err := b.s.applyInput(ctx, c, &rest, b.Catalog, create); err != nil {
		return err
	}
	if in.ProjectID != nil {
		if *in.ProjectID != 0 {
			ok, err := b.projectExists(ctx, *in.ProjectID)
			if err != nil {
				return err
			}
			if !ok {
				return model.Invalid("projectId", "project %d does not exist", *in.ProjectID)
			}
		}
		c.ProjectID = *in.ProjectID
	}
	if in.OwnerID != nil {
		if *in.OwnerID != 0 && !b.staff[*in.OwnerID] {
			return model.Invalid("ownerId", "staff %d does not exist", *in.OwnerID)
		}
		c.OwnerID = *in.OwnerID
	}
	if in.CollaboratorIDs != nil {
		ids := dedupe(*in.CollaboratorIDs)
		for _, id := range ids {
			if !b.staff[id] {
				return model.Invalid("collaboratorIds", "staff %d does not exist", id)
			}
		}
		c.CollaboratorIDs = ids
	}
	if in.StageID != nil {
		if *in.StageID != 0 && !b.stages[*in.StageID] {
			return model.Invalid("stageId", "stage %d does not exist", *in.StageID)
		}
		c.StageID = *in.StageID
	}
	if in.TagIDs != nil {
		ids := dedupe(*in.TagIDs)
		for _, id := range ids {
			if !b.tags[id] {
				return model.Invalid("tagIds", "tag %d does not exist", id)
			}
		}
		c.TagIDs = ids
	}
	return nil
}

// projectExists answers from the projects loaded with the bulk: a write
// path must not read on another connection while it may hold the writer
// (a SQLite load locks the database for its whole transaction, and such a
// read waited for the busy timeout and failed every row).
func (b *Bulk) projectExists(_ context.Context, id int64) (bool, error) {
	return b.projects[id], nil
}

// SameContent reports whether two versions of a customer hold the same
// values, ignoring who updated it and when.
func SameContent(a, b *model.Customer) bool {
	x, y := *a, *b
	x.UpdatedAt, x.UpdatedBy, x.UpdatedByName = y.UpdatedAt, y.UpdatedBy, y.UpdatedByName
	ja, err1 := json.Marshal(&x)
	jb, err2 := json.Marshal(&y)
	if err1 != nil || err2 != nil || !bytes.Equal(ja, jb) {
		return false
	}
	if bytes.Equal(a.Custom, b.Custom) {
		return true
	}
	va, err1 := a.CustomValues()
	vb, err2 := b.CustomValues()
	return err1 == nil && err2 == nil && reflect.DeepEqual(va, vb)
}
