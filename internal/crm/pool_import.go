package crm

import (
	"context"
	"errors"
	"fmt"

	"github.com/kehu/kehu/internal/model"
)

// Import straight into a 公海 pool (kehu import --pool, the import API's
// poolId): the customers a bulk creates land in the pool — no owner, in
// the pool, entered by "import" — and each gets a pool.import action.
// Customers the bulk updates (an import that updates duplicates) keep
// their owner and pool: moving an owned customer into a pool is Move's,
// with its own permission.
//
// Who may: a caller that may import and sees the pool. A row that names
// an owner contradicts the pool and fails alone; a pool bound to a project
// takes the rows of that project only (rows naming none are put in it).

// IntoPool makes the customers the bulk creates land in pool poolID, with
// reason on their pool state and action. A pool the caller may not see is
// reported as not existing.
func (b *Bulk) IntoPool(ctx context.Context, poolID int64, reason string) (*model.Pool, error) {
	if err := need(b.Caller, model.PermImport); err != nil {
		return nil, err
	}
	p, err := b.s.Pool(ctx, b.Caller, poolID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.Invalid("poolId", "pool %d does not exist", poolID)
	}
	if err != nil {
		return nil, err
	}
	b.pool, b.poolReason = p, reason
	return p, nil
}

// Pool is the pool the bulk's new customers land in (nil: none).
func (b *Bulk) Pool() *model.Pool { return b.pool }

// checkPoolRow refuses a row that names an owner for a pool import, and
// puts a row without a project into a project-bound pool's project.
func (b *Bulk) checkPoolRow(in *CustomerInput) error {
	if in.OwnerID != nil && *in.OwnerID != 0 {
		return &model.FieldError{Field: "ownerId", Code: "pool_import",
			Msg: fmt.Sprintf("the rows go into pool %q, where customers have no owner: leave the owner empty", b.pool.Name)}
	}
	if b.pool.ProjectID != 0 && in.ProjectID == nil {
		id := b.pool.ProjectID
		in.ProjectID = &id
	}
	return nil
}

// placeInPool puts a prepared new customer into the bulk's pool.
func (b *Bulk) placeInPool(c *model.Customer) error {
	if err := poolProject(b.pool, c); err != nil {
		return &model.FieldError{Field: "projectId", Code: "pool_project",
			Msg: fmt.Sprintf("pool %q holds customers of project %d only", b.pool.Name, b.pool.ProjectID)}
	}
	enterPool(c, b.pool, model.PoolEntryImport, b.poolReason)
	return nil
}

// PoolActions are the pool.import actions of customers the bulk created
// into its pool (none without a pool), for the transaction that inserts
// them.
func (b *Bulk) PoolActions(cs []*model.Customer) []*model.PoolAction {
	if b.pool == nil {
		return nil
	}
	out := make([]*model.PoolAction, 0, len(cs))
	for _, c := range cs {
		if c.PoolID != b.pool.ID || c.PoolEntry != model.PoolEntryImport {
			continue
		}
		out = append(out, &model.PoolAction{PoolID: b.pool.ID, CustomerID: c.ID, Action: model.PoolImport,
			Actor: b.Actor, Via: model.ViaImport, Reason: b.poolReason, At: c.CreatedAt})
	}
	return out
}
