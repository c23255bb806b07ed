package crm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
)

// Saved views of the customers list. The rules, decided here for the
// console and /v1/views alike:
//
//   - a view belongs to a staff member: only a caller acting as one (a
//     session, or an API client bound to a staff member) has views;
//   - a caller sees its own views and the tenant's shared ones; any other
//     view does not exist for it (ErrNotFound);
//   - sharing a view with the tenant, or unsharing it, needs admin.manage;
//   - the owner renames, changes and deletes its views; an administrator
//     may also change or delete a shared view (it is the tenant's now);
//   - a view's filter parses, its sort names a sortable field and its
//     columns name fields of the catalogue, so opening it cannot fail on
//     what was saved (a field deleted later is dropped by the list).

// ViewInput is a new view or a change to one; nil members stay as they are.
type ViewInput struct {
	Name    *string
	Q       *string
	Filter  *string
	Sort    *string
	Columns *[]string
	Shared  *bool
}

// maxViewName bounds a view's name (characters), maxViewColumns its columns.
const (
	maxViewName    = 100
	maxViewColumns = 200
)

func viewCaller(caller *model.Caller) error {
	if err := checkCaller(caller); err != nil {
		return err
	}
	if !caller.AsStaff() {
		return fmt.Errorf("saved views belong to a staff member (sign in, or use a client bound to a staff member): %w", model.ErrForbidden)
	}
	return nil
}

func visibleView(caller *model.Caller, v *model.SavedView) bool {
	return v.StaffID == caller.StaffID || v.Shared
}

func mayChangeView(caller *model.Caller, v *model.SavedView) bool {
	return v.StaffID == caller.StaffID || (v.Shared && caller.Can(model.PermAdmin))
}

// Views lists the caller's own views and the tenant's shared ones, by name.
func (s *Service) Views(ctx context.Context, caller *model.Caller) ([]model.SavedView, error) {
	if err := viewCaller(caller); err != nil {
		return nil, err
	}
	return s.Store.Views(ctx, caller.TenantID, caller.StaffID)
}

// View reads a view the caller may see.
func (s *Service) View(ctx context.Context, caller *model.Caller, id int64) (*model.SavedView, error) {
	if err := viewCaller(caller); err != nil {
		return nil, err
	}
	v, err := s.Store.View(ctx, caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	if !visibleView(caller, v) {
		return nil, fmt.Errorf("view %d: %w", id, model.ErrNotFound)
	}
	return v, nil
}

// CreateView saves a view for the caller; name is required.
func (s *Service) CreateView(ctx context.Context, caller *model.Caller, in *ViewInput) (*model.SavedView, error) {
	if err := viewCaller(caller); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, &model.FieldError{Field: "name", Code: "required", Msg: "a view needs a name"}
	}
	now := time.Now()
	v := &model.SavedView{StaffID: caller.StaffID, Columns: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := s.applyView(ctx, caller, v, in); err != nil {
		return nil, err
	}
	if err := s.Store.InsertView(ctx, caller.TenantID, v); err != nil {
		return nil, err
	}
	return v, nil
}

// UpdateView changes a view the caller may change.
func (s *Service) UpdateView(ctx context.Context, caller *model.Caller, id int64, in *ViewInput) (*model.SavedView, error) {
	v, err := s.View(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	if !mayChangeView(caller, v) {
		return nil, &model.PermissionError{Perm: model.PermAdmin}
	}
	if err := s.applyView(ctx, caller, v, in); err != nil {
		return nil, err
	}
	v.UpdatedAt = time.Now()
	if err := s.Store.UpdateView(ctx, caller.TenantID, v); err != nil {
		return nil, err
	}
	return v, nil
}

// DeleteView deletes a view the caller may change.
func (s *Service) DeleteView(ctx context.Context, caller *model.Caller, id int64) error {
	v, err := s.View(ctx, caller, id)
	if err != nil {
		return err
	}
	if !mayChangeView(caller, v) {
		return &model.PermissionError{Perm: model.PermAdmin}
	}
	return s.Store.DeleteView(ctx, caller.TenantID, id)
}

// applyView validates in and writes it onto v.
func (s *Service) applyView(ctx context.Context, caller *model.Caller, v *model.SavedView, in *ViewInput) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		switch {
		case n == "":
			return &model.FieldError{Field: "name", Code: "required", Msg: "a view needs a name"}
		case utf8.RuneCountInString(n) > maxViewName:
			return &model.FieldError{Field: "name", Code: "too_long", Msg: fmt.Sprintf("a view's name has at most %d characters", maxViewName)}
		}
		v.Name = n
	}
	if in.Q != nil {
		q := strings.TrimSpace(*in.Q)
		if len(q) > cond.DefaultLimits.MaxStringLen {
			return &model.FieldError{Field: "q", Code: "too_long", Msg: fmt.Sprintf("the search has at most %d bytes", cond.DefaultLimits.MaxStringLen)}
		}
		v.Q = q
	}
	if in.Filter != nil {
		f := strings.TrimSpace(*in.Filter)
		if f != "" {
			if _, err := cond.ParseString(f, cond.DefaultLimits); err != nil {
				return &model.FieldError{Field: "filter", Code: "invalid", Msg: err.Error()}
			}
		}
		v.Filter = f
	}
	if in.Sort != nil || in.Columns != nil {
		env, err := s.Env(ctx, caller)
		if err != nil {
			return err
		}
		if in.Sort != nil {
			srt := strings.TrimSpace(*in.Sort)
			if key := strings.TrimPrefix(srt, "-"); srt != "" {
				if f := env.Catalog.ByKey[key]; f == nil || !f.Sortable {
					return &model.FieldError{Field: "sort", Code: "invalid", Msg: fmt.Sprintf("%q is not a field the list sorts by", key)}
				}
			}
			v.Sort = srt
		}
		if in.Columns != nil {
			if len(*in.Columns) > maxViewColumns {
				return &model.FieldError{Field: "columns", Code: "out_of_range", Msg: fmt.Sprintf("at most %d columns", maxViewColumns)}
			}
			cols := []string{}
			seen := map[string]bool{}
			for _, k := range *in.Columns {
				k = strings.TrimSpace(k)
				if env.Catalog.ByKey[k] == nil {
					return &model.FieldError{Field: "columns", Code: "unknown_field", Msg: fmt.Sprintf("no field %q", k)}
				}
				if !seen[k] {
					cols, seen[k] = append(cols, k), true
				}
			}
			v.Columns = cols
		}
	}
	if in.Shared != nil && *in.Shared != v.Shared {
		if err := need(caller, model.PermAdmin); err != nil {
			return err
		}
		v.Shared = *in.Shared
	}
	return nil
}
