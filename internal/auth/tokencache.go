package auth

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// Per-node caches of what Verify would otherwise redo on every request with
// the same token: the signature check and claims of a token (tokenCache),
// and the unsealed secret of a client (secretCache). Neither decides
// anything on its own: Verify still checks a cached token's times against
// Now and loads its client through the store's client cache, which reads
// cache_versions (migration 0008) on every call, so a rotation or
// revocation made on any node ends the token at its next use; and a cached
// secret is used only while the sealed bytes it was opened from are the
// client's current ones. A token is only ever cached after its signature
// verified, so a forged one costs a parse each time, as before.

// maxCached bounds each cache; reaching it empties the cache (tokens are
// short-lived and re-verified in microseconds, so a rare full reset is
// cheaper than bookkeeping an LRU on every request).
const maxCached = 10000

type tokenKey struct{ token, aud, kind string }

// Cache is a node's token and secret cache (Service.Cache). A nil *Cache
// caches nothing.
type Cache struct {
	tokens  tokenCache
	secrets secretCache
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{} }

func (c *Cache) token(k tokenKey) (*Claims, bool) {
	if c == nil {
		return nil, false
	}
	return c.tokens.get(k)
}

func (c *Cache) putToken(k tokenKey, cl *Claims) {
	if c != nil {
		c.tokens.put(k, cl)
	}
}

func (c *Cache) dropToken(k tokenKey) {
	if c != nil {
		c.tokens.drop(k)
	}
}

func (c *Cache) secret(clientID string, sealed []byte) (string, bool) {
	if c == nil {
		return "", false
	}
	return c.secrets.get(clientID, sealed)
}

func (c *Cache) putSecret(clientID string, sealed []byte, plain string) {
	if c != nil {
		c.secrets.put(clientID, sealed, plain)
	}
}

// boundedMap is a sync.Map that empties itself when it reaches maxCached.
type boundedMap struct {
	m sync.Map
	n atomic.Int64
}

func (b *boundedMap) load(k any) (any, bool) { return b.m.Load(k) }

func (b *boundedMap) store(k, v any) {
	if b.n.Load() >= maxCached {
		b.m.Range(func(k, _ any) bool { b.m.Delete(k); return true })
		b.n.Store(0)
	}
	if _, loaded := b.m.Swap(k, v); !loaded {
		b.n.Add(1)
	}
}

func (b *boundedMap) delete(k any) {
	if _, loaded := b.m.LoadAndDelete(k); loaded {
		b.n.Add(-1)
	}
}

// tokenCache maps a token (with the audience and kind it was checked for)
// to its verified claims. Do not modify cached claims.
type tokenCache struct{ boundedMap }

func (c *tokenCache) get(k tokenKey) (*Claims, bool) {
	v, ok := c.load(k)
	if !ok {
		return nil, false
	}
	return v.(*Claims), true
}

func (c *tokenCache) put(k tokenKey, cl *Claims) { c.store(k, cl) }
func (c *tokenCache) drop(k tokenKey)            { c.delete(k) }

// secretCache maps a client id to its secret, opened from sealed.
type secretCache struct{ boundedMap }

type openedSecret struct {
	sealed []byte
	plain  string
}

func (c *secretCache) get(clientID string, sealed []byte) (string, bool) {
	v, ok := c.load(clientID)
	if !ok {
		return "", false
	}
	o := v.(*openedSecret)
	if !bytes.Equal(o.sealed, sealed) {
		return "", false
	}
	return o.plain, true
}

func (c *secretCache) put(clientID string, sealed []byte, plain string) {
	c.store(clientID, &openedSecret{sealed: bytes.Clone(sealed), plain: plain})
}
