package crm

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Follow-ups (跟进记录).
//
// A follow-up belongs to a customer and a staff member. Whoever may edit
// the customer (sees it and holds customer.edit) may add, edit and delete
// its follow-ups; it is recorded for the caller when the caller is a staff
// member, and for another staff member only by a role that may assign (an
// API client acting as the tenant names the staff member). Reads show a
// follow-up only to callers who see its customer.
//
// The customer's lastFollowAt, lastFollowUser and nextFollowAt are those of
// its newest follow-up (by time, then id), written in the same transaction
// as the follow-up, with an "edit" event whose changes carry the follow-up
// (field "followUp", old → new) next to the three fields. They are
// read-only through customer writes. The one exception is an import of
// history from another system, which may set them (an imported value is a
// follow-up kehu has no record of): it stands while it is newer than every
// follow-up kehu holds, and is replaced by the newest record once one is
// newer or once the follow-up that had replaced it is edited or deleted.
//
// A follow-up written for, or edited or deleted of, a staff member other
// than the caller (a 主管 correcting a rep's record, the tenant's API
// client or the CLI) is administrative: it is also written to the audit
// log, in the same transaction (othersFollowUp).

// MaxFollowUpContent is the longest follow-up content, in characters.
const MaxFollowUpContent = 5000

// MaxFollowUpPage is the largest page of follow-ups one call returns.
const MaxFollowUpPage = 200

// followUpSkew is how far in the future a follow-up's time may be (clocks
// of phones and call systems drift): a follow-up records what happened.
const followUpSkew = 5 * time.Minute

// FollowUpInput is a follow-up to write; on an edit, nil fields stay as
// they are. Kind names a kind by name, KindID by id (one of the two).
type FollowUpInput struct {
	KindID  *int64
	Kind    *string
	Content *string
	StaffID *int64
	At      *time.Time
	// NextAt is the next follow-up planned; the zero time clears it.
	NextAt *time.Time
}

// FollowUpPage asks for one page of follow-ups, newest first: Cursor is
// the Next of the previous page ("" for the first).
type FollowUpPage struct {
	Cursor string
	Limit  int
}

// FollowUpList is a page of follow-ups; Next is "" on the last page.
type FollowUpList struct {
	Items []*model.FollowUp
	Next  string
}

// AddFollowUp records a follow-up of a customer as the caller and moves the
// customer's follow-up fields, in one transaction.
func (s *Service) AddFollowUp(ctx context.Context, caller *model.Caller, customerID int64, in *FollowUpInput) (*model.FollowUp, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	a, kinds, err := s.followUpPrep(ctx, caller)
	if err != nil {
		return nil, err
	}
	actor := caller.Actor()
	now := s.now()
	var out *model.FollowUp
	err = s.inTx(ctx, caller, func(tx *store.Tx) error {
		c, err := s.lockFollowCustomer(ctx, tx, a, customerID)
		if err != nil {
			return err
		}
		f := &model.FollowUp{TenantID: caller.TenantID, CustomerID: c.ID, At: now, CreatedAt: now, UpdatedAt: now,
			CreatedBy: actor.ID, CreatedByName: actor.Name, UpdatedBy: actor.ID, UpdatedByName: actor.Name}
		if caller.AsStaff() {
			f.StaffID = caller.StaffID
		}
		if err := s.applyFollowUp(ctx, tx, caller, f, in, kinds, now, true); err != nil {
			return err
		}
		if err := tx.InsertFollowUp(ctx, f); err != nil {
			return err
		}
		if err := s.moveFollowState(ctx, tx, caller, c, nil, f); err != nil {
			return err
		}
		if othersFollowUp(caller, f) {
			if err := audit.Record(ctx, tx, caller, audit.FollowUpCreated, audit.FollowUp(f.ID), f); err != nil {
				return err
			}
		}
		out = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateFollowUp edits a follow-up (kind, content, staff member, times) as
// the caller, in one transaction with its customer's follow-up fields.
func (s *Service) UpdateFollowUp(ctx context.Context, caller *model.Caller, id int64, in *FollowUpInput) (*model.FollowUp, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	a, kinds, err := s.followUpPrep(ctx, caller)
	if err != nil {
		return nil, err
	}
	actor := caller.Actor()
	now := s.now()
	var out *model.FollowUp
	err = s.inTx(ctx, caller, func(tx *store.Tx) error {
		c, old, err := s.lockFollowUp(ctx, tx, a, id)
		if err != nil {
			return err
		}
		f := *old
		f.UpdatedAt, f.UpdatedBy, f.UpdatedByName = now, actor.ID, actor.Name
		if err := s.applyFollowUp(ctx, tx, caller, &f, in, kinds, now, false); err != nil {
			return err
		}
		if err := tx.UpdateFollowUp(ctx, &f); err != nil {
			return err
		}
		if err := s.moveFollowState(ctx, tx, caller, c, old, &f); err != nil {
			return err
		}
		if othersFollowUp(caller, old) || othersFollowUp(caller, &f) {
			old.Kind, f.Kind = kindName(kinds, old.KindID), kindName(kinds, f.KindID)
			if err := audit.Record(ctx, tx, caller, audit.FollowUpUpdated, audit.FollowUp(id), map[string]any{"old": old, "new": &f}); err != nil {
				return err
			}
		}
		out = &f
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteFollowUp deletes a follow-up as the caller; the customer's
// follow-up fields fall back to its newest remaining follow-up.
func (s *Service) DeleteFollowUp(ctx context.Context, caller *model.Caller, id int64) error {
	if err := checkCaller(caller); err != nil {
		return err
	}
	a, kinds, err := s.followUpPrep(ctx, caller)
	if err != nil {
		return err
	}
	return s.inTx(ctx, caller, func(tx *store.Tx) error {
		c, old, err := s.lockFollowUp(ctx, tx, a, id)
		if err != nil {
			return err
		}
		old.Kind = kindName(kinds, old.KindID)
		if err := tx.DeleteFollowUp(ctx, caller.TenantID, id); err != nil {
			return err
		}
		if othersFollowUp(caller, old) {
			if err := audit.Record(ctx, tx, caller, audit.FollowUpDeleted, audit.FollowUp(id), old); err != nil {
				return err
			}
		}
		return s.moveFollowState(ctx, tx, caller, c, old, nil)
	})
}

// othersFollowUp reports whether f is recorded for someone other than the
// caller: writing it is administrative (audited).
func othersFollowUp(caller *model.Caller, f *model.FollowUp) bool {
	return f.StaffID != 0 && f.StaffID != caller.StaffID
}

// FollowUp reads one follow-up the caller may see (its customer visible).
func (s *Service) FollowUp(ctx context.Context, caller *model.Caller, id int64) (*model.FollowUp, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	f, err := s.Store.FollowUp(ctx, caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Customer(ctx, caller, f.CustomerID); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil, fmt.Errorf("crm: follow-up %d: %w", id, model.ErrNotFound)
		}
		return nil, err
	}
	kinds, err := s.Store.FollowUpKinds(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	f.Kind = kindName(kinds, f.KindID)
	return f, nil
}

// ListFollowUps is a customer's follow-up timeline, newest first. A
// customer the caller may not see is model.ErrNotFound.
func (s *Service) ListFollowUps(ctx context.Context, caller *model.Caller, customerID int64, page FollowUpPage) (*FollowUpList, error) {
	if _, err := s.Customer(ctx, caller, customerID); err != nil {
		return nil, err
	}
	f, limit, err := followFilter(page)
	if err != nil {
		return nil, err
	}
	f.CustomerID = customerID
	f.Limit = limit + 1
	items, err := s.Store.FollowUps(ctx, caller.TenantID, f)
	if err != nil {
		return nil, err
	}
	out := &FollowUpList{Items: items}
	if len(items) > limit {
		out.Items = items[:limit]
		last := out.Items[limit-1]
		out.Next = encodeFollowCursor(last.At, last.ID)
	}
	return out, s.nameKinds(ctx, caller.TenantID, out.Items)
}

// staffFollowBatches bounds how many batches one page of a staff member's
// follow-ups reads while skipping follow-ups of customers the caller may
// not see; a page cut short says where to go on (Next).
const staffFollowBatches = 8

// StaffFollowUps lists a staff member's follow-ups across customers,
// newest first, keeping those whose customer the caller may see. A page
// may come back shorter than asked when many were hidden; Next goes on.
func (s *Service) StaffFollowUps(ctx context.Context, caller *model.Caller, staffID int64, page FollowUpPage) (*FollowUpList, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	f, limit, err := followFilter(page)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.Staff(ctx, caller.TenantID, staffID); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil, model.Invalid("staff", "staff %d does not exist", staffID)
		}
		return nil, err
	}
	a, err := s.access(ctx, caller, nil)
	if err != nil {
		return nil, err
	}
	f.StaffID = staffID
	out := &FollowUpList{}
	for batch := 0; batch < staffFollowBatches; batch++ {
		want := limit - len(out.Items)
		f.Limit = want + 1
		if a.rnode != nil {
			f.Limit = max(2*want, 50) + 1 // some will be hidden
		}
		items, err := s.Store.FollowUps(ctx, caller.TenantID, f)
		if err != nil {
			return nil, err
		}
		more := len(items) == f.Limit
		if more {
			items = items[:f.Limit-1]
		}
		vis, err := s.visibleFollowUps(ctx, a, items)
		if err != nil {
			return nil, err
		}
		for i, fu := range items {
			if !vis[fu.CustomerID] {
				continue
			}
			out.Items = append(out.Items, fu)
			if len(out.Items) == limit {
				if more || i < len(items)-1 {
					out.Next = encodeFollowCursor(fu.At, fu.ID)
				}
				return out, s.nameKinds(ctx, caller.TenantID, out.Items)
			}
		}
		if !more {
			return out, s.nameKinds(ctx, caller.TenantID, out.Items)
		}
		last := items[len(items)-1]
		f.BeforeAt, f.BeforeID = last.At, last.ID
	}
	out.Next = encodeFollowCursor(f.BeforeAt, f.BeforeID)
	return out, s.nameKinds(ctx, caller.TenantID, out.Items)
}

// visibleFollowUps reports which of the follow-ups' customers the caller sees.
func (s *Service) visibleFollowUps(ctx context.Context, a *access, items []*model.FollowUp) (map[int64]bool, error) {
	ids := make([]int64, 0, len(items))
	seen := map[int64]bool{}
	for _, f := range items {
		if !seen[f.CustomerID] {
			seen[f.CustomerID] = true
			ids = append(ids, f.CustomerID)
		}
	}
	cs, err := s.Store.CustomersByIDs(ctx, a.caller.TenantID, ids)
	if err != nil {
		return nil, err
	}
	vis := map[int64]bool{}
	for _, c := range cs {
		vis[c.ID] = a.sees(c)
	}
	return vis, nil
}

// FollowUpKinds lists the tenant's follow-up kinds: the built-in five, then
// its own. Every caller may read them.
func (s *Service) FollowUpKinds(ctx context.Context, caller *model.Caller) ([]model.FollowUpKind, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	return s.Store.FollowUpKinds(ctx, caller.TenantID)
}

// AddFollowUpKind adds a tenant's own follow-up kind (needs catalog.manage,
// like the rest of the tenant's customer schema).
func (s *Service) AddFollowUpKind(ctx context.Context, caller *model.Caller, name string) (model.FollowUpKind, error) {
	if err := Need(caller, model.PermCatalog); err != nil {
		return model.FollowUpKind{}, err
	}
	name, err := s.checkKindName(ctx, caller.TenantID, 0, name)
	if err != nil {
		return model.FollowUpKind{}, err
	}
	return s.Store.AddFollowUpKind(ctx, caller.TenantID, name)
}

// RenameFollowUpKind renames a tenant's own kind; built-in kinds are fixed.
func (s *Service) RenameFollowUpKind(ctx context.Context, caller *model.Caller, id int64, name string) (model.FollowUpKind, error) {
	if err := Need(caller, model.PermCatalog); err != nil {
		return model.FollowUpKind{}, err
	}
	if id >= 1 && id <= model.MaxBuiltinFollowUpKind {
		return model.FollowUpKind{}, &BuiltinKindError{ID: id}
	}
	name, err := s.checkKindName(ctx, caller.TenantID, id, name)
	if err != nil {
		return model.FollowUpKind{}, err
	}
	if err := s.Store.RenameFollowUpKind(ctx, caller.TenantID, id, name); err != nil {
		return model.FollowUpKind{}, err
	}
	kinds, err := s.Store.FollowUpKinds(ctx, caller.TenantID)
	if err != nil {
		return model.FollowUpKind{}, err
	}
	for _, k := range kinds {
		if k.ID == id {
			return k, nil
		}
	}
	return model.FollowUpKind{}, fmt.Errorf("crm: follow-up kind %d: %w", id, model.ErrNotFound)
}

// DeleteFollowUpKind deletes a tenant's own kind that no follow-up uses
// (store.ErrKindInUse otherwise); built-in kinds are fixed.
func (s *Service) DeleteFollowUpKind(ctx context.Context, caller *model.Caller, id int64) error {
	if err := Need(caller, model.PermCatalog); err != nil {
		return err
	}
	if id >= 1 && id <= model.MaxBuiltinFollowUpKind {
		return &BuiltinKindError{ID: id}
	}
	return s.Store.DeleteFollowUpKind(ctx, caller.TenantID, id)
}

// BuiltinKindError: the five built-in kinds cannot be renamed or deleted
// (matches model.ErrForbidden).
type BuiltinKindError struct{ ID int64 }

func (e *BuiltinKindError) Error() string {
	return fmt.Sprintf("follow-up kind %d is built in: it cannot be renamed or deleted", e.ID)
}

// Is makes errors.Is(err, model.ErrForbidden) true.
func (e *BuiltinKindError) Is(target error) bool { return target == model.ErrForbidden }

func (s *Service) checkKindName(ctx context.Context, tenantID, id int64, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &model.FieldError{Field: "name", Code: "required", Msg: "is required"}
	}
	if err := checkText("name", name, 20); err != nil {
		return "", err
	}
	kinds, err := s.Store.FollowUpKinds(ctx, tenantID)
	if err != nil {
		return "", err
	}
	for _, k := range kinds {
		if k.Name == name && k.ID != id {
			return "", &model.ConflictError{Field: "name", Value: name}
		}
	}
	return name, nil
}

// followUpPrep resolves the caller's visibility and the tenant's kinds
// before a follow-up write.
func (s *Service) followUpPrep(ctx context.Context, caller *model.Caller) (*access, []model.FollowUpKind, error) {
	a, err := s.access(ctx, caller, nil)
	if err != nil {
		return nil, nil, err
	}
	kinds, err := s.Store.FollowUpKinds(ctx, caller.TenantID)
	if err != nil {
		return nil, nil, err
	}
	return a, kinds, nil
}

// lockFollowCustomer locks a customer for a follow-up write and checks the
// caller may edit it: one it may not see is not found.
func (s *Service) lockFollowCustomer(ctx context.Context, tx *store.Tx, a *access, id int64) (*model.Customer, error) {
	c, err := tx.CustomerForUpdate(ctx, a.caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	if !a.sees(c) {
		return nil, fmt.Errorf("crm: customer %d: %w", id, model.ErrNotFound)
	}
	if err := need(a.caller, model.PermEdit); err != nil {
		return nil, err
	}
	tx.SetActor(a.caller.Actor())
	return c, nil
}

// lockFollowUp locks a follow-up's customer and reads the follow-up under
// that lock (every write of a follow-up locks its customer first).
func (s *Service) lockFollowUp(ctx context.Context, tx *store.Tx, a *access, id int64) (*model.Customer, *model.FollowUp, error) {
	pre, err := s.Store.FollowUp(ctx, a.caller.TenantID, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.lockFollowCustomer(ctx, tx, a, pre.CustomerID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil, fmt.Errorf("crm: follow-up %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := tx.FollowUpInTx(ctx, a.caller.TenantID, id)
	if err != nil {
		return nil, nil, err
	}
	if f.CustomerID != c.ID { // follow-ups never move; a deleted and reused id would
		return nil, nil, fmt.Errorf("crm: follow-up %d: %w", id, model.ErrNotFound)
	}
	return c, f, nil
}

// applyFollowUp validates in and applies it to f.
func (s *Service) applyFollowUp(ctx context.Context, tx *store.Tx, caller *model.Caller, f *model.FollowUp, in *FollowUpInput, kinds []model.FollowUpKind, now time.Time, create bool) error {
	switch {
	case in.KindID != nil && in.Kind != nil:
		return model.Invalid("kind", "give kind or kindId, not both")
	case in.KindID != nil:
		ok, err := tx.KindExists(ctx, caller.TenantID, *in.KindID)
		if err != nil {
			return err
		}
		if !ok {
			return model.Invalid("kindId", "follow-up kind %d does not exist", *in.KindID)
		}
		f.KindID = *in.KindID
	case in.Kind != nil:
		name := strings.TrimSpace(*in.Kind)
		f.KindID = 0
		for _, k := range kinds {
			if k.Name == name {
				f.KindID = k.ID
			}
		}
		if f.KindID == 0 {
			return model.Invalid("kind", "%q is not a follow-up kind of this tenant", name)
		}
		if ok, err := tx.KindExists(ctx, caller.TenantID, f.KindID); err != nil || !ok {
			if err == nil {
				err = model.Invalid("kind", "%q is not a follow-up kind of this tenant", name)
			}
			return err
		}
	case create:
		return &model.FieldError{Field: "kind", Code: "required", Msg: "is required (a kind's name or kindId)"}
	}
	f.Kind = kindName(kinds, f.KindID)
	if in.Content != nil {
		v := strings.TrimSpace(*in.Content)
		if err := checkText("content", v, MaxFollowUpContent); err != nil {
			return err
		}
		f.Content = v
	}
	if f.Content == "" {
		return &model.FieldError{Field: "content", Code: "required", Msg: "is required"}
	}
	if in.StaffID != nil && *in.StaffID != f.StaffID {
		if caller.AsStaff() && *in.StaffID != caller.StaffID && !caller.Can(model.PermAssign) {
			return &model.PermissionError{Perm: model.PermAssign}
		}
		if _, err := s.Store.Staff(ctx, caller.TenantID, *in.StaffID); err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return model.Invalid("staffId", "staff %d does not exist", *in.StaffID)
			}
			return err
		}
		f.StaffID = *in.StaffID
	}
	if f.StaffID == 0 {
		return &model.FieldError{Field: "staffId", Code: "required", Msg: "is required: the staff member who followed up"}
	}
	if in.At != nil {
		if in.At.IsZero() {
			return &model.FieldError{Field: "at", Code: "required", Msg: "cannot be cleared"}
		}
		f.At = in.At.UTC().Truncate(time.Millisecond)
	}
	if f.At.After(now.Add(followUpSkew)) {
		return model.Invalid("at", "is in the future: a follow-up records what happened (plan the next one with nextAt)")
	}
	if in.NextAt != nil {
		f.NextAt = in.NextAt.UTC().Truncate(time.Millisecond)
	}
	if !f.NextAt.IsZero() && !f.NextAt.After(f.At) {
		return model.Invalid("nextAt", "must be after the follow-up's time")
	}
	return nil
}

// applyFollowImport sets the follow-up state an import of history carries
// (CustomerInput.LastFollowAt …); see the file comment for how it meets
// kehu's own follow-ups.
func (s *Service) applyFollowImport(ctx context.Context, c *model.Customer, in *CustomerInput) error {
	if in.LastFollowAt != nil {
		t := in.LastFollowAt.UTC().Truncate(time.Millisecond)
		if t.After(s.now().Add(followUpSkew)) {
			return model.Invalid("lastFollowAt", "is in the future: it is when the customer was last followed up")
		}
		c.LastFollowAt = t
	}
	if in.LastFollowUserID != nil {
		if id := *in.LastFollowUserID; id != 0 {
			if _, err := s.Store.Staff(ctx, c.TenantID, id); err != nil {
				if errors.Is(err, model.ErrNotFound) {
					return model.Invalid("lastFollowUser", "staff %d does not exist", id)
				}
				return err
			}
		}
		c.LastFollowUserID = *in.LastFollowUserID
	}
	if in.NextFollowAt != nil {
		c.NextFollowAt = in.NextFollowAt.UTC().Truncate(time.Millisecond)
	}
	return nil
}

// followState is what a customer's follow-up fields become after a
// follow-up write: before/after are the follow-up written (nil: none, for
// an add or a delete), newest the customer's newest follow-up after the
// write (nil: none left). See the file comment for imported values.
func followState(c *model.Customer, before, newest *model.FollowUp) (at time.Time, user int64, next time.Time) {
	var nat, nnext time.Time
	var nuser int64
	if newest != nil {
		nat, nuser, nnext = newest.At, newest.StaffID, newest.NextAt
	}
	setBy := before != nil && before.At.Equal(c.LastFollowAt) && before.StaffID == c.LastFollowUserID
	if !setBy && !c.LastFollowAt.IsZero() && c.LastFollowAt.After(nat) {
		// An imported follow-up newer than every record stands.
		return c.LastFollowAt, c.LastFollowUserID, c.NextFollowAt
	}
	return nat, nuser, nnext
}

// moveFollowState sets the customer's follow-up fields from its newest
// follow-up and records the change with the follow-up (before → after).
func (s *Service) moveFollowState(ctx context.Context, tx *store.Tx, caller *model.Caller, c *model.Customer, before, after *model.FollowUp) error {
	newest, err := tx.NewestFollowUp(ctx, c.TenantID, c.ID)
	if err != nil {
		return err
	}
	n := *c
	n.LastFollowAt, n.LastFollowUserID, n.NextFollowAt = followState(c, before, newest)
	actor := caller.Actor()
	n.UpdatedAt, n.UpdatedBy, n.UpdatedByName = s.now(), actor.ID, actor.Name
	return tx.SetFollowState(ctx, c, &n, []model.Change{store.FollowUpChange(before, after)})
}

func kindName(kinds []model.FollowUpKind, id int64) string {
	for _, k := range kinds {
		if k.ID == id {
			return k.Name
		}
	}
	return ""
}

func (s *Service) nameKinds(ctx context.Context, tenantID int64, items []*model.FollowUp) error {
	if len(items) == 0 {
		return nil
	}
	kinds, err := s.Store.FollowUpKinds(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, f := range items {
		f.Kind = kindName(kinds, f.KindID)
	}
	return nil
}

// followFilter decodes a page request into a store filter and its limit.
func followFilter(p FollowUpPage) (store.FollowUpFilter, int, error) {
	limit := p.Limit
	switch {
	case limit == 0:
		limit = 50
	case limit < 0 || limit > MaxFollowUpPage:
		return store.FollowUpFilter{}, 0, &model.FieldError{Field: "limit", Code: "out_of_range",
			Msg: fmt.Sprintf("must be between 1 and %d", MaxFollowUpPage)}
	}
	var f store.FollowUpFilter
	if p.Cursor != "" {
		at, id, err := decodeFollowCursor(p.Cursor)
		if err != nil {
			return f, 0, model.Invalid("cursor", "is not a cursor of this list")
		}
		f.BeforeAt, f.BeforeID = at, id
	}
	return f, limit, nil
}

func encodeFollowCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(model.Millis(at), 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeFollowCursor(s string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, err
	}
	a, i, ok := strings.Cut(string(b), ".")
	if !ok {
		return time.Time{}, 0, errors.New("bad cursor")
	}
	ms, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 || ms < 0 {
		return time.Time{}, 0, errors.New("bad cursor")
	}
	return model.FromMillis(ms), id, nil
}
