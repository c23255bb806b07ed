package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kehu/kehu/internal/model"
)

// Token audiences: the API a token was issued for.
const (
	AudNative  = "native"
	AudDashi   = "dashi"
	AudYeastar = "yeastar"
)

// Token kinds.
const (
	KindAccess  = "access"
	KindRefresh = "refresh"
)

// Issuer is the iss claim of every token.
const Issuer = "kehu"

// jwtPurpose names the signing subkey (secret.Keyring.Derive).
const jwtPurpose = "jwt"

// Claims is the payload of kehu's tokens. Audience mirrors the standard aud
// claim (RegisteredClaims.Audience, a one-element list on the wire).
type Claims struct {
	TenantID      int64    `json:"tid"`
	ClientID      string   `json:"cid"`
	ProjectID     int64    `json:"pid,omitempty"`
	Scopes        []string `json:"scp"`
	SecretVersion int64    `json:"sv"`
	Kind          string   `json:"kind"` // KindAccess or KindRefresh
	Audience      string   `json:"-"`    // AudNative, AudDashi or AudYeastar
	jwt.RegisteredClaims
}

// HasScope reports whether the token was granted scope sc.
func (c *Claims) HasScope(sc string) bool { return slices.Contains(c.Scopes, sc) }

func validAudience(aud string) bool {
	return aud == AudNative || aud == AudDashi || aud == AudYeastar
}

func validKind(kind string) bool { return kind == KindAccess || kind == KindRefresh }

// Issue signs a token of kind for client c and audience aud, valid for ttl
// from Now (whole seconds: JWT times have second precision).
func (s *Service) Issue(c *model.Client, aud, kind string, ttl time.Duration) (string, *Claims, error) {
	switch {
	case c == nil || c.ClientID == "" || c.TenantID == 0 || c.SecretVersion <= 0:
		return "", nil, errors.New("auth: issue: incomplete client")
	case !validAudience(aud):
		return "", nil, fmt.Errorf("auth: issue: unknown audience %q", aud)
	case !validKind(kind):
		return "", nil, fmt.Errorf("auth: issue: unknown token kind %q", kind)
	case ttl <= 0:
		return "", nil, errors.New("auth: issue: ttl must be positive")
	}
	now := s.now().Truncate(time.Second)
	claims := &Claims{
		TenantID:      c.TenantID,
		ClientID:      c.ClientID,
		ProjectID:     c.ProjectID,
		Scopes:        slices.Clone(c.Scopes),
		SecretVersion: c.SecretVersion,
		Kind:          kind,
		Audience:      aud,
		RegisteredClaims: jwt.RegisteredClaims{
			ID:        rand.Text(),
			Issuer:    Issuer,
			Subject:   c.ClientID,
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.Keys.Derive(jwtPurpose))
	if err != nil {
		return "", nil, fmt.Errorf("auth: sign token: %w", err)
	}
	return token, claims, nil
}

// Verify checks a token for audience aud and kind, then loads its client
// (with the secret unsealed) and checks the token predates no rotation or
// revocation. Errors match ErrTokenInvalid, ErrTokenExpired or
// ErrTokenRevoked, checked in that order (a forged token is never reported
// as merely expired); any other error is an infrastructure failure.
//
// Authorise with the returned client's scopes (c.HasScope): they are the
// current grant, the token's are a copy from issue time.
func (s *Service) Verify(ctx context.Context, token, aud, kind string) (*Claims, *model.Client, error) {
	key := tokenKey{token: token, aud: aud, kind: kind}
	claims, ok := s.Cache.token(key)
	if !ok {
		var err error
		if claims, err = s.parse(token, aud, kind); err != nil {
			return nil, nil, err
		}
		s.Cache.putToken(key, claims)
	}
	now := s.now()
	if claims.NotBefore != nil && now.Before(claims.NotBefore.Time) {
		return nil, nil, fmt.Errorf("%w: not valid yet", ErrTokenInvalid)
	}
	if !now.Before(claims.ExpiresAt.Time) { // leeway 0
		s.Cache.dropToken(key)
		return nil, nil, ErrTokenExpired
	}
	// Every time, cached or not: the client as the database has it now
	// (one cache-version check while it is unchanged), so a rotation or
	// revocation on any node ends the token on the next request.
	c, err := s.Client(ctx, claims.ClientID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w: client revoked or deleted", ErrTokenRevoked)
	}
	if err != nil {
		return nil, nil, err
	}
	if c.SecretVersion != claims.SecretVersion {
		return nil, nil, fmt.Errorf("%w: client secret rotated", ErrTokenRevoked)
	}
	cp := *claims // the cached claims stay as parsed
	return &cp, c, nil
}

// parse checks a token's signature and claims for aud and kind (not its
// times, which Verify checks on every use).
func (s *Service) parse(token, aud, kind string) (*Claims, error) {
	claims := &Claims{}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithoutClaimsValidation(), // checked by Verify, in our order, against s.Now
		jwt.WithStrictDecoding(),
	)
	key := s.Keys.Derive(jwtPurpose)
	if _, err := parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	if reason := claims.check(aud, kind); reason != "" {
		return nil, fmt.Errorf("%w: %s", ErrTokenInvalid, reason)
	}
	claims.Audience = aud
	return claims, nil
}

// check returns why a correctly signed payload is unacceptable, or "".
func (c *Claims) check(aud, kind string) string {
	switch {
	case c.Issuer != Issuer:
		return "wrong issuer"
	case len(c.RegisteredClaims.Audience) != 1 || c.RegisteredClaims.Audience[0] != aud:
		return "wrong audience"
	case c.Kind != kind:
		return "wrong token kind"
	case c.ClientID == "" || c.Subject != c.ClientID:
		return "subject mismatch"
	case c.ExpiresAt == nil || c.IssuedAt == nil || c.ID == "" || c.SecretVersion <= 0:
		return "missing claims"
	}
	if t, ok := TenantOf(c.ClientID); !ok || t != c.TenantID {
		return "tenant mismatch"
	}
	return ""
}
