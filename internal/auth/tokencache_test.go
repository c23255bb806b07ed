package auth

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// twoNodes opens the same database twice, as two kehu nodes do, each with
// its own Service (and so its own token and secret caches).
func twoNodes(t *testing.T, dsn func(t *testing.T) string) (a, b *Service, tenant int64) {
	t.Helper()
	ctx := context.Background()
	d := dsn(t)
	open := func() *store.Store {
		st, err := store.Open(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	sa := open()
	if _, err := sa.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sb := open()
	keys, err := secret.New(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ten, err := sa.CreateTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return &Service{Store: sa, Keys: keys, Cache: NewCache()}, &Service{Store: sb, Keys: keys, Cache: NewCache()}, ten.ID
}

var tokenCacheDBs = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
}

// TestTokenCacheAcrossNodes: a token verified (and cached) on node A stops
// working there at the next request after node B rotates the client's
// secret or revokes it; the replacement token works on both.
func TestTokenCacheAcrossNodes(t *testing.T) {
	for _, db := range tokenCacheDBs {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			a, b, tenant := twoNodes(t, db.dsn)
			c, err := a.CreateClient(ctx, tenant, 0, "sync", nil)
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := a.Issue(c, AudNative, KindAccess, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ { // the later calls are cache hits
				cl, got, err := a.Verify(ctx, tok, AudNative, KindAccess)
				if err != nil || got.ClientID != c.ClientID || cl.ClientID != c.ClientID || got.Secret != c.Secret {
					t.Fatalf("verify %d: %v %+v", i, err, got)
				}
			}
			if _, ok := a.Cache.tokens.get(tokenKey{tok, AudNative, KindAccess}); !ok {
				t.Fatal("verified token not cached")
			}
			// Cached for one audience is no pass for another.
			if _, _, err := a.Verify(ctx, tok, AudDashi, KindAccess); !errors.Is(err, ErrTokenInvalid) {
				t.Fatalf("other audience: %v", err)
			}

			rotated, err := b.Rotate(ctx, c.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Verify(ctx, tok, AudNative, KindAccess); !errors.Is(err, ErrTokenRevoked) {
				t.Fatalf("after rotation on the other node: %v", err)
			}
			tok2, _, err := b.Issue(rotated, AudNative, KindAccess, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			_, got, err := a.Verify(ctx, tok2, AudNative, KindAccess)
			if err != nil || got.Secret != rotated.Secret {
				t.Fatalf("new token on node A: %v (secret is the new one: %v)", err, err == nil && got.Secret == rotated.Secret)
			}

			if err := b.Revoke(ctx, c.ClientID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Verify(ctx, tok2, AudNative, KindAccess); !errors.Is(err, ErrTokenRevoked) {
				t.Fatalf("after revocation on the other node: %v", err)
			}
		})
	}
}

// TestTokenCacheExpiry: a cached token expires on time, and a forged one
// is never cached.
func TestTokenCacheExpiry(t *testing.T) {
	ctx := context.Background()
	a, _, tenant := twoNodes(t, tokenCacheDBs[0].dsn)
	base := time.Unix(1_800_000_000, 0)
	now := base
	a.Now = func() time.Time { return now }
	c, err := a.CreateClient(ctx, tenant, 0, "sync", []string{model.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Issue(c, AudNative, KindAccess, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{0, time.Second, time.Minute - time.Millisecond} {
		now = base.Add(d)
		if _, _, err := a.Verify(ctx, tok, AudNative, KindAccess); err != nil {
			t.Fatalf("at +%v: %v", d, err)
		}
	}
	now = base.Add(time.Minute)
	if _, _, err := a.Verify(ctx, tok, AudNative, KindAccess); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	if _, ok := a.Cache.tokens.get(tokenKey{tok, AudNative, KindAccess}); ok {
		t.Fatal("expired token still cached")
	}

	now = base
	forged := tok[:len(tok)-2] + "AA"
	if forged == tok {
		forged = tok[:len(tok)-2] + "BB"
	}
	for i := 0; i < 2; i++ {
		if _, _, err := a.Verify(ctx, forged, AudNative, KindAccess); !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("forged, try %d: %v", i, err)
		}
	}
	if _, ok := a.Cache.tokens.get(tokenKey{forged, AudNative, KindAccess}); ok {
		t.Fatal("forged token cached")
	}
}

// TestBoundedMap: the caches empty themselves at maxCached entries.
func TestBoundedMap(t *testing.T) {
	var b boundedMap
	for i := 0; i < maxCached+5; i++ {
		b.store(i, i)
	}
	if n := b.n.Load(); n > maxCached || n < 1 {
		t.Fatalf("%d entries, bound %d", n, maxCached)
	}
	if _, ok := b.load(maxCached + 4); !ok {
		t.Fatal("latest entry lost")
	}
}
