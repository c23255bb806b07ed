package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Follow-ups (跟进记录): /v1/customers/{id}/follow-ups, /v1/follow-ups and
// /v1/follow-up-kinds. crm decides who may see and write them.

// followUpIn is the body of POST /v1/customers/{id}/follow-ups and PATCH
// /v1/follow-ups/{id}. Times are RFC 3339; nextAt null clears the plan.
type followUpIn struct {
	Kind    *string  `json:"kind"`
	KindID  *int64   `json:"kindId"`
	Content *string  `json:"content"`
	StaffID *int64   `json:"staffId"`
	At      *string  `json:"at"`
	NextAt  nullTime `json:"nextAt"`
}

// nullTime is an optional, nullable time member: absent, null or a string.
type nullTime struct {
	set, null bool
	v         string
}

func (n *nullTime) UnmarshalJSON(b []byte) error {
	n.set = true
	if string(b) == "null" {
		n.null = true
		return nil
	}
	if err := json.Unmarshal(b, &n.v); err != nil {
		var kind string
		switch b[0] {
		case '{':
			kind = "object"
		case '[':
			kind = "array"
		case 't', 'f':
			kind = "bool"
		default:
			kind = "number"
		}
		return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[string](), Field: "nextAt"}
	}
	return nil
}

func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, problem(400, "invalid", field, field+" must be an RFC 3339 time such as 2026-03-09T15:30:00+08:00")
	}
	return t, nil
}

func (h *Handler) decodeFollowUp(r *http.Request) (*crm.FollowUpInput, error) {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return nil, err
	}
	var in followUpIn
	if err := httpx.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	out := &crm.FollowUpInput{Kind: in.Kind, KindID: in.KindID, Content: in.Content, StaffID: in.StaffID}
	if in.At != nil {
		t, err := parseTime("at", *in.At)
		if err != nil {
			return nil, err
		}
		out.At = &t
	}
	switch {
	case in.NextAt.null:
		out.NextAt = &time.Time{}
	case in.NextAt.set:
		t, err := parseTime("nextAt", in.NextAt.v)
		if err != nil {
			return nil, err
		}
		out.NextAt = &t
	}
	return out, nil
}

// followUpList is a page of follow-ups.
type followUpList struct {
	Data       []*model.FollowUp `json:"data"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func writeFollowUps(w http.ResponseWriter, l *crm.FollowUpList) {
	items := l.Items
	if items == nil {
		items = []*model.FollowUp{}
	}
	httpx.WriteJSON(w, 200, followUpList{Data: items, NextCursor: l.Next})
}

// followPage reads cursor and pageSize, refusing any other parameter but
// the allowed ones.
func followPage(r *http.Request, allowed ...string) (crm.FollowUpPage, error) {
	q := r.URL.Query()
	for k := range q {
		if k != "cursor" && k != "pageSize" && !contains(allowed, k) {
			return crm.FollowUpPage{}, problem(400, "unknown_parameter", k, "unknown query parameter "+strconv.Quote(k))
		}
	}
	p := crm.FollowUpPage{Cursor: q.Get("cursor")}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > crm.MaxFollowUpPage {
			return p, problem(400, "out_of_range", "pageSize", "pageSize must be from 1 to "+strconv.Itoa(crm.MaxFollowUpPage))
		}
		p.Limit = n
	}
	return p, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (h *Handler) createFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := h.decodeFollowUp(r)
	if err != nil {
		return err
	}
	f, err := h.Svc.AddFollowUp(r.Context(), whoOf(r), id, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/follow-ups/"+strconv.FormatInt(f.ID, 10))
	httpx.WriteJSON(w, 201, f)
	return nil
}

func (h *Handler) customerFollowUps(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := followPage(r)
	if err != nil {
		return err
	}
	l, err := h.Svc.ListFollowUps(r.Context(), whoOf(r), id, p)
	if err != nil {
		return err
	}
	writeFollowUps(w, l)
	return nil
}

// staffFollowUps answers GET /v1/follow-ups?staff=ID (or staff=me for a
// staff member): one staff member's follow-ups across customers.
func (h *Handler) staffFollowUps(w http.ResponseWriter, r *http.Request) error {
	p, err := followPage(r, "staff")
	if err != nil {
		return err
	}
	who := whoOf(r)
	var staff int64
	switch v := r.URL.Query().Get("staff"); {
	case v == "":
		return problem(400, "required", "staff", "staff is required: a staff member's id (or me)")
	case v == "me":
		if !who.AsStaff() {
			return problem(400, "invalid", "staff", "staff=me needs a caller acting as a staff member")
		}
		staff = who.StaffID
	default:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return problem(400, "invalid", "staff", "staff must be a staff member's id (or me)")
		}
		staff = n
	}
	l, err := h.Svc.StaffFollowUps(r.Context(), who, staff, p)
	if err != nil {
		return err
	}
	writeFollowUps(w, l)
	return nil
}

func (h *Handler) getFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := h.Svc.FollowUp(r.Context(), whoOf(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, f)
	return nil
}

func (h *Handler) updateFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := h.decodeFollowUp(r)
	if err != nil {
		return err
	}
	f, err := h.Svc.UpdateFollowUp(r.Context(), whoOf(r), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, f)
	return nil
}

func (h *Handler) deleteFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteFollowUp(r.Context(), whoOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// followUpKindIn is the body of POST and PATCH /v1/follow-up-kinds.
type followUpKindIn struct {
	Name *string `json:"name"`
}

func (h *Handler) decodeKind(r *http.Request) (string, error) {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return "", err
	}
	var in followUpKindIn
	if err := httpx.DecodeJSON(body, &in); err != nil {
		return "", err
	}
	if in.Name == nil {
		return "", problem(400, "required", "name", "name is required")
	}
	return *in.Name, nil
}

// kindError gives a kind's refusals their own codes.
func kindError(err error) error {
	var be *crm.BuiltinKindError
	switch {
	case errors.As(err, &be):
		return problem(403, "builtin_kind", "id", be.Error())
	case errors.Is(err, store.ErrKindInUse):
		return problem(409, "kind_in_use", "id", "follow-ups of this kind exist: it cannot be deleted (rename it instead)")
	}
	return err
}

func (h *Handler) listFollowUpKinds(w http.ResponseWriter, r *http.Request) error {
	ks, err := h.Svc.FollowUpKinds(r.Context(), whoOf(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, map[string]any{"data": ks})
	return nil
}

func (h *Handler) createFollowUpKind(w http.ResponseWriter, r *http.Request) error {
	name, err := h.decodeKind(r)
	if err != nil {
		return err
	}
	k, err := h.Svc.AddFollowUpKind(r.Context(), whoOf(r), name)
	if err != nil {
		return kindError(err)
	}
	w.Header().Set("Location", "/v1/follow-up-kinds/"+strconv.FormatInt(k.ID, 10))
	httpx.WriteJSON(w, 201, k)
	return nil
}

func (h *Handler) updateFollowUpKind(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	name, err := h.decodeKind(r)
	if err != nil {
		return err
	}
	k, err := h.Svc.RenameFollowUpKind(r.Context(), whoOf(r), id, name)
	if err != nil {
		return kindError(err)
	}
	httpx.WriteJSON(w, 200, k)
	return nil
}

func (h *Handler) deleteFollowUpKind(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteFollowUpKind(r.Context(), whoOf(r), id); err != nil {
		return kindError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
