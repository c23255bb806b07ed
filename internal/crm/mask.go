package crm

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Masking (脱敏), decided here for every API and the exporter: a caller
// without customer.unmask gets every customer crm returns with phone
// numbers, email addresses and id numbers masked — the system fields and
// custom fields of type phone or email. The dialects render the masked
// values in their own fields as they render real ones (+86138****5678 shows
// as 138****5678 where a platform drops the country code).

// MaskPhone keeps a number's first three and last four digits
// (+8613812345678 → +86138****5678, 021-12345678 → 021-1****5678); other
// characters stay. Numbers of eight digits or fewer keep their last two.
func MaskPhone(p string) string {
	if p == "" {
		return ""
	}
	prefix := ""
	if rest, ok := strings.CutPrefix(p, "+86"); ok {
		prefix, p = "+86", rest
	} else if rest, ok := strings.CutPrefix(p, "+"); ok {
		prefix, p = "+", rest
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] >= '0' && p[i] <= '9' {
			n++
		}
	}
	head, tail := 3, 4
	if n <= 8 {
		head, tail = 0, 2
	}
	b := []byte(p)
	k := 0
	for i := range b {
		if b[i] >= '0' && b[i] <= '9' {
			if k >= head && k < n-tail {
				b[i] = '*'
			}
			k++
		}
	}
	return prefix + string(b)
}

// MaskEmail keeps the first character of the local part and the domain
// (zhangsan@example.com → z***@example.com).
func MaskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at <= 0 {
		return maskAllButEdges(e, 1, 0)
	}
	_, size := utf8.DecodeRuneInString(e)
	return e[:size] + "***" + e[at:]
}

// MaskIDNumber keeps the first four and last four characters
// (440106199001011234 → 4401**********1234); short numbers keep one at
// each end.
func MaskIDNumber(s string) string {
	if utf8.RuneCountInString(s) > 8 {
		return maskAllButEdges(s, 4, 4)
	}
	return maskAllButEdges(s, 1, 1)
}

func maskAllButEdges(s string, head, tail int) string {
	rs := []rune(s)
	for i := range rs {
		if i >= head && i < len(rs)-tail {
			rs[i] = '*'
		}
	}
	return string(rs)
}

// maskedField reports whether a field's values are masked for callers
// without customer.unmask.
func maskedField(f *model.Field) bool {
	switch f.ID {
	case model.FieldPhone, model.FieldEmail, model.FieldIDNumber:
		return true
	}
	return !f.System && (f.Type == model.TypePhone || f.Type == model.TypeEmail)
}

// Masked reports whether the caller sees masked values.
func Masked(caller *model.Caller) bool { return !caller.Can(model.PermUnmask) }

// mask returns c as the caller may see it: c itself for callers who may
// unmask, else a masked copy (c is not changed).
func mask(caller *model.Caller, cat *store.Catalog, c *model.Customer) *model.Customer {
	if c == nil || !Masked(caller) {
		return c
	}
	m := *c
	m.Phone = MaskPhone(c.Phone)
	if len(c.Phones) > 0 {
		m.Phones = make([]string, len(c.Phones))
		for i, p := range c.Phones {
			m.Phones[i] = MaskPhone(p)
		}
	}
	m.ContactPhone, m.BusinessPhone, m.HomePhone, m.Fax = MaskPhone(c.ContactPhone), MaskPhone(c.BusinessPhone), MaskPhone(c.HomePhone), MaskPhone(c.Fax)
	if c.Email != "" {
		m.Email = MaskEmail(c.Email)
	}
	if c.IDNumber != "" {
		m.IDNumber = MaskIDNumber(c.IDNumber)
	}
	if len(c.Custom) > 0 && cat != nil {
		vals, err := c.CustomValues()
		if err == nil {
			changed := false
			for k, v := range vals {
				id, err := strconv.ParseInt(k, 10, 64)
				f := cat.Fields[id]
				if err != nil || f == nil || !maskedField(f) {
					continue
				}
				if s, ok := v.(string); ok {
					if f.Type == model.TypePhone {
						vals[k] = MaskPhone(s)
					} else {
						vals[k] = MaskEmail(s)
					}
					changed = true
				}
			}
			if changed {
				if b, err := json.Marshal(vals); err == nil {
					m.Custom = b
				}
			}
		}
	}
	return &m
}

// maskAll masks a page of customers in place of the slice.
func maskAll(caller *model.Caller, cat *store.Catalog, cs []*model.Customer) {
	if !Masked(caller) {
		return
	}
	for i, c := range cs {
		cs[i] = mask(caller, cat, c)
	}
}

// Unmask is the "show" action (POST /v1/customers/{id}/unmask, the
// console's 显示): one customer the caller sees, with its full phone
// numbers, email and id number, for a caller with customer.unmask — and an
// audit entry of who looked at whose data, written before the data is
// returned. Without the permission it is a model.PermissionError and
// nothing is read or written; a customer the caller does not see is
// model.ErrNotFound.
func (s *Service) Unmask(ctx context.Context, caller *model.Caller, id int64) (*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	if !caller.Can(model.PermUnmask) {
		return nil, &model.PermissionError{Perm: model.PermUnmask}
	}
	c, err := s.Customer(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.Store, caller, audit.CustomerUnmask, audit.Customer(id), nil); err != nil {
		return nil, err
	}
	return c, nil
}
