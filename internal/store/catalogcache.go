package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/kehu/kehu/internal/model"
)

// Per-node caches of what nearly every request reads and almost no request
// writes: a tenant's catalogue (fields, options, unique settings, tags,
// stages, and the departments and 公海 pools every staff caller's
// visibility is built from) and its API clients. Loading the catalogue took five queries per
// search; now a request reads one row of cache_versions (migration 0008),
// whose counters triggers move in the same transaction as every write of
// those tables — whichever node, path or tool writes them — and uses its
// cached copy while the counter it was loaded under is still current. So a
// change made on one node is seen by the next request on every node, with
// no messages between nodes and no time-to-live.
//
// Cached values are shared between requests: callers must not modify them.

type catalogEntry struct {
	version int64
	cat     *Catalog
	groups  []model.TagGroup
	stages  []model.Stage
}

type clientKey struct {
	tenant int64
	id     string
}

type clientEntry struct {
	version int64
	c       *SealedClient
}

// versionMemo holds one request's reading of cache_versions: a read
// request checks its client (authentication) and then its catalogue, and
// both are columns of the same row, so it reads that row once (issue 14: the
// two reads were ~18 % of a phone lookup's CPU). What a request sees is
// then the versions current when it started, as if both checks had run at
// that instant; a request that starts after a write on any node still reads
// the new versions.
type versionMemo struct {
	mu               sync.Mutex
	ok               bool
	tenant           int64
	catalog, clients int64
}

type versionMemoKey struct{}

// WithRequestVersions returns ctx under which the cache versions are read
// at most once per tenant (the first read is kept) until a write
// transaction runs through ctx, which forgets them. For read requests: the
// HTTP layer installs it for GET and HEAD.
func WithRequestVersions(ctx context.Context) context.Context {
	return context.WithValue(ctx, versionMemoKey{}, &versionMemo{})
}

// forgetVersions makes the next cacheVersions through ctx read the row
// again (a write transaction may have moved it).
func forgetVersions(ctx context.Context) {
	if m, ok := ctx.Value(versionMemoKey{}).(*versionMemo); ok {
		m.mu.Lock()
		m.ok = false
		m.mu.Unlock()
	}
}

// cacheVersions reads a tenant's catalogue and clients versions (0 and 0
// before the first write), once per request under WithRequestVersions.
func (s *Store) cacheVersions(ctx context.Context, tenantID int64) (catalog, clients int64, err error) {
	m, _ := ctx.Value(versionMemoKey{}).(*versionMemo)
	if m != nil {
		m.mu.Lock()
		ok, t, cat, cl := m.ok, m.tenant, m.catalog, m.clients
		m.mu.Unlock()
		if ok && t == tenantID {
			return cat, cl, nil
		}
	}
	err = s.queryRow(ctx, `SELECT catalog, clients FROM cache_versions WHERE tenant_id = ?`, tenantID).Scan(&catalog, &clients)
	if errors.Is(err, sql.ErrNoRows) {
		catalog, clients, err = 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: cache versions: %w", err)
	}
	if m != nil {
		m.mu.Lock()
		m.ok, m.tenant, m.catalog, m.clients = true, tenantID, catalog, clients
		m.mu.Unlock()
	}
	return catalog, clients, nil
}

// catalogEntry returns the tenant's catalogue, tags and stages, loading
// them when the cached copy is missing or stale. The version is read
// before the data, so a copy is never labelled newer than what it holds.
func (s *Store) catalogEntry(ctx context.Context, tenantID int64) (*catalogEntry, error) {
	// On the primary: a copy loaded from a lagging replica would be
	// labelled with an old version and reloaded by the next primary read.
	ctx = Primary(ctx)
	version, _, err := s.cacheVersions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if v, ok := s.catalogCache.Load(tenantID); ok {
		if e := v.(*catalogEntry); e.version == version {
			return e, nil
		}
	}
	e := &catalogEntry{version: version}
	if e.cat, err = s.loadCatalog(ctx, tenantID); err != nil {
		return nil, err
	}
	if e.groups, err = s.tagGroups(ctx, tenantID); err != nil {
		return nil, err
	}
	if e.stages, err = s.stages(ctx, tenantID); err != nil {
		return nil, err
	}
	if e.cat.Departments, err = s.departments(ctx, tenantID); err != nil {
		return nil, err
	}
	if e.cat.Pools, err = s.pools(ctx, tenantID); err != nil {
		return nil, err
	}
	// Clipped, so a caller's append copies instead of writing into the cache.
	e.groups, e.stages = slices.Clip(e.groups), slices.Clip(e.stages)
	e.cat.Departments, e.cat.Pools = slices.Clip(e.cat.Departments), slices.Clip(e.cat.Pools)
	s.catalogCache.Store(tenantID, e)
	return e, nil
}

// CatalogSnapshot is LoadCatalog, TagGroups and Stages under one version
// check (one query when cached). Do not modify what it returns.
func (s *Store) CatalogSnapshot(ctx context.Context, tenantID int64) (*Catalog, []model.TagGroup, []model.Stage, error) {
	e, err := s.catalogEntry(ctx, tenantID)
	if err != nil {
		return nil, nil, nil, err
	}
	return e.cat, e.groups, e.stages, nil
}
