package crm

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Masked values written back. A masked caller reads 138****5678 and many
// clients send the whole record back on an update (Yeastar's PUT, a
// console form, a 探马 edit of another field): for every API, a value equal
// to the caller's masked rendering of the stored value means "unchanged",
// so the stored number stays and the write of the other fields succeeds.
// Decided here, once, for UpdateCustomer and Bulk.Patch; the comparison
// accepts the masked value in the forms the dialects render it (E.164, the
// national number without +86, a landline with its trunk 0). A caller who
// may unmask never reads a masked value, so nothing is kept for it.

// keepMasked clears (or, in lists, restores) the values of in that equal the
// caller's masked rendering of old's. in is changed in place: pass a copy of
// the client's input (Fields is replaced, not edited, when it changes).
func keepMasked(caller *model.Caller, cat *store.Catalog, in *CustomerInput, old *model.Customer) {
	if !Masked(caller) || old == nil {
		return
	}
	for _, p := range []struct {
		in     **string
		stored string
	}{{&in.Phone, old.Phone}, {&in.ContactPhone, old.ContactPhone}, {&in.BusinessPhone, old.BusinessPhone},
		{&in.HomePhone, old.HomePhone}, {&in.Fax, old.Fax}} {
		if *p.in != nil && p.stored != "" && maskedPhoneOf(**p.in, p.stored) {
			*p.in = nil
		}
	}
	if in.Email != nil && old.Email != "" && sameMasked(*in.Email, MaskEmail(old.Email)) {
		in.Email = nil
	}
	if in.IDNumber != nil && old.IDNumber != "" && sameMasked(*in.IDNumber, MaskIDNumber(old.IDNumber)) {
		in.IDNumber = nil
	}
	if in.Phones != nil {
		stored := append([]string{old.Phone}, old.Phones...)
		list := make([]string, len(*in.Phones))
		for i, v := range *in.Phones {
			list[i] = v
			for _, s := range stored {
				if s != "" && maskedPhoneOf(v, s) {
					list[i] = s // the real number it stands for
					break
				}
			}
		}
		in.Phones = &list
	}
	if len(in.Fields) > 0 && cat != nil && len(old.Custom) > 0 {
		vals, err := old.CustomValues()
		if err != nil {
			return
		}
		var fields map[string]json.RawMessage
		for k, raw := range in.Fields {
			f := cat.Field(k)
			if f == nil || !maskedField(f) {
				continue
			}
			stored, _ := vals[strconv.FormatInt(f.ID, 10)].(string)
			var v string
			if stored == "" || json.Unmarshal(raw, &v) != nil {
				continue
			}
			same := false
			if f.Type == model.TypePhone {
				same = maskedPhoneOf(v, stored)
			} else {
				same = sameMasked(v, MaskEmail(stored))
			}
			if same {
				if fields == nil {
					fields = maps.Clone(in.Fields)
				}
				delete(fields, k)
			}
		}
		if fields != nil {
			in.Fields = fields
		}
	}
}

// maskedBack is keepMasked on a copy of in (in itself is the client's and
// is not changed; the copy is made only for a masked caller).
func maskedBack(caller *model.Caller, cat *store.Catalog, in *CustomerInput, old *model.Customer) *CustomerInput {
	if !Masked(caller) {
		return in
	}
	cp := *in
	keepMasked(caller, cat, &cp, old)
	return &cp
}

// maskedPhoneOf reports whether v is the masked rendering of the stored
// number in one of the forms an API shows it: +86138****5678,
// 138****5678, 0216***4567 for a landline.
func maskedPhoneOf(v, stored string) bool {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "*") {
		return false // a real number: a write like any other
	}
	m := MaskPhone(stored)
	if v == m {
		return true
	}
	if rest, ok := strings.CutPrefix(m, "+86"); ok {
		return v == rest || v == "0"+rest || v == "86"+rest
	}
	return false
}

// sameMasked compares a written value with a masked rendering (emails are
// stored lower-case; clients may send them back as read).
func sameMasked(v, masked string) bool {
	v = strings.TrimSpace(v)
	return strings.Contains(v, "*") && strings.EqualFold(v, masked)
}
