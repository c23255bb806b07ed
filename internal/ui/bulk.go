package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// maxBulk bounds one bulk action (a page of the list is pageSize rows).
const maxBulk = 500

// bulkAction serves POST /customers/bulk: the customers ticked on the list
// get a tag, an owner or a status, are deleted, or are claimed from their
// 公海 or released back to it — each one a crm write with the session's
// caller (crm refuses what the role may not do and any customer the
// caller may not see).
func (h *Handler) bulkAction(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return model.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	back := localPath(f.Get("back"), "/customers")
	var ids []int64
	for _, s := range f["ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return model.Invalid("ids", "%q is not a customer id", s)
		}
		ids = append(ids, id)
	}
	t := h.messages.translator(langOf(r))
	if len(ids) == 0 {
		return model.Invalid("ids", "%s", t("bulk.noneSelected"))
	}
	if len(ids) > maxBulk {
		return model.Invalid("ids", "at most %d customers at a time", maxBulk)
	}
	ctx, who := r.Context(), callerOf(r)
	num := func(name string) (int64, error) {
		n, err := strconv.ParseInt(f.Get(name), 10, 64)
		if err != nil {
			return 0, model.Invalid(name, "%s", t("bulk.pick"))
		}
		return n, nil
	}
	var each func(id int64) error
	switch f.Get("action") {
	case "tag":
		tag, err := num("tag")
		if err != nil {
			return err
		}
		each = func(id int64) error {
			c, err := h.Svc.Customer(ctx, who, id)
			if err != nil {
				return err
			}
			if contains(c.TagIDs, tag) {
				return nil
			}
			tags := append(c.TagIDs[:len(c.TagIDs):len(c.TagIDs)], tag)
			_, err = h.Svc.UpdateCustomer(ctx, who, id, &crm.CustomerInput{TagIDs: &tags})
			return err
		}
	case "owner":
		owner, err := num("owner")
		if err != nil {
			return err
		}
		each = func(id int64) error {
			_, err := h.Svc.UpdateCustomer(ctx, who, id, &crm.CustomerInput{OwnerID: &owner})
			return err
		}
	case "status":
		st, err := num("status")
		if err != nil {
			return err
		}
		s := int(st)
		each = func(id int64) error {
			_, err := h.Svc.UpdateCustomer(ctx, who, id, &crm.CustomerInput{Status: &s})
			return err
		}
	case "delete":
		if err := h.Svc.DeleteCustomers(ctx, who, ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := audit.Record(ctx, h.Store, who, audit.CustomerDelete, audit.Customer(id), nil); err != nil {
				return err
			}
		}
	case "claim", "release":
		if err := h.poolBulk(r, f.Get("action"), ids, strings.TrimSpace(f.Get("reason"))); err != nil {
			return err
		}
	default:
		return model.Invalid("action", "%s", t("bulk.pick"))
	}
	if each != nil {
		for i, id := range ids {
			if err := each(id); err != nil {
				_, msg := h.classify(r, err)
				return fmt.Errorf("%w", &model.FieldError{Field: "", Code: "bulk_partial", Msg: t("bulk.partial", i, len(ids), msg)})
			}
		}
	}
	sep := "?"
	if len(back) > 0 && containsByte(back, '?') {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"saved=bulk", http.StatusSeeOther)
	return nil
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// poolBulk claims the ticked customers from their pools (action "claim")
// or releases them to the pools that govern them ("release", with the
// reason): one crm pool action per pool and MaxPoolBatch customers, each
// all or nothing, so a rule (a cap, a cooldown, the daily limit) refuses a
// whole action and says which rule.
func (h *Handler) poolBulk(r *http.Request, action string, ids []int64, reason string) error {
	ctx, who := r.Context(), callerOf(r)
	t := h.messages.translator(langOf(r))
	byPool := map[int64][]int64{}
	var order []int64
	for _, id := range ids {
		c, err := h.Svc.Customer(ctx, who, id)
		if err != nil {
			return err
		}
		pool := c.PoolID
		if action == "release" {
			pool = c.HomePoolID
		}
		if pool == 0 {
			key := "bulk.notInPool"
			if action == "release" {
				key = "bulk.noPool"
			}
			return model.Invalid("ids", "%s", t(key, c.Name))
		}
		if byPool[pool] == nil {
			order = append(order, pool)
		}
		byPool[pool] = append(byPool[pool], id)
	}
	done := 0
	for _, pool := range order {
		all := byPool[pool]
		for start := 0; start < len(all); start += crm.MaxPoolBatch {
			in := &crm.PoolActionInput{CustomerIDs: all[start:min(start+crm.MaxPoolBatch, len(all))], Reason: reason}
			var err error
			if action == "claim" {
				_, err = h.Svc.Claim(ctx, who, pool, in)
			} else {
				_, err = h.Svc.Release(ctx, who, pool, in)
			}
			if err != nil {
				_, msg := h.classify(r, err)
				return &model.FieldError{Field: "", Code: "bulk_partial", Msg: t("bulk.partial", done, len(ids), msg)}
			}
			done += len(in.CustomerIDs)
		}
	}
	return nil
}
