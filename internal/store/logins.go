package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
)

const loginCols = `tenant_id, staff_id, username, phone, password_hash, totp_sealed, totp_enabled, super_admin, disabled_at, created_at, password_at, totp_last_step`

func scanLogin(sc interface{ Scan(...any) error }) (*model.Login, error) {
	var l model.Login
	var user, phone sql.NullString
	var totp, super int64
	var disabled sql.NullInt64
	var created, pw int64
	if err := sc.Scan(&l.TenantID, &l.StaffID, &user, &phone, &l.PasswordHash, &l.TOTPSealed, &totp, &super, &disabled, &created, &pw, &l.TOTPLastStep); err != nil {
		return nil, err
	}
	l.Username, l.Phone, l.TOTPEnabled, l.SuperAdmin, l.Disabled = user.String, phone.String, totp != 0, super != 0, disabled.Valid
	l.CreatedAt, l.PasswordAt = model.FromMillis(created), model.FromMillis(pw)
	return &l, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateLogin gives a staff member a login; with newStaff, the staff member
// is created first in the same transaction (l.StaffID is set), so a login
// that cannot be made leaves no staff member behind. A taken username or
// phone, or a staff member who already has a login, is model.ErrConflict (a
// *model.ConflictError naming the field).
func (s *Store) CreateLogin(ctx context.Context, l *model.Login, newStaff *model.Staff) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if newStaff != nil {
			if err := tx.createStaff(ctx, l.TenantID, newStaff); err != nil {
				return err
			}
			l.StaffID = newStaff.ID
		}
		if err := checkStaff(ctx, tx, l.TenantID, l.StaffID); err != nil {
			return err
		}
		var one int
		err := tx.queryRow(ctx, `SELECT 1 FROM staff_logins WHERE tenant_id = ? AND staff_id = ?`, l.TenantID, l.StaffID).Scan(&one)
		if err == nil {
			return &model.ConflictError{Field: "staffId", Value: fmt.Sprint(l.StaffID)} // already has a login
		} else if !errors.Is(err, sql.ErrNoRows) {
			return tx.s.translate(err)
		}
		for _, u := range []struct{ col, field, v string }{{"username", "username", l.Username}, {"phone", "phone", l.Phone}} {
			if u.v == "" {
				continue
			}
			err := tx.queryRow(ctx, `SELECT 1 FROM staff_logins WHERE tenant_id = ? AND `+u.col+` = ?`, l.TenantID, u.v).Scan(&one)
			if err == nil {
				return &model.ConflictError{Field: u.field, Value: u.v}
			} else if !errors.Is(err, sql.ErrNoRows) {
				return tx.s.translate(err)
			}
		}
		_, err = tx.exec(ctx, `INSERT INTO staff_logins (`+loginCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.TenantID, l.StaffID, nullStr(l.Username), nullStr(l.Phone), l.PasswordHash, l.TOTPSealed, boolInt(l.TOTPEnabled),
			boolInt(l.SuperAdmin), nil, model.Millis(l.CreatedAt), model.Millis(l.PasswordAt), l.TOTPLastStep)
		if err != nil {
			return fmt.Errorf("store: create login: %w", err)
		}
		return nil
	})
}

// LoginOf loads the login of a staff member.
func (s *Store) LoginOf(ctx context.Context, tenantID, staffID int64) (*model.Login, error) {
	l, err := scanLogin(s.queryRow(ctx, `SELECT `+loginCols+` FROM staff_logins WHERE tenant_id = ? AND staff_id = ?`, tenantID, staffID))
	if err != nil {
		return nil, notFound(err, "login")
	}
	return l, nil
}

// LoginByName finds a login by username or, failing that, by phone (E.164).
func (s *Store) LoginByName(ctx context.Context, tenantID int64, username, phone string) (*model.Login, error) {
	if username != "" {
		l, err := scanLogin(s.queryRow(ctx, `SELECT `+loginCols+` FROM staff_logins WHERE tenant_id = ? AND username = ?`, tenantID, username))
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			if err != nil {
				return nil, fmt.Errorf("store: login: %w", s.translate(err))
			}
			return l, nil
		}
	}
	if phone != "" {
		l, err := scanLogin(s.queryRow(ctx, `SELECT `+loginCols+` FROM staff_logins WHERE tenant_id = ? AND phone = ?`, tenantID, phone))
		if err != nil {
			return nil, notFound(err, "login")
		}
		return l, nil
	}
	return nil, fmt.Errorf("store: login: %w", model.ErrNotFound)
}

// Logins lists a tenant's logins by staff id.
func (s *Store) Logins(ctx context.Context, tenantID int64) ([]model.Login, error) {
	rows, err := s.query(ctx, `SELECT `+loginCols+` FROM staff_logins WHERE tenant_id = ? ORDER BY staff_id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: logins: %w", err)
	}
	defer rows.Close()
	var out []model.Login
	for rows.Next() {
		l, err := scanLogin(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}

// UpdateLogin changes a login in one transaction: fn gets the current row
// and edits it (password hash and time, TOTP, disabled); revoke ends every
// session of the staff member in the same transaction (a reset password or
// a disabled login must not leave a session open).
func (s *Store) UpdateLogin(ctx context.Context, tenantID, staffID int64, now time.Time, fn func(l *model.Login) (revoke bool, err error)) (*model.Login, error) {
	var out *model.Login
	err := s.InTx(ctx, func(tx *Tx) error {
		l, err := scanLogin(tx.queryRow(ctx, `SELECT `+loginCols+` FROM staff_logins WHERE tenant_id = ? AND staff_id = ?`, tenantID, staffID))
		if err != nil {
			return notFound(err, "login")
		}
		revoke, err := fn(l)
		if err != nil {
			return err
		}
		// disabled_at keeps the time it was first disabled.
		_, err = tx.exec(ctx, `UPDATE staff_logins SET password_hash = ?, password_at = ?, totp_sealed = ?, totp_enabled = ?, totp_last_step = ?,
			disabled_at = CASE WHEN ? = 0 THEN NULL ELSE COALESCE(disabled_at, ?) END WHERE tenant_id = ? AND staff_id = ?`,
			l.PasswordHash, model.Millis(l.PasswordAt), l.TOTPSealed, boolInt(l.TOTPEnabled), l.TOTPLastStep, boolInt(l.Disabled), model.Millis(now), tenantID, staffID)
		if err != nil {
			return fmt.Errorf("store: update login: %w", err)
		}
		if revoke {
			if _, err := tx.exec(ctx, `UPDATE staff_sessions SET revoked_at = ? WHERE tenant_id = ? AND staff_id = ? AND revoked_at IS NULL`,
				model.Millis(now), tenantID, staffID); err != nil {
				return fmt.Errorf("store: revoke sessions: %w", err)
			}
		}
		out = l
		return nil
	})
	return out, err
}

// UseTOTPStep records that a login accepted the TOTP code of time step
// step, unless it already accepted that step or a later one: one
// conditional UPDATE, so two nodes that see the same code at the same moment
// cannot both accept it. ok is false for a replayed code.
func (s *Store) UseTOTPStep(ctx context.Context, tenantID, staffID, step int64) (ok bool, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE staff_logins SET totp_last_step = ? WHERE tenant_id = ? AND staff_id = ? AND totp_last_step < ?`,
			step, tenantID, staffID, step)
		if err != nil {
			return fmt.Errorf("store: totp step: %w", err)
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

const sessionCols = `id, tenant_id, staff_id, created_at, last_seen_at, expires_at, addr, user_agent, revoked_at`

func scanSession(sc interface{ Scan(...any) error }) (*model.Session, error) {
	var se model.Session
	var created, seen, expires int64
	var revoked sql.NullInt64
	if err := sc.Scan(&se.ID, &se.TenantID, &se.StaffID, &created, &seen, &expires, &se.Addr, &se.UserAgent, &revoked); err != nil {
		return nil, err
	}
	se.CreatedAt, se.LastSeenAt, se.ExpiresAt, se.Revoked = model.FromMillis(created), model.FromMillis(seen), model.FromMillis(expires), revoked.Valid
	return &se, nil
}

// CreateSession stores a session with the SHA-256 of its token.
func (s *Store) CreateSession(ctx context.Context, se *model.Session, tokenHash []byte) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO staff_sessions (tenant_id, id, staff_id, token_hash, created_at, last_seen_at, expires_at, addr, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, se.TenantID, se.ID, se.StaffID, tokenHash, model.Millis(se.CreatedAt),
			model.Millis(se.LastSeenAt), model.Millis(se.ExpiresAt), se.Addr, se.UserAgent)
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

// SessionByToken loads a session by the hash of its token (revoked and
// expired ones too: the caller decides).
func (s *Store) SessionByToken(ctx context.Context, tenantID int64, tokenHash []byte) (*model.Session, error) {
	se, err := scanSession(s.queryRow(ctx, `SELECT `+sessionCols+` FROM staff_sessions WHERE tenant_id = ? AND token_hash = ?`, tenantID, tokenHash))
	if err != nil {
		return nil, notFound(err, "session")
	}
	return se, nil
}

// TouchSession records that a session was used at seen and extends it to
// expires.
func (s *Store) TouchSession(ctx context.Context, tenantID, id int64, seen, expires time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE staff_sessions SET last_seen_at = ?, expires_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL`,
			model.Millis(seen), model.Millis(expires), tenantID, id)
		return err
	})
}

// Sessions lists a staff member's live sessions (not revoked, not expired
// at now), newest first.
func (s *Store) Sessions(ctx context.Context, tenantID, staffID int64, now time.Time) ([]model.Session, error) {
	rows, err := s.query(ctx, `SELECT `+sessionCols+` FROM staff_sessions WHERE tenant_id = ? AND staff_id = ? AND revoked_at IS NULL AND expires_at > ?
		ORDER BY id DESC`, tenantID, staffID, model.Millis(now))
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []model.Session
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *se)
	}
	return out, rows.Err()
}

// RevokeSession ends one live session of a staff member; model.ErrNotFound
// when there is none with that id.
func (s *Store) RevokeSession(ctx context.Context, tenantID, staffID, id int64, now time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE staff_sessions SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND staff_id = ? AND revoked_at IS NULL`,
			model.Millis(now), tenantID, id, staffID)
		if err != nil {
			return fmt.Errorf("store: revoke session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: revoke session: %w", model.ErrNotFound)
		}
		return nil
	})
}

// SetClientScopes replaces an API client's scopes (already checked). Its
// tokens follow at once: every request authorises with the client's
// current scopes.
func (s *Store) SetClientScopes(ctx context.Context, tenantID int64, clientID string, scopes []string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE api_clients SET scopes = ? WHERE tenant_id = ? AND client_id = ? AND revoked_at IS NULL`,
			strings.Join(scopes, " "), tenantID, clientID)
		if err != nil {
			return fmt.Errorf("store: set client scopes: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: set client scopes: %w", model.ErrNotFound)
		}
		return nil
	})
}
