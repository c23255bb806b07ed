package api

import (
	"net/http"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
)

// Staff sign-in for browsers (the console) and anything else that keeps a
// cookie: POST /v1/auth/login starts a session, whose HttpOnly cookie then
// authenticates every /v1 call as that staff member with their role.

type loginIn struct {
	TenantID int64  `json:"tenantId,omitempty"`
	Login    string `json:"login"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

// sessionOut describes the signed-in staff member and their session.
type sessionOut struct {
	Staff     *model.Staff   `json:"staff"`
	Role      *model.Role    `json:"role"`
	Session   *model.Session `json:"session"`
	Login     *model.Login   `json:"login"`
	CSRFToken string         `json:"csrfToken"`
}

func (h *Handler) sessionAnswer(r *http.Request, a *people.Authenticated) (*sessionOut, error) {
	st, err := h.Store.Staff(r.Context(), a.Session.TenantID, a.Session.StaffID)
	if err != nil {
		return nil, err
	}
	return &sessionOut{Staff: st, Role: a.Caller.Role, Session: a.Session, Login: a.Login, CSRFToken: h.People.CSRFToken(a.Token)}, nil
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	if h.People == nil {
		return problem(404, "no_route", "", "staff logins are not enabled on this server")
	}
	in, err := decode[loginIn](r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	st, err := h.People.Login(r.Context(), people.LoginRequest{TenantID: in.TenantID, Login: in.Login, Password: in.Password,
		TOTP: in.TOTP, UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	people.SetCookie(w, r, st.Token, st.Session.CreatedAt.Add(people.MaxAge))
	out, err := h.sessionAnswer(r, &people.Authenticated{Session: st.Session, Caller: st.Caller, Login: st.Login, Token: st.Token})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, out)
	return nil
}

func sessionOf(r *http.Request) *people.Authenticated { return callerOf(r.Context()).session }

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.People.Logout(r.Context(), sessionOf(r)); err != nil {
		return err
	}
	people.ClearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) currentSession(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	out, err := h.sessionAnswer(r, sessionOf(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, out)
	return nil
}

type sessionItem struct {
	model.Session
	Current bool `json:"current"`
}

func (h *Handler) sessionItems(r *http.Request, tenantID, staffID, current int64) ([]sessionItem, error) {
	ss, err := h.People.Sessions(r.Context(), tenantID, staffID)
	if err != nil {
		return nil, err
	}
	out := make([]sessionItem, 0, len(ss))
	for _, s := range ss {
		out = append(out, sessionItem{Session: s, Current: s.ID == current})
	}
	return out, nil
}

func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request) error {
	a := sessionOf(r)
	items, err := h.sessionItems(r, a.Session.TenantID, a.Session.StaffID, a.Session.ID)
	return writeList(w, items, err)
}

func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a := sessionOf(r)
	if err := h.People.RevokeSession(r.Context(), a.Caller, a.Session.TenantID, a.Session.StaffID, id); err != nil {
		return err
	}
	if id == a.Session.ID {
		people.ClearCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) enrollTOTP(w http.ResponseWriter, r *http.Request) error {
	if _, err := decodeEmpty(r); err != nil {
		return err
	}
	e, err := h.People.EnrollTOTP(r.Context(), sessionOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, 200, e)
	return nil
}

type codeIn struct {
	Code string `json:"code"`
}

func (h *Handler) verifyTOTP(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[codeIn](r)
	if err != nil {
		return err
	}
	if err := h.People.VerifyTOTP(r.Context(), sessionOf(r), in.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[codeIn](r)
	if err != nil {
		return err
	}
	a := sessionOf(r)
	if err := h.People.DisableTOTP(r.Context(), a.Caller, a.Session.TenantID, a.Session.StaffID, in.Code, false); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodeEmpty accepts an empty body or {}.
func decodeEmpty(r *http.Request) (struct{}, error) {
	body, err := httpx.ReadBody(r, 1<<10)
	if err != nil || len(body) == 0 {
		return struct{}{}, err
	}
	var v struct{}
	return v, httpx.DecodeJSON(body, &v)
}
