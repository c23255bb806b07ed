package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kehu/kehu/internal/idgen"
	"reflect"
	"strconv"

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
	Caller   *model.Caller

	acc *access
	// pool, when set (IntoPool), receives the customers the bulk creates.
	pool       *model.Pool
	poolReason string

	// What exists when the bulk was made; read-only afterwards.
	staff, stages, tags, projects map[int64]bool
}

// NewBulk loads what validating the caller's writes to its tenant needs,
// with the caller's visibility: every match, patch and conflict of the bulk
// goes through it.
func (s *Service) NewBulk(ctx context.Context, caller *model.Caller) (*Bulk, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	tenantID := caller.TenantID
	cat, err := s.Store.LoadCatalog(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	acc, err := s.access(ctx, caller, cat)
	if err != nil {
		return nil, err
	}
	b := &Bulk{s: s, TenantID: tenantID, Catalog: cat, Actor: caller.Actor(), Caller: caller, acc: acc, staff: map[int64]bool{}, stages: map[int64]bool{},
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
// customer CreateCustomer would insert, without an id: in the caller's
// project when bound, the staff member's own when the caller is one — or,
// for a bulk into a pool (IntoPool), nobody's, in the pool. in is not
// changed. Check the result with CheckCreate before inserting it.
func (b *Bulk) Prepare(ctx context.Context, in *CustomerInput) (*model.Customer, error) {
	now := b.s.now()
	c := &model.Customer{TenantID: b.TenantID, Status: model.StatusNormal, CreatedAt: now, UpdatedAt: now,
		CreatedBy: b.Actor.ID, CreatedByName: b.Actor.Name, UpdatedBy: b.Actor.ID, UpdatedByName: b.Actor.Name}
	cp := *in
	if b.pool != nil {
		if err := b.checkPoolRow(&cp); err != nil {
			return nil, err
		}
	}
	if err := bindInput(b.Caller, &cp, nil); err != nil {
		return nil, err
	}
	if err := b.apply(ctx, c, &cp, true); err != nil {
		return nil, err
	}
	if b.pool != nil {
		if err := b.placeInPool(c); err != nil {
			return nil, err
		}
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

// Patch applies in to a copy of old as UpdateCustomer would, with the same
// checks: a customer the caller may not see is model.ErrNotFound, the role
// must allow editing, the binding and owner rules hold. Read old inside the
// write transaction. changed is false when no stored value would change;
// the customer returned is then old.
func (b *Bulk) Patch(ctx context.Context, old *model.Customer, in *CustomerInput) (c *model.Customer, changed bool, err error) {
	if !b.acc.sees(old) {
		return nil, false, fmt.Errorf("crm: customer %d: %w", old.ID, model.ErrNotFound)
	}
	if err := need(b.Caller, model.PermEdit); err != nil {
		return nil, false, err
	}
	cp := *in
	keepMasked(b.Caller, b.Catalog, &cp, old)
	if err := bindInput(b.Caller, &cp, old); err != nil {
		return nil, false, err
	}
	nc := *old
	nc.UpdatedAt = b.s.now()
	nc.UpdatedBy, nc.UpdatedByName = b.Actor.ID, b.Actor.Name
	if err := b.apply(ctx, &nc, &cp, false); err != nil {
		return nil, false, err
	}
	if SameContent(old, &nc) {
		return old, false, nil
	}
	if err := b.acc.afterWrite(&nc, old); err != nil {
		return nil, false, err
	}
	return &nc, true, nil
}

// CheckCreate says whether the caller may create c (from Prepare): the
// role allows creating and the caller would see the new customer.
func (b *Bulk) CheckCreate(c *model.Customer) error {
	if err := need(b.Caller, model.PermCreate); err != nil {
		return err
	}
	return b.acc.afterWrite(c, nil)
}

// Sees reports whether the bulk's caller may see c.
func (b *Bulk) Sees(c *model.Customer) bool { return b.acc.sees(c) }

// HideConflict drops the existing customer's id from a conflict the
// caller may not know about (see Service.hideConflict).
func (b *Bulk) HideConflict(ctx context.Context, err error) error {
	return b.s.hideConflict(ctx, b.acc, err)
}

// Mask returns c as the bulk's caller may see it.
func (b *Bulk) Mask(c *model.Customer) *model.Customer { return mask(b.Caller, b.Catalog, c) }

// FindTx returns the customers the caller sees (oldest first, at most
// limit) holding a key, inside a write transaction so earlier writes of the
// same batch count. Customers the caller may not see are left out: for the
// caller they do not exist (a create on a unique key then fails with a
// conflict that names nobody).
func (b *Bulk) FindTx(ctx context.Context, tx *store.Tx, k Key, limit int) ([]int64, error) {
	ids, err := b.s.findTx(ctx, tx, b.TenantID, k, limit)
	if err != nil || b.acc.rnode == nil {
		return ids, err
	}
	var out []int64
	for _, id := range ids {
		c, err := tx.CustomerForUpdate(ctx, b.TenantID, id)
		if errors.Is(err, model.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if b.acc.sees(c) {
			out = append(out, id)
		}
	}
	return out, nil
}

// FindMany looks many values of one match field up at once (outside a
// transaction): value → customers the caller sees holding it, oldest first.
func (b *Bulk) FindMany(ctx context.Context, f *model.Field, values []string) (map[string][]int64, error) {
	m, err := b.s.findMany(ctx, b.TenantID, f, values)
	if err != nil || b.acc.rnode == nil {
		return m, err
	}
	var all []int64
	for _, ids := range m {
		all = append(all, ids...)
	}
	vis, _, err := b.s.visibleIDs(ctx, b.acc, all)
	if err != nil {
		return nil, err
	}
	keep := map[int64]bool{}
	for _, id := range vis {
		keep[id] = true
	}
	for v, ids := range m {
		var k []int64
		for _, id := range ids {
			if keep[id] {
				k = append(k, id)
			}
		}
		if len(k) == 0 {
			delete(m, v)
		} else {
			m[v] = k
		}
	}
	return m, nil
}

// Upsert outcomes.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
)

// AmbiguousError: a match key found several customers the caller sees.
type AmbiguousError struct {
	Key Key
	IDs []int64
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s matches several customers (%s); match on a unique key", e.Key, DescribeIDs(e.IDs))
}

// Match says which customer a record of a batch upsert updates: By is a
// match key name (id, externalId, phone, email, idNumber or the key of a
// field marked unique) and Value the value as the client sent it (JSON); an
// empty or null Value means the record's own value of that field.
type Match struct {
	By    string
	Value json.RawMessage
}

// Upsert writes one record of a batch inside tx, in a savepoint of its own
// so a refused record leaves tx usable and the batch's other writes in
// place. With a match, the one customer the caller sees holding its key is
// patched; none creates (carrying the matched value); several is an
// *AmbiguousError naming only customers the caller sees; matching by id
// and finding nothing is model.ErrNotFound. Without a match it creates. It
// returns the customer's id (also on a failed patch, when known) and the
// outcome (Created, Updated or Unchanged). Errors name fields as the batch
// endpoint does ("match.by", "match.value").
func (b *Bulk) Upsert(ctx context.Context, tx *store.Tx, m *Match, in *CustomerInput) (int64, string, error) {
	var key *Key
	var field *model.Field
	var raw any
	if m != nil {
		f, err := MatchField(b.Catalog, m.By)
		if err != nil {
			return 0, "", err
		}
		field = f
		if len(m.Value) > 0 && string(m.Value) != "null" {
			d := json.NewDecoder(bytes.NewReader(m.Value))
			d.UseNumber()
			if err := d.Decode(&raw); err != nil {
				return 0, "", model.Invalid("match.value", "not valid JSON")
			}
		} else {
			if raw = in.ownValue(f); raw == nil {
				return 0, "", &model.FieldError{Field: "match.value", Code: "required", Msg: "give match.value or set " + f.Key + " in customer"}
			}
		}
		k, err := b.s.NormalizeKey(b.Catalog, f, raw)
		if err != nil {
			return 0, "", err
		}
		key = &k
	}
	var id int64
	var status string
	var err error
	// A new customer whose id clashes with another node's (idgen draws the
	// low bits at random) is written again with a new id: the savepoint has
	// undone the failed INSERT, so the transaction is usable on PostgreSQL.
	for attempt := 0; ; attempt++ {
		err = tx.Savepoint(ctx, func() error {
			var err error
			id, status, err = b.upsert(ctx, tx, key, field, raw, in)
			return err
		})
		if attempt == 3 || !idClash(err) {
			return id, status, err
		}
	}
}

// newID draws a new customer's id; a test replaces it to make ids clash.
var newID = idgen.Next

// idClash reports whether err is a primary-key clash of a new customer's
// id, not a conflict on a unique field (a ConflictError names the field).
func idClash(err error) bool {
	var ce *model.ConflictError
	return errors.Is(err, model.ErrConflict) && !errors.As(err, &ce)
}

// upsert is Upsert with the key resolved, inside its savepoint.
func (b *Bulk) upsert(ctx context.Context, tx *store.Tx, key *Key, field *model.Field, raw any, in *CustomerInput) (int64, string, error) {
	var ids []int64
	if key != nil {
		var err error
		if ids, err = b.FindTx(ctx, tx, *key, 3); err != nil {
			return 0, "", err
		}
	}
	switch {
	case len(ids) > 1:
		return 0, "", &AmbiguousError{Key: *key, IDs: ids}
	case len(ids) == 1:
		status, err := b.update(ctx, tx, ids[0], in)
		return ids[0], status, b.HideConflict(ctx, err)
	}
	if key != nil && key.Field == model.FieldID {
		return 0, "", fmt.Errorf("crm: no customer with id %s: %w", key.Value, model.ErrNotFound)
	}
	cp := *in
	if key != nil {
		SetKey(&cp, field, raw)
	}
	c, err := b.Prepare(ctx, &cp)
	if err != nil {
		return 0, "", err
	}
	if err := b.CheckCreate(c); err != nil {
		return 0, "", err
	}
	c.ID = newID()
	if err := tx.InsertCustomer(ctx, c, b.Catalog); err != nil {
		return 0, "", b.HideConflict(ctx, err)
	}
	return c.ID, Created, nil
}

// UpdateTx patches customer id with in inside tx, in a savepoint (a
// refused patch fails alone): the customer is locked and read in the
// transaction, and Patch's checks apply to it. It returns Updated or
// Unchanged; a conflict names only a holder the caller sees.
func (b *Bulk) UpdateTx(ctx context.Context, tx *store.Tx, id int64, in *CustomerInput) (string, error) {
	var status string
	err := tx.Savepoint(ctx, func() error {
		var err error
		status, err = b.update(ctx, tx, id, in)
		return err
	})
	return status, b.HideConflict(ctx, err)
}

// update is UpdateTx without the savepoint.
func (b *Bulk) update(ctx context.Context, tx *store.Tx, id int64, in *CustomerInput) (string, error) {
	old, err := tx.CustomerForUpdate(ctx, b.TenantID, id)
	if err != nil {
		return "", err
	}
	nc, changed, err := b.Patch(ctx, old, in)
	if err != nil {
		return "", err
	}
	if !changed {
		return Unchanged, nil
	}
	if err := b.s.poolOwnerChange(ctx, tx, b.Caller, old, nc, func() error { return tx.UpdateCustomer(ctx, old, nc, b.Catalog) }); err != nil {
		return "", err
	}
	return Updated, nil
}

// InsertTx inserts c (from Prepare, checked with CheckCreate, with its id)
// inside tx, in a savepoint, so a unique value another customer holds
// fails this customer alone; the conflict names only a holder the caller
// sees.
func (b *Bulk) InsertTx(ctx context.Context, tx *store.Tx, c *model.Customer) error {
	return b.HideConflict(ctx, tx.Savepoint(ctx, func() error { return tx.InsertCustomer(ctx, c, b.Catalog) }))
}

// ownValue is the record's own value of a match field, when it sets one.
func (in *CustomerInput) ownValue(f *model.Field) any {
	deref := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	switch f.ID {
	case model.FieldPhone:
		return deref(in.Phone)
	case model.FieldEmail:
		return deref(in.Email)
	case model.FieldIDNumber:
		return deref(in.IDNumber)
	case model.FieldExternalID:
		return deref(in.ExternalID)
	}
	if f.System {
		return nil
	}
	for _, k := range []string{f.Key, strconv.FormatInt(f.ID, 10)} {
		if raw, ok := in.Fields[k]; ok {
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			var v any
			if d.Decode(&v) == nil {
				return v
			}
		}
	}
	return nil
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
	rest.LastFollowUserID = nil
	if err := b.s.applyInput(ctx, c, &rest, b.Catalog, create); err != nil {
		return err
	}
	if in.LastFollowUserID != nil {
		if *in.LastFollowUserID != 0 && !b.staff[*in.LastFollowUserID] {
			return model.Invalid("lastFollowUser", "staff %d does not exist", *in.LastFollowUserID)
		}
		c.LastFollowUserID = *in.LastFollowUserID
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
