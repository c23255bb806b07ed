// Package people gives staff members a way in: logins (a username or a
// phone number, an argon2id password, an optional TOTP second factor),
// sessions kept in the database (listed and revoked; only token hashes are
// stored), password resets and disabling by an administrator, and the
// session cookie and CSRF helpers the native API and the web console use.
//
// Failed logins count towards the same lockout as API credentials
// (auth.Guard): per login name and per source address, in the database.
// Logins, failed logins, lockouts and every change an administrator makes
// are written to the audit log. What a signed-in staff member may see and
// do is decided by crm from the caller StaffCaller builds (their role).
package people

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
)

// Session lifetimes: a session ends after IdleTimeout without a request,
// and at the latest MaxAge after the login.
const (
	IdleTimeout = 12 * time.Hour
	MaxAge      = 7 * 24 * time.Hour
	// touchEvery bounds the writes a busy session causes: last-seen and the
	// idle expiry move at most this often.
	touchEvery = 5 * time.Minute
)

// Errors with a safe face.
var (
	// ErrBadLogin: unknown login name, wrong password, wrong TOTP code or a
	// disabled login — one answer, so names cannot be probed.
	ErrBadLogin = errors.New("wrong login name or password")
	// ErrTOTPRequired: the password was right and the login has a second
	// factor: send the current TOTP code.
	ErrTOTPRequired = errors.New("this login needs a TOTP code")
	// ErrNoSession: missing, malformed, expired or revoked session token.
	ErrNoSession = errors.New("no valid session")
	// ErrTenantRequired: the database holds several tenants and the login
	// did not say which.
	ErrTenantRequired = errors.New("several tenants: say which one")
)

// Service runs logins and sessions. Store, Keys and CRM are required.
type Service struct {
	Store  *store.Store
	Keys   *secret.Keyring
	CRM    *crm.Service
	Guard  *auth.Guard // nil: no lockout
	Now    func() time.Time
	Issuer string // TOTP issuer shown by authenticator apps; "kehu" when empty
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// NewLogin is what an administrator (or `kehu user create`) gives a staff
// member.
type NewLogin struct {
	StaffID    int64
	NewStaff   *model.Staff // instead of StaffID: create this staff member with the login
	Username   string
	Phone      string
	Password   string
	SuperAdmin bool // only the CLI sets it
}

const maxUsername = 64

func (s *Service) normalizeName(username, ph string) (string, string, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if username != "" {
		if utf8.RuneCountInString(username) > maxUsername {
			return "", "", model.Invalid("username", "must be at most %d characters", maxUsername)
		}
		if strings.ContainsAny(username, " \t\r\n@") || strings.HasPrefix(username, "+") {
			return "", "", model.Invalid("username", "may not contain spaces or @, nor start with +")
		}
	}
	if ph = strings.TrimSpace(ph); ph != "" {
		n, err := phone.Normalize(ph, s.CRM.Region)
		if err != nil {
			return "", "", model.Invalid("phone", "%q is not a valid phone number", ph)
		}
		ph = n
	}
	if username == "" && ph == "" {
		return "", "", &model.FieldError{Field: "username", Code: "required", Msg: "a username or a phone number is required"}
	}
	return username, ph, nil
}

// CreateLogin gives staff member in.StaffID of tenantID a login; by is the
// administrator, recorded in the audit log with the login.
func (s *Service) CreateLogin(ctx context.Context, by *model.Caller, tenantID int64, in NewLogin) (*model.Login, error) {
	user, ph, err := s.normalizeName(in.Username, in.Phone)
	if err != nil {
		return nil, err
	}
	if err := validPassword("password", in.Password); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	l := &model.Login{TenantID: tenantID, StaffID: in.StaffID, Username: user, Phone: ph, PasswordHash: HashPassword(in.Password),
		SuperAdmin: in.SuperAdmin, CreatedAt: now, PasswordAt: now}
	if err := s.Store.CreateLogin(ctx, l, in.NewStaff); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.Store, by, audit.UserCreated, audit.Staff(l.StaffID),
		map[string]any{"username": user, "phone": ph, "superAdmin": in.SuperAdmin}); err != nil {
		return nil, err
	}
	return l, nil
}

// ResetPassword gives a login a new password and ends all its sessions.
func (s *Service) ResetPassword(ctx context.Context, by *model.Caller, tenantID, staffID int64, password string) error {
	if err := validPassword("password", password); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := s.Store.UpdateLogin(ctx, tenantID, staffID, now, func(l *model.Login) (bool, error) {
		l.PasswordHash, l.PasswordAt = HashPassword(password), now
		return true, nil
	})
	if err != nil {
		return err
	}
	return audit.Record(ctx, s.Store, by, audit.UserPasswordReset, audit.Staff(staffID), nil)
}

// SetDisabled disables a login (ending its sessions) or enables it again.
func (s *Service) SetDisabled(ctx context.Context, by *model.Caller, tenantID, staffID int64, disabled bool) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := s.Store.UpdateLogin(ctx, tenantID, staffID, now, func(l *model.Login) (bool, error) {
		l.Disabled = disabled
		return disabled, nil
	})
	if err != nil {
		return err
	}
	action := audit.UserEnabled
	if disabled {
		action = audit.UserDisabled
	}
	return audit.Record(ctx, s.Store, by, action, audit.Staff(staffID), nil)
}

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	TenantID  int64  // 0: the only tenant of the database
	Login     string // username or phone number
	Password  string
	TOTP      string // the current code, when the login has a second factor
	UserAgent string
}

// Started is a new session: its row, the token for the cookie (shown once)
// and the caller it acts as.
type Started struct {
	Session *model.Session
	Token   string
	Caller  *model.Caller
	Login   *model.Login
}

// Login checks a sign-in attempt and starts a session. Failures count
// towards the lockout of the login name and the address (a *auth.LockedError
// once locked) and are audited.
func (s *Service) Login(ctx context.Context, req LoginRequest) (*Started, error) {
	tenantID, err := s.tenantOf(ctx, req.TenantID)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(strings.TrimSpace(req.Login))
	if name == "" || req.Password == "" {
		return nil, ErrBadLogin
	}
	a := auth.Attempt{TenantID: tenantID, Kind: "login", ID: name}
	seen, err := s.Guard.Check(ctx, a)
	if err != nil {
		return nil, err
	}
	fail := func(reason string) error {
		s.Guard.Fail(ctx, a, audit.LoginFailed, map[string]any{"reason": reason})
		return ErrBadLogin
	}
	ph, _ := phone.Normalize(name, s.CRM.Region)
	l, err := s.Store.LoginByName(ctx, tenantID, name, ph)
	if errors.Is(err, model.ErrNotFound) {
		CheckPassword(dummyHash(), req.Password)
		return nil, fail("unknown login")
	}
	if err != nil {
		return nil, err
	}
	ok, err := CheckPassword(l.PasswordHash, req.Password)
	if err != nil {
		return nil, fmt.Errorf("people: password of staff %d: %w", l.StaffID, err)
	}
	if !ok {
		return nil, fail("wrong password")
	}
	if l.TOTPEnabled {
		if strings.TrimSpace(req.TOTP) == "" {
			return nil, ErrTOTPRequired // the password was right: not a failure, and nothing is revealed
		}
		step := s.checkTOTP(l, req.TOTP)
		if step == 0 {
			return nil, fail("wrong or already used TOTP code")
		}
		// Claimed in the database, after the password and the code
		// were checked: of two sign-ins with one code (two nodes, one
		// replay) only one gets the step.
		fresh, err := s.Store.UseTOTPStep(ctx, tenantID, l.StaffID, step)
		if err != nil {
			return nil, err
		}
		if !fresh {
			return nil, fail("wrong or already used TOTP code")
		}
	}
	if l.Disabled {
		return nil, fail("login disabled")
	}
	caller, err := s.CRM.StaffCaller(ctx, tenantID, l.StaffID, viaOf(ctx), audit.AddrOf(ctx))
	if err != nil {
		return nil, err
	}
	s.Guard.Succeed(ctx, a, seen)
	now := s.now().UTC().Truncate(time.Millisecond)
	se := &model.Session{ID: idgen.Next(), TenantID: tenantID, StaffID: l.StaffID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(IdleTimeout), Addr: audit.AddrOf(ctx), UserAgent: truncate(req.UserAgent, 300)}
	token := newToken(tenantID)
	if err := s.Store.CreateSession(ctx, se, hashToken(token)); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.Store, caller, audit.LoginOK, audit.Session(se.ID), map[string]any{"login": name}); err != nil {
		return nil, err
	}
	return &Started{Session: se, Token: token, Caller: caller, Login: l}, nil
}

func viaOf(ctx context.Context) model.Via {
	if v := audit.ViaOf(ctx); v != "" {
		return v
	}
	return model.ViaNative
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// tenantOf resolves the tenant of a login: the one named, or the only one.
func (s *Service) tenantOf(ctx context.Context, id int64) (int64, error) {
	if id != 0 {
		if _, err := s.Store.Tenant(ctx, id); err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return 0, ErrBadLogin
			}
			return 0, err
		}
		return id, nil
	}
	ts, err := s.Store.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	if len(ts) != 1 {
		return 0, ErrTenantRequired
	}
	return ts[0].ID, nil
}

// Session tokens: "kss" + base36(tenant) + "_" + 26 random base32
// characters (130 bits). The tenant prefix keeps the lookup keyed by tenant.
const tokenPrefix = "kss"

func newToken(tenantID int64) string {
	return tokenPrefix + strconv.FormatInt(tenantID, 36) + "_" + rand.Text()
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func tokenTenant(token string) (int64, bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > 120 {
		return 0, false
	}
	t, random, ok := strings.Cut(rest, "_")
	if !ok || len(random) != 26 {
		return 0, false
	}
	id, err := strconv.ParseInt(t, 36, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// Authenticated is a request's live session and the caller it acts as.
type Authenticated struct {
	Session *model.Session
	Caller  *model.Caller
	Login   *model.Login
	Token   string
}

// Authenticate checks a session token and returns the session and its
// caller (the staff member with their current role). ErrNoSession for
// anything that is not a live session of an enabled login.
func (s *Service) Authenticate(ctx context.Context, token string) (*Authenticated, error) {
	tenantID, ok := tokenTenant(token)
	if !ok {
		return nil, ErrNoSession
	}
	se, err := s.Store.SessionByToken(ctx, tenantID, hashToken(token))
	if errors.Is(err, model.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if se.Revoked || !now.Before(se.ExpiresAt) || !now.Before(se.CreatedAt.Add(MaxAge)) {
		return nil, ErrNoSession
	}
	l, err := s.Store.LoginOf(ctx, tenantID, se.StaffID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	if l.Disabled {
		return nil, ErrNoSession
	}
	caller, err := s.CRM.StaffCaller(ctx, tenantID, se.StaffID, viaOf(ctx), audit.AddrOf(ctx))
	if errors.Is(err, model.ErrForbidden) {
		return nil, ErrNoSession // the staff member is gone
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(se.LastSeenAt) >= touchEvery {
		expires := now.Add(IdleTimeout)
		if limit := se.CreatedAt.Add(MaxAge); expires.After(limit) {
			expires = limit
		}
		if err := s.Store.TouchSession(ctx, tenantID, se.ID, now, expires); err != nil {
			return nil, err
		}
		se.LastSeenAt, se.ExpiresAt = now, expires
	}
	return &Authenticated{Session: se, Caller: caller, Login: l, Token: token}, nil
}

// Logout ends the request's own session.
func (s *Service) Logout(ctx context.Context, a *Authenticated) error {
	if err := s.Store.RevokeSession(ctx, a.Session.TenantID, a.Session.StaffID, a.Session.ID, s.now()); err != nil {
		return err
	}
	return audit.Record(ctx, s.Store, a.Caller, audit.Logout, audit.Session(a.Session.ID), nil)
}

// Sessions lists a staff member's live sessions.
func (s *Service) Sessions(ctx context.Context, tenantID, staffID int64) ([]model.Session, error) {
	return s.Store.Sessions(ctx, tenantID, staffID, s.now())
}

// RevokeSession ends one session of staffID (their own, or by an
// administrator).
func (s *Service) RevokeSession(ctx context.Context, by *model.Caller, tenantID, staffID, sessionID int64) error {
	if err := s.Store.RevokeSession(ctx, tenantID, staffID, sessionID, s.now()); err != nil {
		return err
	}
	return audit.Record(ctx, s.Store, by, audit.SessionRevoked, audit.Session(sessionID), map[string]any{"staffId": staffID})
}

// CSRFToken is the anti-CSRF token of a session: an HMAC of its token, so
// it needs no storage and changes with every session. Pages send it back
// in the X-CSRF-Token header (or a csrf_token form field) with every
// state-changing request made with the session cookie.
func (s *Service) CSRFToken(sessionToken string) string {
	m := hmac.New(sha256.New, s.Keys.Derive("csrf"))
	m.Write([]byte(sessionToken))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether got is the CSRF token of the session.
func (s *Service) CheckCSRF(sessionToken, got string) bool {
	want := s.CSRFToken(sessionToken)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// TOTP.

func (s *Service) totpAAD(l *model.Login) []byte {
	return []byte("totp:" + strconv.FormatInt(l.TenantID, 10) + ":" + strconv.FormatInt(l.StaffID, 10))
}

// totpPeriod and totpSkew are pquerna/otp's defaults (what authenticator
// apps use): 30-second steps, one step either side accepted for clock drift.
const (
	totpPeriod = 30
	totpSkew   = 1
)

// checkTOTP reports the time step whose code code is (0: none of the steps
// within the skew, or not enrolled). Steps not after l.TOTPLastStep are
// refused: a code is good once, so one seen over a shoulder or phished
// cannot be replayed within its window.
func (s *Service) checkTOTP(l *model.Login, code string) int64 {
	code = strings.TrimSpace(code)
	if len(l.TOTPSealed) == 0 || len(code) != 6 {
		return 0
	}
	sec, err := s.Keys.Open(l.TOTPSealed, s.totpAAD(l))
	if err != nil {
		return 0
	}
	now := s.now().Unix() / totpPeriod
	for step := now - totpSkew; step <= now+totpSkew; step++ {
		if step <= l.TOTPLastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(string(sec), time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return 0
}

// Enrollment is a new TOTP secret to show once (as text and as an
// otpauth:// URL for a QR code).
type Enrollment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauthUrl"`
}

// EnrollTOTP starts enrolling a second factor for the signed-in staff
// member: a new secret is stored (not yet required) and returned; VerifyTOTP
// with a code from it turns it on.
func (s *Service) EnrollTOTP(ctx context.Context, a *Authenticated) (*Enrollment, error) {
	if a.Login.TOTPEnabled {
		return nil, &model.FieldError{Field: "totp", Code: "already_enabled", Msg: "a second factor is already on; turn it off first"}
	}
	account := a.Login.Username
	if account == "" {
		account = a.Login.Phone
	}
	issuer := s.Issuer
	if issuer == "" {
		issuer = "kehu"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account})
	if err != nil {
		return nil, fmt.Errorf("people: totp: %w", err)
	}
	_, err = s.Store.UpdateLogin(ctx, a.Session.TenantID, a.Session.StaffID, s.now(), func(l *model.Login) (bool, error) {
		// The steps of the old secret say nothing about the new one.
		l.TOTPSealed, l.TOTPEnabled, l.TOTPLastStep = s.Keys.Seal(key.Secret(), s.totpAAD(l)), false, 0
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return &Enrollment{Secret: key.Secret(), URL: key.URL()}, nil
}

// VerifyTOTP turns the enrolled second factor on when code is right.
func (s *Service) VerifyTOTP(ctx context.Context, a *Authenticated, code string) error {
	_, err := s.Store.UpdateLogin(ctx, a.Session.TenantID, a.Session.StaffID, s.now(), func(l *model.Login) (bool, error) {
		if len(l.TOTPSealed) == 0 {
			return false, &model.FieldError{Field: "code", Code: "not_enrolled", Msg: "start with POST /v1/auth/totp/enroll"}
		}
		step := s.checkTOTP(l, code)
		if step == 0 {
			return false, &model.FieldError{Field: "code", Code: "invalid", Msg: "the code does not match or was already used; check the device's clock"}
		}
		l.TOTPEnabled, l.TOTPLastStep = true, step
		return false, nil
	})
	if err != nil {
		return err
	}
	return audit.Record(ctx, s.Store, a.Caller, audit.TOTPEnrolled, audit.Staff(a.Session.StaffID), nil)
}

// DisableTOTP turns the second factor off: by its owner with a current
// code, or by an administrator (code ignored) for a lost device.
func (s *Service) DisableTOTP(ctx context.Context, by *model.Caller, tenantID, staffID int64, code string, admin bool) error {
	_, err := s.Store.UpdateLogin(ctx, tenantID, staffID, s.now(), func(l *model.Login) (bool, error) {
		if !admin && l.TOTPEnabled {
			step := s.checkTOTP(l, code)
			if step == 0 {
				return false, &model.FieldError{Field: "code", Code: "invalid", Msg: "the code does not match or was already used"}
			}
			l.TOTPLastStep = step
		}
		l.TOTPSealed, l.TOTPEnabled = nil, false
		return false, nil
	})
	if err != nil {
		return err
	}
	return audit.Record(ctx, s.Store, by, audit.TOTPDisabled, audit.Staff(staffID), nil)
}
