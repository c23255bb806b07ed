package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
)

type fixture struct {
	svc    *Service
	st     *store.Store
	tenant *model.Tenant
	other  *model.Tenant
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.New(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{svc: &Service{Store: st, Keys: keys}, st: st}
	if f.tenant, err = st.CreateTenant(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if f.other, err = st.CreateTenant(ctx, "globex"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) client(t *testing.T) *model.Client {
	t.Helper()
	c, err := f.svc.CreateClient(context.Background(), f.tenant.ID, 0, "crm sync", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var idPattern = regexp.MustCompile(`^kh[0-9a-z]+_[a-z2-7]{20}$`)

func TestCreateAndAuthenticate(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.client(t)

	if !idPattern.MatchString(c.ClientID) || !strings.HasPrefix(c.ClientID, "kh"+strconv.FormatInt(f.tenant.ID, 36)+"_") {
		t.Fatalf("client id %q", c.ClientID)
	}
	if tid, ok := TenantOf(c.ClientID); !ok || tid != f.tenant.ID {
		t.Fatalf("TenantOf = %d, %v", tid, ok)
	}
	if len(c.Secret) != 40 || !regexp.MustCompile(`^[A-Za-z0-9]+$`).MatchString(c.Secret) {
		t.Fatalf("secret %q", c.Secret)
	}
	if !slices.Equal(c.Scopes, []string{model.ScopeRead, model.ScopeWrite}) || c.SecretVersion != 1 {
		t.Fatalf("defaults: scopes %v, version %d", c.Scopes, c.SecretVersion)
	}

	// Stored sealed, not in plain.
	sc, err := f.st.Client(ctx, f.tenant.ID, c.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sc.Sealed), c.Secret) {
		t.Fatal("secret stored in plain")
	}

	got, err := f.svc.Authenticate(ctx, c.ClientID, c.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientID != c.ClientID || got.TenantID != f.tenant.ID || got.Name != "crm sync" || got.Secret != c.Secret {
		t.Fatalf("authenticated client %+v", got)
	}

	loaded, err := f.svc.Client(ctx, c.ClientID)
	if err != nil || loaded.Secret != c.Secret {
		t.Fatalf("Client: %v", err)
	}

	for name, sec := range map[string]string{
		"wrong":  c.Secret[:39] + "x",
		"prefix": c.Secret[:39],
		"longer": c.Secret + "x",
		"empty":  "",
	} {
		if _, err := f.svc.Authenticate(ctx, c.ClientID, sec); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("%s secret: %v", name, err)
		}
	}
	for _, id := range []string{"", "kh", "nope", c.ClientID + "x", strings.ToUpper(c.ClientID), "kh1_" + c.ClientID[len(c.ClientID)-20:]} {
		if _, err := f.svc.Authenticate(ctx, id, c.Secret); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("id %q: %v", id, err)
		}
	}
}

func TestForgedTenantPrefix(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.client(t)
	_, random, _ := strings.Cut(c.ClientID, "_")
	forged := "kh" + strconv.FormatInt(f.other.ID, 36) + "_" + random

	if _, err := f.svc.Client(ctx, forged); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("forged tenant prefix: %v, want not found", err)
	}
	if _, err := f.svc.Authenticate(ctx, forged, c.Secret); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("forged tenant prefix authenticated: %v", err)
	}
}

func TestCreateClientValidation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()

	p, err := f.st.CreateProject(ctx, f.tenant.ID, "north")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.CreateClient(ctx, f.tenant.ID, p.ID, "", []string{model.ScopeRead, model.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if c.ProjectID != p.ID || !slices.Equal(c.Scopes, []string{model.ScopeRead}) {
		t.Fatalf("project %d scopes %v", c.ProjectID, c.Scopes)
	}
	got, err := f.svc.Client(ctx, c.ClientID)
	if err != nil || got.ProjectID != p.ID || !slices.Equal(got.Scopes, []string{model.ScopeRead}) {
		t.Fatalf("reloaded: %+v, %v", got, err)
	}

	// A project of another tenant is not found in this one.
	op, err := f.st.CreateProject(ctx, f.other.ID, "south")
	if err != nil {
		t.Fatal(err)
	}
	var fe *model.FieldError
	for _, pid := range []int64{op.ID, 12345, -1} {
		_, err := f.svc.CreateClient(ctx, f.tenant.ID, pid, "x", nil)
		if !errors.As(err, &fe) || fe.Field != "project" {
			t.Fatalf("project %d: %v", pid, err)
		}
	}
	if _, err := f.svc.CreateClient(ctx, f.tenant.ID, 0, "x", []string{"customers:delete"}); !errors.As(err, &fe) || fe.Field != "scopes" {
		t.Fatalf("bad scope: %v", err)
	}
	if _, err := f.svc.CreateClient(ctx, 987654321, 0, "x", nil); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown tenant: %v", err)
	}
	if _, err := f.svc.CreateClient(ctx, 0, 0, "x", nil); !errors.As(err, &fe) {
		t.Fatalf("tenant 0: %v", err)
	}
}

func TestTenantOf(t *testing.T) {
	r := strings.Repeat("a", 20)
	for id, want := range map[string]int64{
		"kh1_" + r:           1,
		"khzz_" + r:          36*35 + 35,
		"kh0_" + r:           0,
		"kh01_" + r:          0, // not canonical
		"khA_" + r:           0, // upper case
		"kh-1_" + r:          0,
		"kh1_" + r[1:]:       0,
		"kh1_" + r + "a":     0,
		"kh1_" + r[1:] + "1": 0, // '1' not in the alphabet
		"kh_" + r:            0,
		"xx1_" + r:           0,
		"kh1" + r:            0,
		"":                   0,
	} {
		got, ok := TenantOf(id)
		if got != want || ok != (want != 0) {
			t.Errorf("TenantOf(%q) = %d, %v; want %d", id, got, ok, want)
		}
	}
	// Round trip at the top of the id range.
	big := int64(1<<53 - 1)
	if got, ok := TenantOf(newClientID(big)); !ok || got != big {
		t.Fatalf("large tenant: %d, %v", got, ok)
	}
}

func TestTokens(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.client(t)

	tok, claims, err := f.svc.Issue(c, AudDashi, KindAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != c.ClientID || claims.Issuer != "kehu" || claims.ID == "" || claims.SecretVersion != 1 ||
		claims.TenantID != f.tenant.ID || claims.Audience != AudDashi || claims.Kind != KindAccess {
		t.Fatalf("claims %+v", claims)
	}
	got, gc, err := f.svc.Verify(ctx, tok, AudDashi, KindAccess)
	if err != nil {
		t.Fatal(err)
	}
	if gc.ClientID != c.ClientID || got.ClientID != c.ClientID || got.TenantID != f.tenant.ID ||
		got.Audience != AudDashi || got.Kind != KindAccess || got.ID != claims.ID ||
		!got.ExpiresAt.Equal(claims.ExpiresAt.Time) || !slices.Equal(got.Scopes, c.Scopes) || !got.HasScope(model.ScopeWrite) {
		t.Fatalf("verified claims %+v", got)
	}
	_, other, _ := f.svc.Issue(c, AudDashi, KindAccess, time.Hour)
	if other.ID == claims.ID {
		t.Fatal("jti repeated")
	}

	// Payload is plain JSON with the standard claims on the wire.
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"aud":["dashi"]`, `"iss":"kehu"`, `"kind":"access"`, `"sub":"` + c.ClientID + `"`} {
		if !strings.Contains(string(payload), want) {
			t.Errorf("payload %s lacks %s", payload, want)
		}
	}
	if strings.Contains(string(payload), c.Secret) {
		t.Fatal("secret in token")
	}

	// Wrong audience or kind.
	if _, _, err := f.svc.Verify(ctx, tok, AudYeastar, KindAccess); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("wrong audience: %v", err)
	}
	if _, _, err := f.svc.Verify(ctx, tok, AudDashi, KindRefresh); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("wrong kind: %v", err)
	}
	refresh, _, err := f.svc.Issue(c, AudNative, KindRefresh, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Verify(ctx, refresh, AudNative, KindAccess); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("refresh used as access: %v", err)
	}
	if _, _, err := f.svc.Verify(ctx, refresh, AudNative, KindRefresh); err != nil {
		t.Fatalf("refresh: %v", err)
	}

	// Bad issue arguments.
	if _, _, err := f.svc.Issue(c, "other", KindAccess, time.Hour); err == nil {
		t.Fatal("unknown audience issued")
	}
	if _, _, err := f.svc.Issue(c, AudNative, "id", time.Hour); err == nil {
		t.Fatal("unknown kind issued")
	}
	if _, _, err := f.svc.Issue(c, AudNative, KindAccess, 0); err == nil {
		t.Fatal("zero ttl issued")
	}
}

func TestTokenExpired(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.client(t)

	past := &Service{Store: f.st, Keys: f.svc.Keys, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
	tok, _, err := past.Issue(c, AudNative, KindAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Verify(ctx, tok, AudNative, KindAccess); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("expired: %v", err)
	}
	// Still good in its own time.
	if _, _, err := past.Verify(ctx, tok, AudNative, KindAccess); err != nil {
		t.Fatalf("within ttl: %v", err)
	}

	// Leeway 0: invalid at the exact expiry second.
	base := time.Unix(1_800_000_000, 0)
	now := base
	clock := &Service{Store: f.st, Keys: f.svc.Keys, Now: func() time.Time { return now }}
	tok, _, err = clock.Issue(c, AudNative, KindAccess, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now = base.Add(time.Minute - time.Millisecond)
	if _, _, err := clock.Verify(ctx, tok, AudNative, KindAccess); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	now = base.Add(time.Minute)
	if _, _, err := clock.Verify(ctx, tok, AudNative, KindAccess); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("at expiry: %v", err)
	}

	// An expired token of the wrong audience is invalid, not expired.
	if _, _, err := clock.Verify(ctx, tok, AudDashi, KindAccess); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired, wrong audience: %v", err)
	}
}

func TestTokenForged(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.client(t)
	tok, claims, err := f.svc.Issue(c, AudNative, KindAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")

	otherKeys, _ := secret.New([]byte(strings.Repeat("k", secret.KeySize)))
	foreign := &Service{Store: f.st, Keys: otherKeys}
	foreignTok, _, err := foreign.Issue(c, AudNative, KindAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	sign := func(method jwt.SigningMethod, key any, cl jwt.Claims) string {
		s, err := jwt.NewWithClaims(method, cl).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	key := f.svc.Keys.Derive("jwt")
	elevated := *claims
	elevated.TenantID = f.other.ID // signature must cover the payload
	tampered := strings.Split(sign(jwt.SigningMethodHS256, []byte("x"), &elevated), ".")[1]

	wrongIssuer := *claims
	wrongIssuer.Issuer = "evil"
	wrongTenant := *claims
	wrongTenant.TenantID = f.other.ID

	sig := []byte(parts[2])
	sig[3] ^= 1

	for name, bad := range map[string]string{
		"other key":      foreignTok,
		"tampered body":  parts[0] + "." + tampered + "." + parts[2],
		"bad signature":  parts[0] + "." + parts[1] + "." + string(sig),
		"no signature":   parts[0] + "." + parts[1] + ".",
		"alg none":       sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims),
		"HS512 same key": sign(jwt.SigningMethodHS512, key, claims),
		"wrong issuer":   sign(jwt.SigningMethodHS256, key, &wrongIssuer),
		"tenant claim":   sign(jwt.SigningMethodHS256, key, &wrongTenant),
		"garbage":        "not.a.token",
		"empty":          "",
	} {
		if _, _, err := f.svc.Verify(ctx, bad, AudNative, KindAccess); !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("%s: %v, want ErrTokenInvalid", name, err)
		}
	}
}

func TestRotate(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.client(t)
	oldTok, _, err := f.svc.Issue(c, AudYeastar, KindAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	r, err := f.svc.Rotate(ctx, c.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Secret == c.Secret || len(r.Secret) != 40 || r.SecretVersion != 2 || r.ClientID != c.ClientID {
		t.Fatalf("rotated %+v", r)
	}
	if _, _, err := f.svc.Verify(ctx, oldTok, AudYeastar, KindAccess); !errors.Is(err, ErrTokenRevoked) {
		t.Fatalf("old token after rotate: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, c.ClientID, c.Secret); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old secret after rotate: %v", err)
	}
	got, err := f.svc.Authenticate(ctx, c.ClientID, r.Secret)
	if err != nil || got.SecretVersion != 2 {
		t.Fatalf("new secret: %+v, %v", got, err)
	}
	newTok, _, err := f.svc.Issue(got, AudYeastar, KindAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Verify(ctx, newTok, AudYeastar, KindAccess); err != nil {
		t.Fatalf("new token: %v", err)
	}
}

func TestRevoked(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.client(t)
	keep := f.client(t)
	tok, _, err := f.svc.Issue(c, AudNative, KindAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	if err := f.svc.Revoke(ctx, c.ClientID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Verify(ctx, tok, AudNative, KindAccess); !errors.Is(err, ErrTokenRevoked) {
		t.Fatalf("token of revoked client: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, c.ClientID, c.Secret); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("revoked client authenticated: %v", err)
	}
	if _, err := f.svc.Client(ctx, c.ClientID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("revoked client loaded: %v", err)
	}
	if _, err := f.svc.Rotate(ctx, c.ClientID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("revoked client rotated: %v", err)
	}
	if err := f.svc.Revoke(ctx, "kh1_"+strings.Repeat("a", 20)); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
	// Other clients are unaffected.
	if _, err := f.svc.Authenticate(ctx, keep.ClientID, keep.Secret); err != nil {
		t.Fatal(err)
	}
}

func TestSealedSecretBoundToRow(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, b := f.client(t), f.client(t)
	sa, err := f.st.Client(ctx, f.tenant.ID, a.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	// b's row holding a's sealed secret (what a swap in the database does).
	if _, err := f.st.RotateClientSecret(ctx, f.tenant.ID, b.ClientID, sa.Sealed); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Authenticate(ctx, b.ClientID, a.Secret)
	if err == nil || errors.Is(err, ErrBadCredentials) || !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("swapped sealed secret: %v", err)
	}
}
