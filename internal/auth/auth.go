// Package auth holds the API credentials and tokens shared by kehu's four
// APIs.
//
// A client is a (clientId, secret) pair bound to one tenant and optionally
// one project. The client id embeds the tenant ("kh" + base36(tenant) + "_"
// + 20 random chars), so every lookup is keyed by (tenant_id, client_id) and
// a forged prefix can only ever reach a row of the tenant it names. The
// secret is stored sealed with secret.Keyring (AAD = client id) because some
// protocols sign requests with it and need it in plain.
//
// Tokens are HS256 JWTs signed with Keyring.Derive("jwt"). They carry the
// client's secret version, so rotating the secret (or revoking the client)
// invalidates every token issued before. Verify reports the failure kind
// with the sentinels ErrTokenExpired, ErrTokenInvalid and ErrTokenRevoked,
// which each API maps to its own envelope.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
)

// Errors callers tell apart with errors.Is. Messages are safe to show to API
// clients.
var (
	// ErrBadCredentials: unknown, revoked or malformed client id, or wrong secret.
	ErrBadCredentials = errors.New("invalid client credentials")
	// ErrUnknownClient and ErrWrongSecret tell the two apart for the
	// protocols that do (达实); both match ErrBadCredentials.
	ErrUnknownClient = fmt.Errorf("%w: unknown or revoked client", ErrBadCredentials)
	ErrWrongSecret   = fmt.Errorf("%w: wrong secret or signature", ErrBadCredentials)
	// ErrTokenExpired: a genuine token past its expiry.
	ErrTokenExpired = errors.New("token expired")
	// ErrTokenInvalid: malformed, forged, or for another audience or kind.
	ErrTokenInvalid = errors.New("invalid token")
	// ErrTokenRevoked: genuine, but the client's secret was rotated since,
	// or the client was revoked or deleted.
	ErrTokenRevoked = errors.New("token revoked")
)

// AllScopes are the scopes a client may hold, in canonical order:
// customers:read, customers:write, catalog:write (change the tenant-wide
// catalogue) and admin (users, roles, projects, clients).
var AllScopes = []string{model.ScopeRead, model.ScopeWrite, model.ScopeCatalogWrite, model.ScopeAdmin}

// Client id layout.
const (
	IDPrefix       = "kh"
	idRandomLength = 20
	secretLength   = 40
	maxNameLength  = 100
)

const (
	idAlphabet     = "abcdefghijklmnopqrstuvwxyz234567" // lowercase RFC 4648 base32
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// Service issues and checks credentials. Store and Keys are required; Now
// defaults to time.Now.
type Service struct {
	Store *store.Store
	Keys  *secret.Keyring
	Now   func() time.Time
	// Guard counts failed authentications and locks (nil: no lockout).
	Guard *Guard
	// Cache keeps verified tokens and unsealed secrets (NewCache; nil:
	// every token is verified in full). Copies of a Service share it.
	Cache *Cache
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateClient creates a client of tenantID, bound to projectID unless 0,
// with scopes (default: read and write). The returned client carries the
// plain Secret: show it once, it is only stored sealed.
func (s *Service) CreateClient(ctx context.Context, tenantID, projectID int64, name string, scopes []string) (*model.Client, error) {
	return s.Create(ctx, model.Client{TenantID: tenantID, ProjectID: projectID, Name: name, Scopes: scopes})
}

// Create creates a client from spec's TenantID, ProjectID (0: unbound),
// StaffID (0: the client acts as the tenant; else as that staff member, with
// their role and data scope), Name and Scopes (default: read and write).
// The returned client carries the plain Secret: show it once.
func (s *Service) Create(ctx context.Context, spec model.Client) (*model.Client, error) {
	tenantID, projectID, name, scopes := spec.TenantID, spec.ProjectID, spec.Name, spec.Scopes
	if tenantID <= 0 {
		return nil, model.Invalid("tenantId", "must be a positive id")
	}
	if _, err := s.Store.Tenant(ctx, tenantID); err != nil {
		return nil, fmt.Errorf("auth: create client: %w", err)
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxNameLength {
		return nil, model.Invalid("name", "must be at most %d characters", maxNameLength)
	}
	scopes, err := normalizeScopes(scopes)
	if err != nil {
		return nil, err
	}
	if projectID < 0 {
		return nil, model.Invalid("project", "project %d does not exist", projectID)
	}
	if projectID != 0 {
		if _, err := s.Store.Project(ctx, tenantID, projectID); err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return nil, model.Invalid("project", "project %d does not exist", projectID)
			}
			return nil, fmt.Errorf("auth: create client: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		c := &model.Client{
			ClientID:      newClientID(tenantID),
			TenantID:      tenantID,
			ProjectID:     projectID,
			StaffID:       spec.StaffID,
			Name:          name,
			Scopes:        scopes,
			SecretVersion: 1,
			CreatedAt:     s.now().UTC().Truncate(time.Millisecond),
		}
		plain := randomString(secretLength, secretAlphabet)
		err := s.Store.CreateClient(ctx, c, s.Keys.Seal(plain, []byte(c.ClientID)))
		if errors.Is(err, model.ErrConflict) && attempt < 3 {
			continue // 100 random bits collided: try another id
		}
		if err != nil {
			return nil, err
		}
		c.Secret = plain
		return c, nil
	}
}

// NormalizeScopes checks scopes and returns them deduplicated in
// canonical order (empty means customers:read and customers:write).
func NormalizeScopes(scopes []string) ([]string, error) { return normalizeScopes(scopes) }

// normalizeScopes checks scopes and returns them deduplicated in canonical
// order; empty means all.
func normalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return []string{model.ScopeRead, model.ScopeWrite}, nil
	}
	have := map[string]bool{}
	for _, sc := range scopes {
		sc = strings.TrimSpace(sc)
		if !slices.Contains(AllScopes, sc) {
			return nil, model.Invalid("scopes", "unknown scope %q (want %s)", sc, strings.Join(AllScopes, ", "))
		}
		have[sc] = true
	}
	var out []string
	for _, sc := range AllScopes {
		if have[sc] {
			out = append(out, sc)
		}
	}
	return out, nil
}

func newClientID(tenantID int64) string {
	return IDPrefix + strconv.FormatInt(tenantID, 36) + "_" + randomString(idRandomLength, idAlphabet)
}

// randomString returns n characters drawn uniformly from alphabet (at most
// 256 characters) with crypto/rand.
func randomString(n int, alphabet string) string {
	limit := 256 - 256%len(alphabet) // reject bytes that would bias the draw
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// TenantOf returns the tenant encoded in a client id. It accepts only ids in
// the exact form CreateClient makes, so anything else can be rejected
// without a database lookup.
func TenantOf(clientID string) (int64, bool) {
	rest, ok := strings.CutPrefix(clientID, IDPrefix)
	if !ok {
		return 0, false
	}
	t, random, ok := strings.Cut(rest, "_")
	if !ok || t == "" || len(t) > 13 || len(random) != idRandomLength {
		return 0, false
	}
	id, err := strconv.ParseInt(t, 36, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 36) != t { // canonical: lowercase, no leading zeros
		return 0, false
	}
	for i := 0; i < len(random); i++ {
		if strings.IndexByte(idAlphabet, random[i]) < 0 {
			return 0, false
		}
	}
	return id, true
}

// Client loads an active client with its secret unsealed. Unknown,
// malformed and revoked ids all return an error matching model.ErrNotFound.
func (s *Service) Client(ctx context.Context, clientID string) (*model.Client, error) {
	tenantID, ok := TenantOf(clientID)
	if !ok {
		return nil, fmt.Errorf("auth: client: %w", model.ErrNotFound)
	}
	sc, err := s.Store.Client(ctx, tenantID, clientID)
	if err != nil {
		return nil, err
	}
	if sc.Revoked {
		return nil, fmt.Errorf("auth: client revoked: %w", model.ErrNotFound)
	}
	plain, ok := s.Cache.secret(sc.ClientID, sc.Sealed)
	if !ok {
		plain, err = s.Keys.Open(sc.Sealed, []byte(sc.ClientID))
		if err != nil {
			// The data key does not match the one the row was sealed with.
			return nil, fmt.Errorf("auth: unseal secret of client %s: %w", sc.ClientID, err)
		}
		s.Cache.putSecret(sc.ClientID, sc.Sealed, plain)
	}
	c := sc.Client
	c.Secret = plain
	return &c, nil
}

// Authenticate checks a client id and secret. Unknown, malformed or revoked
// ids and wrong secrets all return ErrBadCredentials (ErrUnknownClient or
// ErrWrongSecret); a locked id or address returns a *LockedError; only
// infrastructure failures (database down, data key mismatch) return other
// errors, so they are not reported to a legitimate client as bad
// credentials.
func (s *Service) Authenticate(ctx context.Context, clientID, secret string) (*model.Client, error) {
	return s.CheckSecret(ctx, clientID, func(plain string) bool {
		// Compare digests so neither content nor length leaks through timing.
		got, want := sha256.Sum256([]byte(secret)), sha256.Sum256([]byte(plain))
		return secret != "" && subtle.ConstantTimeCompare(got[:], want[:]) == 1
	})
}

// CheckSecret authenticates a client by a proof made with its secret (a
// signature): matches gets the plain secret and says whether the proof
// holds. Every failure counts towards the lockout of the client id and the
// source address (Service.Guard) and is written to the audit log; a locked
// id or address is refused with a *LockedError before anything is checked.
func (s *Service) CheckSecret(ctx context.Context, clientID string, matches func(secret string) bool) (*model.Client, error) {
	tenant, _ := TenantOf(clientID)
	a := Attempt{TenantID: tenant, Kind: "client", ID: clientID}
	seen, err := s.Guard.Check(ctx, a)
	if err != nil {
		return nil, err
	}
	c, err := s.Client(ctx, clientID)
	if errors.Is(err, model.ErrNotFound) {
		s.Guard.Fail(ctx, a, audit.ClientAuthFail, map[string]any{"reason": "unknown or revoked client"})
		return nil, ErrUnknownClient
	}
	if err != nil {
		return nil, err
	}
	if !matches(c.Secret) {
		s.Guard.Fail(ctx, a, audit.ClientAuthFail, map[string]any{"reason": "wrong secret or signature"})
		return nil, ErrWrongSecret
	}
	s.Guard.Succeed(ctx, a, seen)
	return c, nil
}

// Rotate gives an active client a new secret and bumps its secret version,
// which revokes every token issued before. The returned client carries the
// new plain Secret.
func (s *Service) Rotate(ctx context.Context, clientID string) (*model.Client, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	plain := randomString(secretLength, secretAlphabet)
	v, err := s.Store.RotateClientSecret(ctx, c.TenantID, c.ClientID, s.Keys.Seal(plain, []byte(c.ClientID)))
	if err != nil {
		return nil, err
	}
	c.Secret, c.SecretVersion = plain, v
	return c, nil
}

// Revoke disables a client for good: authentication fails and its tokens
// verify as ErrTokenRevoked. Unknown ids return model.ErrNotFound.
func (s *Service) Revoke(ctx context.Context, clientID string) error {
	tenantID, ok := TenantOf(clientID)
	if !ok {
		return fmt.Errorf("auth: revoke client: %w", model.ErrNotFound)
	}
	return s.Store.RevokeClient(ctx, tenantID, clientID)
}
