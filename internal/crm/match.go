package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Matching (查重): the rules that decide whether a record describes a
// customer who already exists. A record is matched on normalised values —
// phone in E.164, email lower-cased, id number upper-cased, external id
// trimmed, a unique custom field by store.UniqueValue — so "138 1234 5678"
// and "+86 13812345678" are the same key everywhere (imports, batch upserts).

// Match key names besides unique field keys.
const (
	ByID         = "id"
	ByExternalID = "externalId"
	ByPhone      = "phone"
	ByEmail      = "email"
	ByIDNumber   = "idNumber"
)

// DefaultDedupeKeys are the keys imports match on unless told otherwise
// (fields marked unique are always added).
var DefaultDedupeKeys = []string{ByPhone, ByEmail, ByIDNumber, ByExternalID}

// Key is one normalised value a customer is matched on.
type Key struct {
	By    string // id, externalId, phone, email, idNumber, or a unique field's key
	Field int64  // catalogue field id (model.FieldID for id)
	Value string // canonical value
}

func (k Key) String() string { return k.By + " " + k.Value }

// MatchField resolves a match key name: id, externalId, phone, email,
// idNumber, or the key (or id) of a field marked unique.
func MatchField(cat *store.Catalog, by string) (*model.Field, error) {
	switch by {
	case ByID, ByExternalID, ByPhone, ByEmail, ByIDNumber:
		return cat.ByKey[by], nil
	}
	if f := cat.Field(by); f != nil && f.Unique && !f.System {
		return f, nil
	}
	return nil, model.Invalid("match.by", "cannot match on %q: use id, externalId, phone, email, idNumber or a field marked unique", by)
}

// Enforced reports whether the database forbids two customers sharing a
// value of the key (a field marked unique, or the external id).
func Enforced(cat *store.Catalog, f *model.Field) bool {
	return f.ID == model.FieldExternalID || cat.Unique[f.ID]
}

// KeysOf returns c's values for the given match fields (empty values are
// left out). c must have been validated (Bulk.Prepare or Normalize).
func KeysOf(c *model.Customer, fields []*model.Field) []Key {
	var keys []Key
	var vals map[string]any
	for _, f := range fields {
		var v string
		switch f.ID {
		case model.FieldID:
			if c.ID != 0 {
				v = strconv.FormatInt(c.ID, 10)
			}
		case model.FieldPhone:
			v = c.Phone
		case model.FieldEmail:
			v = c.Email
		case model.FieldIDNumber:
			v = strings.ToUpper(c.IDNumber)
		case model.FieldExternalID:
			v = c.ExternalID
		default:
			if f.System {
				continue
			}
			if vals == nil {
				vals, _ = c.CustomValues()
			}
			if x, ok := vals[strconv.FormatInt(f.ID, 10)]; ok {
				v = store.UniqueValue(f, x)
			}
		}
		if v != "" {
			keys = append(keys, Key{By: f.Key, Field: f.ID, Value: v})
		}
	}
	return keys
}

// NormalizeKey turns a value a client sent for matching into a key: the
// same normalisation writes get.
func (s *Service) NormalizeKey(cat *store.Catalog, f *model.Field, raw any) (Key, error) {
	field := "match.value"
	str, isStr := asString(raw)
	k := Key{By: f.Key, Field: f.ID}
	switch f.ID {
	case model.FieldID:
		n, ok := asInt(raw)
		if !ok || n <= 0 {
			return k, model.Invalid(field, "an id must be a positive integer")
		}
		k.Value = strconv.FormatInt(n, 10)
		return k, nil
	case model.FieldPhone:
		if !isStr {
			return k, model.Invalid(field, "want a phone number string")
		}
		p, err := s.normalizePhone(field, str)
		if err != nil {
			return k, err
		}
		k.Value = p
	case model.FieldEmail:
		if !isStr {
			return k, model.Invalid(field, "want an email string")
		}
		k.Value = strings.ToLower(strings.TrimSpace(str))
	case model.FieldIDNumber:
		if !isStr {
			return k, model.Invalid(field, "want a string")
		}
		k.Value = strings.ToUpper(strings.TrimSpace(str))
	case model.FieldExternalID:
		if !isStr {
			return k, model.Invalid(field, "want a string")
		}
		k.Value = strings.TrimSpace(str)
	default:
		if f.System {
			return k, model.Invalid("match.by", "cannot match on %q", f.Key)
		}
		v, err := Coerce(f, raw, s.Region)
		if err != nil {
			return k, model.Invalid(field, "%s", err.Error())
		}
		if v != nil {
			k.Value = store.UniqueValue(f, v)
		}
	}
	if k.Value == "" {
		return k, &model.FieldError{Field: field, Code: "required", Msg: "is empty"}
	}
	return k, nil
}

// SetKey writes a match key's value into a record that does not set that
// field itself, so a record created by an upsert carries the value it was
// matched on.
func SetKey(in *CustomerInput, f *model.Field, raw any) {
	str, _ := asString(raw)
	switch f.ID {
	case model.FieldPhone:
		if in.Phone == nil {
			in.Phone = &str
		}
	case model.FieldEmail:
		if in.Email == nil {
			in.Email = &str
		}
	case model.FieldIDNumber:
		if in.IDNumber == nil {
			in.IDNumber = &str
		}
	case model.FieldExternalID:
		if in.ExternalID == nil {
			in.ExternalID = &str
		}
	default:
		if f.System {
			return
		}
		if _, ok := in.Fields[f.Key]; ok {
			return
		}
		if _, ok := in.Fields[strconv.FormatInt(f.ID, 10)]; ok {
			return
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return
		}
		if in.Fields == nil {
			in.Fields = map[string]json.RawMessage{}
		}
		in.Fields[f.Key] = b
	}
}

// idNumberVariants are the stored spellings an upper-cased id number may
// have (the column keeps what was typed; a trailing x is common).
func idNumberVariants(v string) []string {
	out := []string{v}
	if l := strings.ToLower(v); l != v {
		out = append(out, l)
		if n := len(v); n > 0 {
			out = append(out, v[:n-1]+strings.ToLower(v[n-1:]))
		}
	}
	return out
}

var keyColumns = map[int64]string{model.FieldPhone: "phone", model.FieldEmail: "email", model.FieldIDNumber: "id_number", model.FieldExternalID: "external_id", model.FieldID: "id"}

// findTx returns the customers (oldest first, at most limit) holding a key,
// inside a write transaction so earlier writes of the same batch count,
// whoever may see them (Bulk.FindTx filters for its caller).
func (s *Service) findTx(ctx context.Context, tx *store.Tx, tenantID int64, k Key, limit int) ([]int64, error) {
	switch col := keyColumns[k.Field]; {
	case k.Field == model.FieldID:
		id, _ := strconv.ParseInt(k.Value, 10, 64)
		if _, err := tx.CustomerForUpdate(ctx, tenantID, id); err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return nil, nil
			}
			return nil, err
		}
		return []int64{id}, nil
	case col != "":
		vals := []string{k.Value}
		if k.Field == model.FieldIDNumber {
			vals = idNumberVariants(k.Value)
		}
		return tx.CustomerIDsByColumn(ctx, tenantID, col, vals, limit)
	default:
		id, err := tx.CustomerIDByUnique(ctx, tenantID, k.Field, k.Value)
		if errors.Is(err, model.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []int64{id}, nil
	}
}

// findMany looks many values of one match field up at once (outside a
// transaction): value → customers holding it, oldest first, whoever may
// see them (Bulk.FindMany filters for its caller).
func (s *Service) findMany(ctx context.Context, tenantID int64, f *model.Field, values []string) (map[string][]int64, error) {
	if len(values) == 0 {
		return map[string][]int64{}, nil
	}
	col := keyColumns[f.ID]
	if col == "" {
		owners, err := s.Store.UniqueOwners(ctx, tenantID, f.ID, values)
		if err != nil {
			return nil, err
		}
		out := make(map[string][]int64, len(owners))
		for v, id := range owners {
			out[v] = []int64{id}
		}
		return out, nil
	}
	if f.ID != model.FieldIDNumber {
		return s.Store.CustomerIDsByValues(ctx, tenantID, col, values)
	}
	var all []string
	for _, v := range values {
		all = append(all, idNumberVariants(v)...)
	}
	found, err := s.Store.CustomerIDsByValues(ctx, tenantID, col, all)
	if err != nil {
		return nil, err
	}
	out := map[string][]int64{}
	for v, ids := range found {
		u := strings.ToUpper(v)
		out[u] = mergeIDs(out[u], ids)
	}
	return out, nil
}

func mergeIDs(a, b []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, x := range append(append([]int64{}, a...), b...) {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// DescribeIDs renders customer ids for a message: "123", "123 and 456".
func DescribeIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return fmt.Sprintf("%s and %s", strings.Join(parts[:len(parts)-1], ", "), parts[len(parts)-1])
}

// Holders returns the customers the caller sees holding a value of a match
// field (for messages such as "cannot mark unique: held by …"), oldest first.
func (s *Service) Holders(ctx context.Context, caller *model.Caller, f *model.Field, value string) ([]int64, error) {
	a, err := s.access(ctx, caller, nil)
	if err != nil {
		return nil, err
	}
	m, err := s.findMany(ctx, caller.TenantID, f, []string{value})
	if err != nil {
		return nil, err
	}
	vis, _, err := s.visibleIDs(ctx, a, m[value])
	return vis, err
}
