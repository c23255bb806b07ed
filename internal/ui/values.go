package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// names resolves the ids a customer carries (owner, collaborators, tags,
// stage, project) to names for display, loaded once per request. Staff and
// projects are the caller's directory (crm.Staff, crm.Projects): the
// pickers offer, and the pages name, only whom and what crm lets the
// caller list; anyone else shows as #id.
type names struct {
	Staff    map[int64]string
	Tags     map[int64]string
	Stages   map[int64]string
	Projects map[int64]string
	Pools    map[int64]string // the 公海 the caller sees
	// Lists in display order, for pickers.
	StaffList []model.Staff
	TagGroups []model.TagGroup
	StageList []model.Stage
}

func (h *Handler) loadNames(ctx context.Context, who *model.Caller) (*names, error) {
	n := &names{Staff: map[int64]string{}, Tags: map[int64]string{}, Stages: map[int64]string{}, Projects: map[int64]string{},
		Pools: map[int64]string{}}
	tenantID := who.TenantID
	var err error
	if n.StaffList, err = h.Svc.Staff(ctx, who); err != nil {
		return nil, err
	}
	for _, s := range n.StaffList {
		n.Staff[s.ID] = s.Name
	}
	if n.TagGroups, err = h.Store.TagGroups(ctx, tenantID); err != nil {
		return nil, err
	}
	for _, g := range n.TagGroups {
		for _, t := range g.Tags {
			n.Tags[t.ID] = t.Name
		}
	}
	if n.StageList, err = h.Store.Stages(ctx, tenantID); err != nil {
		return nil, err
	}
	for _, s := range n.StageList {
		n.Stages[s.ID] = s.Name
	}
	ps, err := h.Svc.Projects(ctx, who)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		n.Projects[p.ID] = p.Name
	}
	pools, err := h.Svc.VisiblePools(ctx, who)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		n.Pools[p.ID] = p.Name
	}
	return n, nil
}

// display renders field f of customer c as text (already masked by crm for
// callers without the unmask permission).
func display(f *model.Field, c *model.Customer, custom map[string]any, n *names) string {
	if !f.System {
		return customText(f, custom[f.Key])
	}
	switch f.ID {
	case model.FieldID:
		return strconv.FormatInt(c.ID, 10)
	case model.FieldName:
		return c.Name
	case model.FieldPhone:
		return strings.Join(append([]string{c.Phone}, c.Phones...), ", ")
	case model.FieldEmail:
		return c.Email
	case model.FieldCompany:
		return c.Company
	case model.FieldAddress:
		return c.Address
	case model.FieldRemark:
		return c.Remark
	case model.FieldStatus, model.FieldSex, model.FieldIDType, model.FieldMarriage, model.FieldEducation:
		v := map[int64]int{model.FieldStatus: c.Status, model.FieldSex: c.Sex, model.FieldIDType: c.IDType,
			model.FieldMarriage: c.Marriage, model.FieldEducation: c.Education}[f.ID]
		if o, ok := f.OptionByID(int64(v)); ok {
			return o.Label
		}
		if v == 0 {
			return ""
		}
		return strconv.Itoa(v)
	case model.FieldProject:
		if c.ProjectID == 0 {
			return ""
		}
		if s := n.Projects[c.ProjectID]; s != "" {
			return s
		}
		return strconv.FormatInt(c.ProjectID, 10)
	case model.FieldCreatedAt:
		return fmtTime(c.CreatedAt)
	case model.FieldUpdatedAt:
		return fmtTime(c.UpdatedAt)
	case model.FieldOwner:
		return nameOf(n.Staff, c.OwnerID)
	case model.FieldCollaborators:
		return namesOf(n.Staff, c.CollaboratorIDs)
	case model.FieldTags:
		return namesOf(n.Tags, c.TagIDs)
	case model.FieldStage:
		return nameOf(n.Stages, c.StageID)
	case model.FieldIDNumber:
		return c.IDNumber
	case model.FieldBornDate:
		if c.BornDate == 0 {
			return ""
		}
		return time.UnixMilli(c.BornDate).In(defaultZone).Format("2006-01-02")
	case model.FieldExternalID:
		return c.ExternalID
	case model.FieldFirstName:
		return c.FirstName
	case model.FieldLastName:
		return c.LastName
	case model.FieldCity:
		return c.City
	case model.FieldState:
		return c.State
	case model.FieldCountry:
		return c.Country
	case model.FieldPostalCode:
		return c.PostalCode
	case model.FieldStreet:
		return c.Street
	case model.FieldAge:
		if c.Age == 0 {
			return ""
		}
		return strconv.Itoa(c.Age)
	case model.FieldPool:
		return nameOf(n.Pools, c.PoolID)
	case model.FieldClaimedAt:
		return fmtTime(c.ClaimedAt)
	case model.FieldProtectedUntil:
		return fmtTime(c.ProtectedUntil)
	case model.FieldLastFollowAt:
		return fmtTime(c.LastFollowAt)
	case model.FieldNextFollowAt:
		return fmtTime(c.NextFollowAt)
	case model.FieldLastFollowUser:
		return nameOf(n.Staff, c.LastFollowUserID)
	}
	return ""
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(defaultZone).Format("2006-01-02 15:04")
}

func nameOf(m map[int64]string, id int64) string {
	if id == 0 {
		return ""
	}
	if s := m[id]; s != "" {
		return s
	}
	return "#" + strconv.FormatInt(id, 10)
}

func namesOf(m map[int64]string, ids []int64) string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, nameOf(m, id))
	}
	return strings.Join(out, ", ")
}

// customText renders a custom field's canonical value.
func customText(f *model.Field, v any) string {
	if v == nil {
		return ""
	}
	switch f.Type {
	case model.TypeSelect:
		if id, ok := asInt(v); ok {
			if o, ok := f.OptionByID(id); ok {
				return o.Label
			}
		}
	case model.TypeMultiSelect:
		if list, ok := v.([]any); ok {
			var out []string
			for _, x := range list {
				if id, ok := asInt(x); ok {
					if o, ok := f.OptionByID(id); ok {
						out = append(out, o.Label)
						continue
					}
				}
				out = append(out, fmt.Sprint(x))
			}
			return strings.Join(out, ", ")
		}
	case model.TypeDateTime:
		if ms, ok := asInt(v); ok {
			return fmtTime(time.UnixMilli(ms))
		}
	case model.TypeBool:
		if b, ok := v.(bool); ok {
			if b {
				return "✓"
			}
			return "✗"
		}
	case model.TypeArea:
		if m, ok := v.(map[string]any); ok {
			return fmt.Sprint(m["label"])
		}
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case float64:
		return int64(x), true
	}
	return 0, false
}

// columnFields resolves a comma-separated list of field keys against the
// catalogue, dropping unknown ones; def when none is left.
func columnFields(cat *store.Catalog, list string, def []string) []*model.Field {
	var out []*model.Field
	seen := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		k = strings.TrimSpace(k)
		if f := cat.ByKey[k]; f != nil && !seen[k] && f.ID != model.FieldPinyin {
			out = append(out, f)
			seen[k] = true
		}
	}
	if len(out) == 0 && def != nil {
		return columnFields(cat, strings.Join(def, ","), nil)
	}
	return out
}
