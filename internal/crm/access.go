package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Access rules, decided here once for every API, the importer and the
// exporter.
//
// Visibility. A caller sees a customer when every one of these holds:
//
//   - the customer is of the caller's tenant;
//   - the caller is bound to a project P: the customer is in P (customers
//     without a project are seen by unbound callers only);
//   - the caller acts as a staff member: the role's data scope admits it —
//     self: the member owns it; dept: its owner is in the member's
//     department (not below); deptTree: its owner is in the member's
//     department or below; all: every customer. A role with 协作 (Collab)
//     also admits the customers the member collaborates on. A member without
//     a department under a dept scope sees what self would. Whatever the
//     scope, a member also sees the customers in the 公海 pools they may
//     see (pools.go: a pool of their department or above, or of none).
//
// Reads get this as ordinary conditions (projectId, owner, collaborators,
// department) ANDed onto the query tree, so the planner answers it from
// indexes and totals are exact; point reads and writes evaluate the same
// tree in memory (query.Eval) on the row they read — writes inside their
// transaction, after locking the row. A customer the caller may not see is
// model.ErrNotFound, exactly as one that does not exist; a conflict on a
// unique value names the customer holding it only when the caller sees it.
//
// Permissions. A caller acting as a staff member needs its role's
// permission for each action (customer.create, .edit, .delete, .export,
// .import; customer.assign to give a customer to someone else;
// catalog.manage for the catalogue; admin.manage for administration); a
// caller acting as the tenant holds them all, except the catalogue
// (catalog:write scope) and administration (admin scope) for API clients.
// A staff member's new customer is theirs unless they may assign it.
//
// Masking (脱敏). Callers without customer.unmask get phone numbers, email
// and id numbers masked in every answer (mask.go); they may still search by
// the full value (equality), but not by fragments or sort by those fields,
// which would let them read the hidden digits back.

// access is one caller's visibility, resolved for one tenant catalogue.
type access struct {
	caller *model.Caller
	node   *cond.Node   // nil: the caller sees the whole tenant
	rnode  *query.RNode // node resolved, for query.Eval
	// world is the department tree, loaded on the first in-memory check
	// that needs it (searches never do: the SQL joins the tree itself).
	worldMu   sync.Mutex // a Bulk's access is used by several goroutines
	world     *query.World
	loadWorld func() (*query.World, error)
}

// checkCaller refuses a call without a caller: a programming error, never
// a reason to show everything.
func checkCaller(c *model.Caller) error {
	if c == nil || c.TenantID <= 0 {
		return errors.New("crm: call without a caller")
	}
	return nil
}

func leaf(field string, op cond.Op, vals ...any) *cond.Node {
	return &cond.Node{Leaf: &cond.Cond{Field: field, Op: op, Values: vals, Pos: "access"}}
}

func num(id int64) json.Number { return json.Number(strconv.FormatInt(id, 10)) }

// Visibility returns the condition a caller's reads are restricted to (nil:
// the whole tenant). The planner sees it as ordinary conditions.
func (s *Service) Visibility(ctx context.Context, caller *model.Caller) (*cond.Node, error) {
	a, err := s.access(ctx, caller, nil)
	if err != nil {
		return nil, err
	}
	return a.node, nil
}

// access builds a caller's visibility; cat may be nil (then loaded when
// the tree must be resolved).
func (s *Service) access(ctx context.Context, caller *model.Caller, cat *store.Catalog) (*access, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	a := &access{caller: caller}
	if cat == nil && (caller.ProjectID != 0 || caller.AsStaff()) {
		// The cached catalogue holds the departments and pools a staff
		// caller's scope is built from, and resolves the tree below.
		var err error
		if cat, err = s.Store.LoadCatalog(ctx, caller.TenantID); err != nil {
			return nil, err
		}
	}
	var and []*cond.Node
	if caller.ProjectID != 0 {
		and = append(and, leaf("projectId", cond.OpEq, num(caller.ProjectID)))
	}
	needWorld := false
	if caller.AsStaff() {
		var scope *cond.Node
		self := leaf("owner", cond.OpEq, num(caller.StaffID))
		switch sc := caller.Role.Scope; {
		case sc == model.DataAll:
		case sc == model.DataSelf || caller.DeptID == 0:
			scope = self
		case sc == model.DataDeptTree:
			scope, needWorld = leaf("department", cond.OpEq, num(caller.DeptID)), true
		default: // dept: the department's subtree minus the subtrees below it
			depts := cat.Departments
			scope, needWorld = leaf("department", cond.OpEq, num(caller.DeptID)), true
			var kids []any
			for _, d := range depts {
				if d.ParentID == caller.DeptID {
					kids = append(kids, num(d.ID))
				}
			}
			if len(kids) > 0 {
				scope = &cond.Node{And: []*cond.Node{scope, {Not: leaf("department", cond.OpIn, kids...)}}}
			}
		}
		if caller.Role.Collab && scope != nil {
			scope = &cond.Node{Or: []*cond.Node{scope, leaf("collaborators", cond.OpHasAny, num(caller.StaffID))}}
		}
		if scope != nil {
			// 公海: the customers of the pools the member may see (pools.go).
			if pools := visiblePools(caller, cat); len(pools) > 0 {
				ids := make([]any, len(pools))
				for i, p := range pools {
					ids[i] = num(p.ID)
				}
				scope = &cond.Node{Or: []*cond.Node{scope, leaf("pool", cond.OpIn, ids...)}}
			}
		}
		if scope != nil {
			and = append(and, scope)
		}
	}
	switch len(and) {
	case 0:
		return a, nil
	case 1:
		a.node = and[0]
	default:
		a.node = &cond.Node{And: and}
	}
	if cat == nil {
		var err error
		if cat, err = s.Store.LoadCatalog(ctx, caller.TenantID); err != nil {
			return nil, err
		}
	}
	rn, err := query.Resolve(a.node, &query.Env{Catalog: cat, Region: s.Region})
	if err != nil {
		return nil, fmt.Errorf("crm: resolve visibility: %w", err)
	}
	a.rnode = rn
	if needWorld {
		tenant := caller.TenantID
		a.loadWorld = func() (*query.World, error) { return s.world(context.WithoutCancel(ctx), tenant) }
	}
	return a, nil
}

// world loads the department tree and every staff member's department, what
// query.Eval needs for department conditions.
func (s *Service) world(ctx context.Context, tenantID int64) (*query.World, error) {
	depts, err := s.Store.Departments(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	staff, err := s.Store.StaffList(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	w := &query.World{StaffDept: map[int64]string{}, DeptPath: map[int64]string{}}
	for _, d := range depts {
		w.DeptPath[d.ID] = d.Path
	}
	for _, m := range staff {
		if p, ok := w.DeptPath[m.DepartmentID]; ok {
			w.StaffDept[m.ID] = p
		}
	}
	return w, nil
}

// sees reports whether the caller may see c (c read from the caller's tenant).
func (a *access) sees(c *model.Customer) bool {
	if c == nil || c.TenantID != a.caller.TenantID {
		return false
	}
	if a.rnode == nil {
		return true
	}
	a.worldMu.Lock()
	if a.world == nil && a.loadWorld != nil {
		w, err := a.loadWorld()
		if err != nil {
			a.worldMu.Unlock()
			return false // fail closed: a customer we cannot place is not shown
		}
		a.world, a.loadWorld = w, nil
	}
	w := a.world
	a.worldMu.Unlock()
	return query.Eval(a.rnode, c, w)
}

// restrict ANDs the caller's visibility onto a filter.
func (a *access) restrict(filter *cond.Node) *cond.Node {
	switch {
	case a.node == nil:
		return filter
	case filter == nil:
		return a.node
	}
	return &cond.Node{And: []*cond.Node{a.node, filter}}
}

// need returns ErrForbidden unless the caller holds p.
func need(caller *model.Caller, p model.Permission) error {
	if caller.Can(p) {
		return nil
	}
	if !caller.AsStaff() {
		switch p {
		case model.PermCatalog:
			return &model.PermissionError{Perm: p, Scope: model.ScopeCatalogWrite}
		case model.PermAdmin:
			return &model.PermissionError{Perm: p, Scope: model.ScopeAdmin}
		}
	}
	return &model.PermissionError{Perm: p}
}

// Need is need for callers outside crm that gate a whole operation on a
// permission before starting it (an export, an import job).
func Need(caller *model.Caller, p model.Permission) error {
	if err := checkCaller(caller); err != nil {
		return err
	}
	return need(caller, p)
}

// ImportJobAccess decides whether the caller may read an import job: its
// progress and its report. The report holds the rows' original cells,
// unmasked, so reading it needs the import permission like starting one; a
// project-bound caller sees only its own project's jobs, and another
// project's job is answered as not found (its existence is not revealed).
func ImportJobAccess(caller *model.Caller, jobProject int64) error {
	if err := Need(caller, model.PermImport); err != nil {
		return err
	}
	if caller.ProjectID != 0 && jobProject != caller.ProjectID {
		return model.ErrNotFound
	}
	return nil
}

// ProjectError: a project-bound caller named another project (matches
// model.ErrForbidden).
type ProjectError struct{ Bound int64 }

func (e *ProjectError) Error() string {
	return "this client is bound to project " + strconv.FormatInt(e.Bound, 10)
}

// Is makes errors.Is(err, model.ErrForbidden) true.
func (e *ProjectError) Is(target error) bool { return target == model.ErrForbidden }

// bindInput applies a caller's project binding and, for a staff member, the
// owner rules to a write: a bound caller may not name another project (a new
// customer lands in the bound project); a staff member without
// customer.assign may not give a customer to someone else, and a customer
// they create is theirs.
func bindInput(caller *model.Caller, in *CustomerInput, old *model.Customer) error {
	if p := caller.ProjectID; p != 0 {
		if in.ProjectID != nil && *in.ProjectID != p {
			return &ProjectError{Bound: p}
		}
		if old == nil {
			in.ProjectID = &p
		}
	}
	if !caller.AsStaff() {
		return nil
	}
	if old == nil && in.OwnerID == nil {
		id := caller.StaffID
		in.OwnerID = &id
	}
	if in.OwnerID != nil && !caller.Can(model.PermAssign) {
		if (old == nil && *in.OwnerID != caller.StaffID) || (old != nil && *in.OwnerID != old.OwnerID) {
			return &model.PermissionError{Perm: model.PermAssign}
		}
	}
	return nil
}

// afterWrite checks the written customer is still one the caller sees: a
// write may not move a customer out of the caller's sight (a bound caller
// cannot clear the project; a 销售 cannot hand the customer to nobody),
// except by assigning it to someone else when the role may assign.
func (a *access) afterWrite(c *model.Customer, old *model.Customer) error {
	if a.sees(c) {
		return nil
	}
	if a.caller.ProjectID != 0 && c.ProjectID != a.caller.ProjectID {
		return &ProjectError{Bound: a.caller.ProjectID}
	}
	if a.caller.Can(model.PermAssign) && (old == nil || c.OwnerID != old.OwnerID) && c.OwnerID != 0 {
		return nil // handed to someone else by a role that may
	}
	return &model.PermissionError{Perm: model.PermAssign}
}

// hideConflict names the customer holding a unique value only when the
// caller sees it: when the store could not tell who holds it (PostgreSQL
// aborts the failed statement), it is looked up here, then the id is
// dropped unless visible — the message then says only that the value is
// in use. No API looks holders up itself.
func (s *Service) hideConflict(ctx context.Context, a *access, err error) error {
	var ce *model.ConflictError
	if !errors.As(err, &ce) {
		return err
	}
	id := ce.ExistingID
	if id == 0 && ce.Value != "" {
		if cat, lerr := s.Store.LoadCatalog(ctx, a.caller.TenantID); lerr == nil {
			if f := cat.Field(ce.Field); f != nil && (keyColumns[f.ID] != "" || cat.Unique[f.ID] || f.Unique) {
				if m, lerr := s.findMany(ctx, a.caller.TenantID, f, []string{ce.Value}); lerr == nil && len(m[ce.Value]) > 0 {
					id = m[ce.Value][0]
				}
			}
		}
	}
	out := *ce
	out.ExistingID = 0
	if id != 0 {
		if c, lerr := s.Store.Customer(ctx, a.caller.TenantID, id); lerr == nil && a.sees(c) {
			out.ExistingID = id
		}
	}
	return &out
}

// visibleIDs keeps the ids of customers the caller sees, in order.
func (s *Service) visibleIDs(ctx context.Context, a *access, ids []int64) ([]int64, []int64, error) {
	if a.rnode == nil || len(ids) == 0 {
		return ids, nil, nil
	}
	cs, err := s.Store.CustomersByIDs(ctx, a.caller.TenantID, ids)
	if err != nil {
		return nil, nil, err
	}
	seen := map[int64]bool{}
	for _, c := range cs {
		seen[c.ID] = a.sees(c)
	}
	var vis, hidden []int64
	for _, id := range ids {
		if seen[id] {
			vis = append(vis, id)
		} else {
			hidden = append(hidden, id)
		}
	}
	return vis, hidden, nil
}

// maskedFieldOps are the operators a masked caller may use on a masked
// field: whole values only.
var maskedFieldOps = map[cond.Op]bool{cond.OpEq: true, cond.OpNeq: true, cond.OpIn: true, cond.OpNotIn: true,
	cond.OpIsEmpty: true, cond.OpIsNotEmpty: true}

// checkMaskedSearch refuses, for a masked caller, conditions and sorts that
// would read masked digits back: fragments of phones, emails and id numbers
// (a phone's last four digits, which the mask shows, stay searchable).
func checkMaskedSearch(caller *model.Caller, n *cond.Node, sort []query.SortSpec, cat *store.Catalog) error {
	if caller.Can(model.PermUnmask) {
		return nil
	}
	for _, sp := range sort {
		if f := cat.Field(strings.TrimSpace(sp.Field)); f != nil && maskedField(f) {
			return &model.FieldError{Field: "sort", Code: "masked_field",
				Msg: fmt.Sprintf("%s is masked for your role: it cannot be sorted on", f.Key)}
		}
	}
	var walk func(n *cond.Node) error
	walk = func(n *cond.Node) error {
		switch {
		case n == nil:
			return nil
		case n.Leaf != nil:
			f := n.Leaf.Resolved // a dialect's leaf carries its field
			if f == nil {
				f = cat.Field(n.Leaf.Field)
			}
			if f == nil || !maskedField(f) || maskedFieldOps[n.Leaf.Op] {
				return nil
			}
			if f.Type == model.TypePhone && n.Leaf.Op == cond.OpEndsWith && len(n.Leaf.Values) == 1 {
				if s, ok := n.Leaf.Values[0].(string); ok && len(digitsOf(s)) <= 4 {
					return nil
				}
			}
			return &model.FieldError{Field: f.Key, Code: "masked_field",
				Msg: fmt.Sprintf("%s is masked for your role: search by the whole value (eq or in), not by %s", f.Key, n.Leaf.Op)}
		case n.Not != nil:
			return walk(n.Not)
		}
		for _, k := range append(append([]*cond.Node{}, n.And...), n.Or...) {
			if err := walk(k); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(n)
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DefaultProject is the project an operation of the caller's works in when
// it names projectID (0: none): a bound caller's own project, and naming
// another one is a *ProjectError. For options such as an import's default
// project, before any row is read.
func DefaultProject(caller *model.Caller, projectID int64) (int64, error) {
	if err := checkCaller(caller); err != nil {
		return 0, err
	}
	if p := caller.ProjectID; p != 0 {
		if projectID != 0 && projectID != p {
			return 0, &ProjectError{Bound: p}
		}
		return p, nil
	}
	return projectID, nil
}
