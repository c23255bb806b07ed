package platsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// op is what one record of a page does.
type op struct {
	rec    *Record
	row    int64
	create *model.Customer // validated new customer
	update int64           // customer to patch
	result string          // created, updated, unchanged; "" when it failed
}

// write matches a page's records to kehu's customers and commits them with
// their report rows, the job's counts and the checkpoint in one
// transaction, through crm's bulk path (the same validation, coercion and
// content comparison as imports and the batch upsert).
//
// Matching, in order: the customer that has the platform's id as its
// external id (kehu keeps external ids unique, so a rerun never creates a
// second one); the customer this source synced it to before; a customer
// with the same phone that came from nowhere else (no external id), the
// first import of a business that had exported from the platform before.
func (r *run) write(ctx context.Context, page int, total int64, recs []*Record) error {
	next := r.state
	next.Page, next.Total = page, total
	var issues []importer.Issue
	issue := func(o *op, kind, reason string, existing int64) {
		issues = append(issues, importer.Issue{Row: o.row, Kind: kind, Reason: crm.ZhMessage(reason), ExistingID: existing,
			Cells: []string{o.rec.ExternalID, o.rec.Name, o.rec.Phone}})
	}
	var ops []*op
	var exts []string
	seenExt := map[string]bool{}
	for i, rec := range recs {
		o := &op{rec: rec, row: r.state.Seen + int64(i) + 1}
		switch {
		case rec.Err != "":
			issue(o, importer.KindFailed, rec.Err, 0)
			next.Failed++
			continue
		case seenExt[rec.ExternalID]:
			issue(o, importer.KindFailed, fmt.Sprintf("平台在第 %d 页给了两次客户 %s，只取了第一条", page, rec.ExternalID), 0)
			next.Failed++
			continue
		case !r.since.IsZero() && !rec.Modified.IsZero() && rec.Modified.Before(r.since):
			// Not modified since the last run (达实 lastModificationTime).
			next.Unchanged++
			continue
		}
		seenExt[rec.ExternalID] = true
		ops = append(ops, o)
		exts = append(exts, rec.ExternalID)
	}
	next.Seen += int64(len(recs))
	known, err := r.st().SyncRecords(ctx, r.cfg.TenantID, r.sy.ID, exts)
	if err != nil {
		return err
	}
	cat := r.bulk.Catalog
	var pending []*op
	for _, o := range ops {
		if k, ok := known[o.rec.ExternalID]; ok && k.Hash == o.rec.Hash {
			next.Unchanged++ // the platform's record is byte for byte the last one synced
			continue
		}
		in := o.rec.In
		ext := o.rec.ExternalID
		in.ExternalID = &ext
		if r.cfg.ProjectID != 0 {
			pid := r.cfg.ProjectID
			in.ProjectID = &pid
		}
		c, err := r.prepare(ctx, o.rec)
		if err != nil {
			issue(o, importer.KindFailed, reason(err), existingOf(err))
			next.Failed++
			continue
		}
		o.create = c
		pending = append(pending, o)
	}
	if err := r.match(ctx, pending, known); err != nil {
		return err
	}
	r.mu.Lock()
	keys := r.keys
	r.keys = nil
	catalog := append([]string(nil), r.cat...)
	r.mu.Unlock()
	next.Keys = mergeKeys(next.Keys, keys)
	next.Catalog = sortedUnique(catalog)
	err = r.st().InTx(ctx, func(tx *store.Tx) error {
		// The history names the sync and its API for every change, not the
		// platform's creator (kept as the customer's createdBy).
		tx.SetOrigin(store.Origin{Actor: r.actor(), Via: model.ViaSync})
		out := next
		var pageIssues []importer.Issue
		var creates []*op
		for _, o := range pending {
			o.result = ""
			if o.update == 0 {
				creates = append(creates, o)
			}
		}
		if err := r.insert(ctx, tx, creates, cat, func(o *op, err error) {
			pageIssues = append(pageIssues, importer.Issue{Row: o.row, Kind: importer.KindFailed, Reason: crm.ZhMessage(err.Error()), ExistingID: existingOf(err),
				Cells: []string{o.rec.ExternalID, o.rec.Name, o.rec.Phone}})
		}); err != nil {
			return err
		}
		for _, o := range pending {
			if o.update == 0 {
				continue
			}
			res, err := r.bulk.UpdateTx(ctx, tx, o.update, o.rec.In)
			if err != nil {
				var fe *model.FieldError
				var ce *model.ConflictError
				if !errors.As(err, &fe) && !errors.As(err, &ce) && !errors.Is(err, model.ErrNotFound) {
					return err
				}
				pageIssues = append(pageIssues, importer.Issue{Row: o.row, Kind: importer.KindFailed, Reason: crm.ZhMessage(reason(err)), ExistingID: o.update,
					Cells: []string{o.rec.ExternalID, o.rec.Name, o.rec.Phone}})
				continue
			}
			o.result = res
		}
		var remember []store.SyncRecord
		for _, o := range pending {
			switch o.result {
			case "created":
				out.Created++
			case "updated":
				out.Updated++
			case "unchanged":
				out.Unchanged++
			default:
				out.Failed++
				continue
			}
			id := o.update
			if id == 0 {
				id = o.create.ID
			}
			remember = append(remember, store.SyncRecord{ExternalID: o.rec.ExternalID, CustomerID: id, Hash: o.rec.Hash})
			for _, d := range o.rec.Dropped {
				pageIssues = append(pageIssues, importer.Issue{Row: o.row, Kind: importer.KindUnmapped, Reason: d, ExistingID: id,
					Cells: []string{o.rec.ExternalID, o.rec.Name, o.rec.Phone}})
				out.NotMapped++
			}
		}
		if err := tx.PutSyncRecords(ctx, r.cfg.TenantID, r.sy.ID, remember); err != nil {
			return err
		}
		all := append(append([]importer.Issue(nil), issues...), pageIssues...)
		if err := tx.AddImportIssues(ctx, r.cfg.TenantID, r.job.ID, importer.IssueRows(all)); err != nil {
			return err
		}
		importer.SetExternalCounts(r.job, max(total, out.Seen), out.Seen, out.Created, out.Updated, out.Unchanged, out.Failed)
		if err := tx.SaveImport(ctx, r.job); err != nil {
			return err
		}
		if err := r.saveState(ctx, tx, &out); err != nil {
			return err
		}
		next = out
		return nil
	})
	if err != nil {
		return err
	}
	r.state = next
	return nil
}

// insert creates the page's new customers with one multi-row insert; when
// the database refuses one (a unique value another customer holds), they
// go one by one, each in a savepoint, and the refused ones are reported.
func (r *run) insert(ctx context.Context, tx *store.Tx, creates []*op, cat *store.Catalog, failed func(*op, error)) error {
	if len(creates) == 0 {
		return nil
	}
	cs := make([]*model.Customer, len(creates))
	for i, o := range creates {
		r.stamp(o)
		cs[i] = o.create
	}
	err := tx.Savepoint(ctx, func() error { return tx.InsertCustomers(ctx, cs, cat) })
	if err == nil {
		for _, o := range creates {
			o.result = "created"
		}
		return nil
	}
	if !errors.Is(err, model.ErrConflict) {
		return err
	}
	for _, o := range creates {
		err := tx.Savepoint(ctx, func() error { return tx.InsertCustomer(ctx, o.create, cat) })
		switch {
		case err == nil:
			o.result = "created"
		case errors.Is(err, model.ErrConflict):
			failed(o, err)
		default:
			return err
		}
	}
	return nil
}

// stamp gives a new customer its id and the platform's creation time and
// creator.
func (r *run) stamp(o *op) {
	c := o.create
	if c.ID == 0 {
		c.ID = idgen.Next()
	}
	if !o.rec.CreatedAt.IsZero() {
		c.CreatedAt = o.rec.CreatedAt.Truncate(time.Millisecond)
	}
	if o.rec.CreatedBy != "" {
		c.CreatedBy, c.CreatedByName = o.rec.CreatedBy, o.rec.CreatedByName
	}
}

// prepare validates a record as crm would create it. A value crm refuses
// is dropped and reported, and the rest is tried again, so one bad email
// on the platform does not keep the customer out of kehu.
func (r *run) prepare(ctx context.Context, rec *Record) (*model.Customer, error) {
	for range 16 {
		c, err := r.bulk.Prepare(ctx, rec.In)
		if err == nil {
			return c, nil
		}
		var fe *model.FieldError
		if !errors.As(err, &fe) || fe.Field == "name" || fe.Field == "externalId" || fe.Field == "projectId" || !dropInput(rec.In, fe.Field) {
			return nil, err
		}
		rec.Dropped = append(rec.Dropped, crm.ZhMessage(fe.Field+": "+fe.Msg)+"（未同步）")
	}
	return nil, errors.New("太多值无法同步")
}

// match finds, for each prepared record, the customer it updates (0:
// create).
func (r *run) match(ctx context.Context, ops []*op, known map[string]store.SyncRecord) error {
	if len(ops) == 0 {
		return nil
	}
	cat := r.bulk.Catalog
	var exts, phones []string
	for _, o := range ops {
		exts = append(exts, o.rec.ExternalID)
		if o.create.Phone != "" {
			phones = append(phones, o.create.Phone)
		}
	}
	byExt, err := r.bulk.FindMany(ctx, cat.ByKey[crm.ByExternalID], exts)
	if err != nil {
		return err
	}
	claimed := map[int64]bool{}
	var linked []int64
	for _, o := range ops {
		if ids := byExt[o.rec.ExternalID]; len(ids) > 0 {
			o.update = ids[0]
			claimed[ids[0]] = true
		} else if k, ok := known[o.rec.ExternalID]; ok {
			linked = append(linked, k.CustomerID)
		}
	}
	// Customers this source made before whose external id was changed in
	// kehu since: still theirs, if they exist.
	if len(linked) > 0 {
		cs, err := r.st().CustomersByIDs(ctx, r.cfg.TenantID, linked)
		if err != nil {
			return err
		}
		alive := map[int64]bool{}
		for _, c := range cs {
			alive[c.ID] = true
		}
		for _, o := range ops {
			if k, ok := known[o.rec.ExternalID]; ok && o.update == 0 && alive[k.CustomerID] && !claimed[k.CustomerID] {
				o.update = k.CustomerID
				claimed[k.CustomerID] = true
			}
		}
	}
	if len(phones) == 0 {
		return nil
	}
	byPhone, err := r.bulk.FindMany(ctx, cat.ByKey[crm.ByPhone], phones)
	if err != nil {
		return err
	}
	var cand []int64
	for _, ids := range byPhone {
		cand = append(cand, ids...)
	}
	cs, err := r.st().CustomersByIDs(ctx, r.cfg.TenantID, cand)
	if err != nil {
		return err
	}
	free := map[int64]bool{}
	for _, c := range cs {
		free[c.ID] = c.ExternalID == ""
	}
	for _, o := range ops {
		if o.update != 0 || o.create.Phone == "" {
			continue
		}
		for _, id := range byPhone[o.create.Phone] {
			if free[id] && !claimed[id] {
				o.update = id
				claimed[id] = true
				break
			}
		}
	}
	return nil
}

// reason is an error as a report row says it.
func reason(err error) string {
	var fe *model.FieldError
	if errors.As(err, &fe) {
		return fe.Field + ": " + fe.Msg
	}
	if errors.Is(err, model.ErrNotFound) {
		return "匹配到的客户已被删除"
	}
	return err.Error()
}

func existingOf(err error) int64 {
	var ce *model.ConflictError
	if errors.As(err, &ce) {
		return ce.ExistingID
	}
	return 0
}
