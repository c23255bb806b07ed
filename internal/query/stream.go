package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Streamed pages. A 4,000-row page loaded whole is 4,000 customers of ~60
// fields in memory per request (and, on SQLite, the same rows again in the
// sorter of the statement that ordered them): with 8 clients fetching such
// pages the server's memory grew with page size × clients. A streamed page
// (Request.Stream, PageSize ≥ StreamFrom) instead reads, in one read
// snapshot (store.ReadSnapshot):
//
//  1. the page's ids and sort keys in order (Plan.PageIDsSQL: index-only
//     where the filter allows; a deep page number's OFFSET is skipped in
//     the index, and no wide row is sorted);
//  2. its total, as an unstreamed page would;
//  3. then, as the caller's encoder asks for them (Result.Each), its rows
//     by id, StreamBatch at a time, handed over in the ids' order.
//
// So the memory of a page is its ids and one batch of rows, whatever its
// size; the encoder writes each batch out before the next is loaded.

// StreamFrom is the smallest page that is streamed: below it a page is
// one query and one batch anyway.
const StreamFrom = 500

// StreamBatch is how many rows a streamed page loads at a time.
const StreamBatch = 256

// ErrPageChanged is a streamed page whose row went missing between its id
// walk and its load, which one snapshot rules out (a bug if ever seen).
var ErrPageChanged = errors.New("query: a page's row vanished inside its snapshot")

// pageStream is what a streamed Result still has to load.
type pageStream struct {
	snap     *store.ReadSnapshot
	release  func() // the large-page admission, held until Close
	tenantID int64
	ids      []int64
	rowIDs   []int64                   // the ids' rowids (Plan.PageRowIDs), or nil
	apply    []func([]*model.Customer) // Apply's functions, run on every batch
	used     bool
}

// Len is the number of customers on the page.
func (r *Result) Len() int {
	if r.stream != nil {
		return len(r.stream.ids)
	}
	return len(r.Customers)
}

// Streamed reports whether the page's rows are loaded by Each.
func (r *Result) Streamed() bool { return r.stream != nil }

// Apply runs f on the page's customers: now on Customers, or on each batch
// of a streamed page as Each loads it (crm masks with it).
func (r *Result) Apply(f func([]*model.Customer)) {
	if r.stream != nil {
		r.stream.apply = append(r.stream.apply, f)
		return
	}
	f(r.Customers)
}

// Each calls fn with the page's customers in order. A streamed page loads
// them a batch at a time (once: Each is then spent); an error of the
// database or of fn ends it.
func (r *Result) Each(ctx context.Context, fn func(*model.Customer) error) error {
	st := r.stream
	if st == nil {
		for _, c := range r.Customers {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	}
	if st.used {
		return errors.New("query: a streamed page is read once")
	}
	st.used = true
	defer r.Close()
	for start := 0; start < len(st.ids); start += StreamBatch {
		end := min(start+StreamBatch, len(st.ids))
		ids := st.ids[start:end]
		var batch []*model.Customer
		var err error
		if st.rowIDs != nil {
			batch, err = st.snap.CustomersByRowIDs(ctx, st.tenantID, st.rowIDs[start:end])
		} else {
			batch, err = st.snap.CustomersByIDs(ctx, st.tenantID, ids)
		}
		if err != nil {
			return fmt.Errorf("query: load page: %w", err)
		}
		if len(batch) != len(ids) {
			return ErrPageChanged
		}
		if st.rowIDs != nil {
			for i, c := range batch {
				if c.ID != ids[i] {
					return ErrPageChanged
				}
			}
		}
		for _, f := range st.apply {
			f(batch)
		}
		for i, c := range batch {
			if err := fn(c); err != nil {
				return err
			}
			batch[i] = nil // written: let it go before the next batch
		}
	}
	return nil
}

// Close releases what a streamed page holds (its snapshot and its turn
// among large pages). Safe on any Result, and more than once.
func (r *Result) Close() {
	if st := r.stream; st != nil {
		st.snap.Close()
		if st.release != nil {
			st.release()
			st.release = nil
		}
	}
}

// searchStream runs a plan as a streamed page: ids and total now, rows in
// Each. release is the admission to hand over to the Result (nil: none).
func (e *Engine) searchStream(ctx context.Context, req *Request, p *Plan, release func()) (res *Result, err error) {
	snap, err := e.Store.ReadSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			snap.Close()
		}
	}()
	res = &Result{Total: -1}
	if p.IDsSQL != "" && req.Total != TotalNone {
		// The small driving set: every match's ids and keys, the page cut
		// from them and the total counted in the same pass.
		if err := e.pageFromAll(ctx, snap, req, p, res); err != nil {
			return nil, err
		}
	} else {
		rows, err := snap.Query(ctx, p.PageIDsSQL, p.PageIDsArgs...)
		if err != nil {
			return nil, fmt.Errorf("query: search: %w", err)
		}
		ids := make([]int64, 0, req.PageSize)
		var rowIDs []int64
		var id, rowID int64
		ptrs := scanKeys(p.keys)
		dest := []any{&id}
		if p.PageRowIDs {
			rowIDs = make([]int64, 0, req.PageSize)
			dest = append(dest, &rowID)
		}
		dest = append(dest, ptrs...)
		var lastVals []any
		for rows.Next() {
			if len(ids) == p.pageSize {
				res.NextCursor = encodeCursor(lastVals, p.keys)
				break
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("query: scan: %w", err)
			}
			ids = append(ids, id)
			if rowIDs != nil {
				rowIDs = append(rowIDs, rowID)
			}
			lastVals = keyValues(ptrs)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("query: search: %w", err)
		}
		res.stream = &pageStream{ids: ids, rowIDs: rowIDs}
		if err := e.total(ctx, snap, req, p, res, len(ids)); err != nil {
			return nil, err
		}
	}
	res.stream.snap, res.stream.tenantID, res.stream.release = snap, req.TenantID, release
	return res, nil
}

// pageFromAll is searchIDs' walk in a snapshot: the page's ids, the
// cursor and the exact total.
func (e *Engine) pageFromAll(ctx context.Context, snap *store.ReadSnapshot, req *Request, p *Plan, res *Result) error {
	rows, err := snap.Query(ctx, p.IDsSQL, p.IDsArgs...)
	if err != nil {
		return fmt.Errorf("query: search: %w", err)
	}
	defer rows.Close()
	offset := 0
	if req.Page > 1 {
		offset = (req.Page - 1) * req.PageSize
	}
	ids := make([]int64, 0, min(req.PageSize, 256))
	var lastVals []any
	n := 0
	var id int64
	ptrs := scanKeys(p.keys)
	dest := append([]any{&id}, ptrs...)
	last := offset + req.PageSize - 1
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("query: scan: %w", err)
		}
		if n >= offset && n <= last {
			ids = append(ids, id)
			lastVals = keyValues(ptrs)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: search: %w", err)
	}
	res.Total = int64(n)
	if n > offset+req.PageSize {
		res.NextCursor = encodeCursor(lastVals, p.keys)
	}
	res.stream = &pageStream{ids: ids}
	return nil
}

// total sets a streamed page's total as searchRows does for a loaded one:
// none, the position of a page that ends the result, an estimate, or the
// count — in the page's snapshot.
func (e *Engine) total(ctx context.Context, snap *store.ReadSnapshot, req *Request, p *Plan, res *Result, n int) error {
	if req.Total == TotalNone {
		return nil
	}
	if !p.cursor && res.NextCursor == "" && (n > 0 || p.page <= 1) {
		res.Total = int64(max(p.page-1, 0))*int64(p.pageSize) + int64(n)
		return nil
	}
	if req.Total == TotalEstimate && !p.FastCount {
		return e.estimate(ctx, p, res)
	}
	if err := snap.QueryRow(ctx, p.CountSQL, p.CountArgs...).Scan(&res.Total); err != nil {
		return fmt.Errorf("query: count: %w", err)
	}
	return nil
}
