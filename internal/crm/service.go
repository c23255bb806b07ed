package crm

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Service applies kehu's rules to customer reads and writes.
type Service struct {
	Store  *store.Store
	Engine *query.Engine
	Region string // default phone region, "CN" when empty
	Now    func() time.Time
}

// New wires a service over a store.
func New(st *store.Store, region string, loc *time.Location) *Service {
	if region == "" {
		region = "CN"
	}
	return &Service{Store: st, Region: region, Engine: &query.Engine{Store: st, Region: region, Loc: loc}}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

// Customer reads one customer the caller may see (masked as the caller
// sees it). Another tenant's id, or one the caller may not see, is
// model.ErrNotFound.
func (s *Service) Customer(ctx context.Context, caller *model.Caller, id int64) (*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	c, err := s.Store.Customer(ctx, caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	var cat *store.Catalog
	if caller.ProjectID != 0 || caller.AsStaff() || Masked(caller) {
		if cat, err = s.Store.LoadCatalog(ctx, caller.TenantID); err != nil {
			return nil, err
		}
	}
	a, err := s.access(ctx, caller, cat)
	if err != nil {
		return nil, err
	}
	if !a.sees(c) {
		return nil, fmt.Errorf("crm: customer %d: %w", id, model.ErrNotFound)
	}
	return mask(caller, cat, c), nil
}

// CustomerPage is Customer for a page that only shows the customer (GET of
// one customer): it may run on a read replica that has replayed the
// caller's own writes. Whatever decides a write (a check, a
// read-modify-write) uses Customer, which reads the primary.
func (s *Service) CustomerPage(ctx context.Context, caller *model.Caller, id int64) (*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	var c *model.Customer
	err := s.readOnly(ctx, caller, func(ctx context.Context) (err error) {
		c, err = s.Customer(ctx, caller, id)
		return err
	})
	return c, err
}

// readOnly runs read-only work on a read replica that has replayed the
// caller's own writes (or on the primary when none has), and once more on
// the primary when the replica fails part-way: a standby that stops, or
// cancels a statement in a conflict with recovery, after the first rows.
// The work builds its result in memory, so nothing of the first attempt has
// reached the caller.
func (s *Service) readOnly(ctx context.Context, caller *model.Caller, read func(context.Context) error) error {
	rctx := s.Store.ReadOnly(ctx, caller.TenantID, caller.Session())
	err := read(rctx)
	if err != nil && s.Store.RetryOnPrimary(rctx, err) {
		err = read(store.Primary(ctx))
	}
	return err
}

// Env loads what a search of the caller's tenant needs (the catalogue, tag
// and stage names); pass it to Search and use its catalogue to present the
// results.
func (s *Service) Env(ctx context.Context, caller *model.Caller) (*query.Env, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	return s.Engine.Env(ctx, caller.TenantID)
}

// Search runs a query as the caller: its visibility is ANDed onto the
// filter (so pages and totals count only what it may see) and the results
// come masked as the caller sees them. env may be nil.
func (s *Service) Search(ctx context.Context, caller *model.Caller, req *query.Request, env *query.Env) (*query.Result, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	if env == nil {
		var err error
		if env, err = s.Engine.Env(ctx, caller.TenantID); err != nil {
			return nil, err
		}
	}
	a, err := s.access(ctx, caller, env.Catalog)
	if err != nil {
		return nil, err
	}
	if err := checkMaskedSearch(caller, req.Filter, req.Sort, env.Catalog); err != nil {
		return nil, err
	}
	r := *req
	r.TenantID = caller.TenantID
	r.Filter = a.restrict(req.Filter)
	// Searches, counts and export pages are read-only work: a replica may
	// run them once it has replayed the caller's own writes.
	var res *query.Result
	err = s.readOnly(ctx, caller, func(ctx context.Context) (err error) {
		res, err = s.Engine.SearchWith(ctx, &r, env)
		return err
	})
	if err != nil {
		return nil, err
	}
	// A streamed page is masked a batch at a time, as it is loaded.
	res.Apply(func(cs []*model.Customer) { maskAll(caller, env.Catalog, cs) })
	return res, nil
}

// CreateCustomer validates in and inserts a new customer as the caller: a
// bound caller's customer lands in its project, a staff member's is theirs
// (unless their role may assign it), and the caller must be able to see
// what it created.
func (s *Service) CreateCustomer(ctx context.Context, caller *model.Caller, in *CustomerInput) (*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	if err := need(caller, model.PermCreate); err != nil {
		return nil, err
	}
	tenantID := caller.TenantID
	if err := bindInput(caller, in, nil); err != nil {
		return nil, err
	}
	cat, err := s.Store.LoadCatalog(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	a, err := s.access(ctx, caller, cat)
	if err != nil {
		return nil, err
	}
	actor := caller.Actor()
	now := s.now()
	c := &model.Customer{TenantID: tenantID, Status: model.StatusNormal, CreatedAt: now, UpdatedAt: now,
		CreatedBy: actor.ID, CreatedByName: actor.Name, UpdatedBy: actor.ID, UpdatedByName: actor.Name}
	if err := s.applyInput(ctx, c, in, cat, true); err != nil {
		return nil, err
	}
	if err := a.afterWrite(c, nil); err != nil {
		return nil, err
	}
	// A primary-key clash with another node's id (idgen draws the low bits
	// at random) is drawn again in a new transaction: on PostgreSQL the
	// failed INSERT has aborted the one it ran in, and a second INSERT
	// there fails with 25P02 (seen as a 500 under three nodes' load).
	for attempt := 0; ; attempt++ {
		err = s.inTx(ctx, caller, func(tx *store.Tx) error {
			c.ID = newID()
			return tx.InsertCustomer(ctx, c, cat)
		})
		if attempt == 3 || !idClash(err) {
			break
		}
	}
	if err != nil {
		return nil, s.hideConflict(ctx, a, err)
	}
	return mask(caller, cat, c), nil
}

// UpdateCustomer applies a patch to a customer inside one transaction: the
// row is read and locked, the caller's visibility and permissions checked
// on it, then written. A new owner of a customer a pool holds or governs
// goes through the pool's rules (poolOwnerChange).
func (s *Service) UpdateCustomer(ctx context.Context, caller *model.Caller, id int64, in *CustomerInput) (*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	tenantID := caller.TenantID
	cat, err := s.Store.LoadCatalog(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	a, err := s.access(ctx, caller, cat)
	if err != nil {
		return nil, err
	}
	actor := caller.Actor()
	var out *model.Customer
	err = s.inTx(ctx, caller, func(tx *store.Tx) error {
		old, err := tx.CustomerForUpdate(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if !a.sees(old) {
			return fmt.Errorf("crm: update customer %d: %w", id, model.ErrNotFound)
		}
		if err := need(caller, model.PermEdit); err != nil {
			return err
		}
		in := maskedBack(caller, cat, in, old)
		if err := bindInput(caller, in, old); err != nil {
			return err
		}
		c := *old
		c.UpdatedAt = s.now()
		c.UpdatedBy, c.UpdatedByName = actor.ID, actor.Name
		if err := s.applyInput(ctx, &c, in, cat, false); err != nil {
			return err
		}
		if err := a.afterWrite(&c, old); err != nil {
			return err
		}
		if err := s.poolOwnerChange(ctx, tx, caller, old, &c, func() error { return tx.UpdateCustomer(ctx, old, &c, cat) }); err != nil {
			return err
		}
		out = &c
		return nil
	})
	if err != nil {
		return nil, s.hideConflict(ctx, a, err)
	}
	return mask(caller, cat, out), nil
}

// DeleteCustomers deletes all of ids or none: if one is missing (or not
// visible to the caller), nothing is deleted and the error names it.
func (s *Service) DeleteCustomers(ctx context.Context, caller *model.Caller, ids []int64) error {
	if err := checkCaller(caller); err != nil {
		return err
	}
	a, err := s.access(ctx, caller, nil)
	if err != nil {
		return err
	}
	return s.inTx(ctx, caller, func(tx *store.Tx) error {
		for _, id := range ids {
			old, err := tx.CustomerForUpdate(ctx, caller.TenantID, id)
			if err != nil {
				return err
			}
			if !a.sees(old) {
				return fmt.Errorf("crm: delete customer %d: %w", id, model.ErrNotFound)
			}
			if err := need(caller, model.PermDelete); err != nil {
				return err
			}
			if err := tx.DeleteCustomer(ctx, old); err != nil {
				return err
			}
		}
		return nil
	})
}

// applyInput validates in and applies it to c. create says whether this is
// a new customer (name then becomes required).
func (s *Service) applyInput(ctx context.Context, c *model.Customer, in *CustomerInput, cat *store.Catalog, create bool) error {
	for _, f := range in.apply(c) {
		if *f.in == nil {
			continue
		}
		v := strings.TrimSpace(**f.in)
		if err := checkText(f.name, v, f.max); err != nil {
			return err
		}
		*f.out = v
	}
	if err := s.applyNames(c, in, create); err != nil {
		return err
	}
	if in.Phone != nil {
		p, err := s.normalizePhone("phone", *in.Phone)
		if err != nil {
			return err
		}
		c.Phone = p
	}
	if in.Phones != nil {
		c.Phones = nil
		for i, raw := range *in.Phones {
			p, err := s.normalizePhone(fmt.Sprintf("phones[%d]", i), raw)
			if err != nil {
				return err
			}
			if p != "" && p != c.Phone && !contains(c.Phones, p) {
				c.Phones = append(c.Phones, p)
			}
		}
	}
	for _, p := range []struct {
		name string
		in   *string
		out  *string
	}{{"contactPhone", in.ContactPhone, &c.ContactPhone}, {"businessPhone", in.BusinessPhone, &c.BusinessPhone},
		{"homePhone", in.HomePhone, &c.HomePhone}, {"fax", in.Fax, &c.Fax}} {
		// Secondary numbers are kept as typed (landlines with extensions,
		// fax numbers): checked for length and characters only.
		if p.in == nil {
			continue
		}
		v := strings.TrimSpace(*p.in)
		if err := checkText(p.name, v, 40); err != nil {
			return err
		}
		if strings.IndexFunc(v, func(r rune) bool { return !strings.ContainsRune("0123456789+-() #*,.;xX", r) && !unicode.IsDigit(r) }) >= 0 {
			return model.Invalid(p.name, "may contain only digits, spaces and + - ( ) # *")
		}
		*p.out = v
	}
	if in.Email != nil {
		e := strings.ToLower(strings.TrimSpace(*in.Email))
		if e != "" {
			a, err := mail.ParseAddress(e)
			if err != nil || a.Address != e || !strings.Contains(e[strings.IndexByte(e, '@'):], ".") || len(e) > 254 {
				return model.Invalid("email", "%q is not a valid email address", *in.Email)
			}
		}
		c.Email = e
	}
	for _, e := range []struct {
		name     string
		in       *int
		out      *int
		min, max int
	}{{"status", in.Status, &c.Status, 1, 2}, {"sex", in.Sex, &c.Sex, 0, 2}, {"idType", in.IDType, &c.IDType, 0, 4},
		{"marriage", in.Marriage, &c.Marriage, 0, 4}, {"education", in.Education, &c.Education, 0, 7}, {"age", in.Age, &c.Age, 0, 150}} {
		if e.in == nil {
			continue
		}
		if *e.in < e.min || *e.in > e.max {
			return &model.FieldError{Field: e.name, Code: "out_of_range", Msg: fmt.Sprintf("must be between %d and %d", e.min, e.max)}
		}
		*e.out = *e.in
	}
	if err := s.applyRefs(ctx, c, in); err != nil {
		return err
	}
	if err := s.applyFollowImport(ctx, c, in); err != nil {
		return err
	}
	if len(in.Fields) > 0 {
		if err := applyCustom(c, in.Fields, cat, s.Region); err != nil {
			return err
		}
	}
	return checkRequired(c, in, cat, create)
}

// applyNames keeps name and firstName/lastName consistent: whichever the
// write sets wins and the other is derived.
func (s *Service) applyNames(c *model.Customer, in *CustomerInput, create bool) error {
	for _, p := range []struct {
		name string
		v    *string
	}{{"name", in.Name}, {"firstName", in.FirstName}, {"lastName", in.LastName}} {
		if p.v != nil {
			if err := checkText(p.name, strings.TrimSpace(*p.v), 100); err != nil {
				return err
			}
		}
	}
	switch {
	case in.Name != nil:
		c.Name = strings.TrimSpace(*in.Name)
		c.FirstName, c.LastName = c.Name, ""
		if in.FirstName != nil || in.LastName != nil {
			c.FirstName, c.LastName = trimPtr(in.FirstName), trimPtr(in.LastName)
		}
	case in.FirstName != nil || in.LastName != nil:
		if in.FirstName != nil {
			c.FirstName = strings.TrimSpace(*in.FirstName)
		}
		if in.LastName != nil {
			c.LastName = strings.TrimSpace(*in.LastName)
		}
		c.Name = JoinName(c.FirstName, c.LastName)
	}
	if c.Name == "" && (create || in.Name != nil || in.FirstName != nil || in.LastName != nil) {
		return &model.FieldError{Field: "name", Code: "required", Msg: "is required"}
	}
	return nil
}

// JoinName builds a display name: Chinese names are family name first with
// no space (张 + 三 → 张三), others "First Last".
func JoinName(first, last string) string {
	switch {
	case last == "":
		return first
	case first == "":
		return last
	case isHan(first) || isHan(last):
		return last + first
	}
	return first + " " + last
}

func isHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func trimPtr(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

func (s *Service) normalizePhone(field, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	p, err := phone.Normalize(raw, s.Region)
	if err != nil {
		return "", model.Invalid(field, "%q is not a valid phone number (region %s)", raw, s.Region)
	}
	return p, nil
}

// applyRefs checks owner, collaborators, stage, tags and project exist in the tenant.
func (s *Service) applyRefs(ctx context.Context, c *model.Customer, in *CustomerInput) error {
	if in.ProjectID != nil {
		if *in.ProjectID != 0 {
			if _, err := s.Store.Project(ctx, c.TenantID, *in.ProjectID); err != nil {
				if errors.Is(err, model.ErrNotFound) {
					return model.Invalid("projectId", "project %d does not exist", *in.ProjectID)
				}
				return err
			}
		}
		c.ProjectID = *in.ProjectID
	}
	if in.OwnerID == nil && in.CollaboratorIDs == nil && in.StageID == nil && in.TagIDs == nil {
		return nil
	}
	staff, err := s.Store.StaffList(ctx, c.TenantID)
	if err != nil {
		return err
	}
	staffIDs := map[int64]bool{}
	for _, m := range staff {
		staffIDs[m.ID] = true
	}
	if in.OwnerID != nil {
		if *in.OwnerID != 0 && !staffIDs[*in.OwnerID] {
			return model.Invalid("ownerId", "staff %d does not exist", *in.OwnerID)
		}
		c.OwnerID = *in.OwnerID
	}
	if in.CollaboratorIDs != nil {
		ids := dedupe(*in.CollaboratorIDs)
		for _, id := range ids {
			if !staffIDs[id] {
				return model.Invalid("collaboratorIds", "staff %d does not exist", id)
			}
		}
		c.CollaboratorIDs = ids
	}
	if in.StageID != nil {
		if *in.StageID != 0 {
			stages, err := s.Store.Stages(ctx, c.TenantID)
			if err != nil {
				return err
			}
			ok := false
			for _, st := range stages {
				ok = ok || st.ID == *in.StageID
			}
			if !ok {
				return model.Invalid("stageId", "stage %d does not exist", *in.StageID)
			}
		}
		c.StageID = *in.StageID
	}
	if in.TagIDs != nil {
		groups, err := s.Store.TagGroups(ctx, c.TenantID)
		if err != nil {
			return err
		}
		tags := map[int64]bool{}
		for _, g := range groups {
			for _, t := range g.Tags {
				tags[t.ID] = true
			}
		}
		ids := dedupe(*in.TagIDs)
		for _, id := range ids {
			if !tags[id] {
				return model.Invalid("tagIds", "tag %d does not exist", id)
			}
		}
		c.TagIDs = ids
	}
	return nil
}

func dedupe(v []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkText rejects over-long strings and control characters (NUL and
// friends corrupt exports and terminals; newlines and tabs are fine).
func checkText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return model.Invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return &model.FieldError{Field: field, Code: "too_long", Msg: fmt.Sprintf("is %d characters long; the limit is %d", n, max)}
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0 {
		return model.Invalid(field, "contains control characters")
	}
	return nil
}

// inTx runs fn in a transaction whose changes record caller as their actor
// (and its API, unless the request's context already names it): every
// write crm makes for a caller goes through here, so each event and history
// entry says who made it, deletes included.
func (s *Service) inTx(ctx context.Context, caller *model.Caller, fn func(tx *store.Tx) error) error {
	return s.Store.InTx(store.WithActor(ctx, caller.Actor(), caller.Via), fn)
}

// InTx runs fn in a transaction that records the bulk's caller as the actor
// of its changes (see Service.inTx): batch upserts write through it.
func (b *Bulk) InTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	return b.s.inTx(ctx, b.Caller, fn)
}
