package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// Two nodes on one database: what one caches, a write on the other makes
// stale for its very next read (catalogue, tags, stages, clients).
func TestCachesFollowWritesOfOtherNodes(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			a, b := storetest.OpenNodes(t, db)
			tn, err := a.CreateTenant(ctx, "t")
			if err != nil {
				t.Fatal(err)
			}
			cat1, err := a.LoadCatalog(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := a.LoadCatalog(ctx, tn.ID); again != cat1 {
				t.Fatal("an unchanged catalogue was loaded again instead of served from the cache")
			}
			if err := b.CreateField(ctx, tn.ID, &model.Field{Key: "level", Label: "等级", Type: model.TypeText}); err != nil {
				t.Fatal(err)
			}
			cat2, err := a.LoadCatalog(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cat2.ByKey["level"] == nil {
				t.Fatal("node a did not see the field node b created")
			}
			if _, err := b.CreateStage(ctx, tn.ID, "成交"); err != nil {
				t.Fatal(err)
			}
			if st, _ := a.Stages(ctx, tn.ID); len(st) != 1 {
				t.Fatalf("node a sees %d stages after node b created one", len(st))
			}
			g, err := b.CreateTagGroup(ctx, tn.ID, "g")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.CreateTag(ctx, tn.ID, g.ID, "VIP"); err != nil {
				t.Fatal(err)
			}
			if gs, _ := a.TagGroups(ctx, tn.ID); len(gs) != 1 || len(gs[0].Tags) != 1 {
				t.Fatalf("node a sees tag groups %+v after node b created one with a tag", gs)
			}

			c := &model.Client{TenantID: tn.ID, ClientID: "k" + "1", Name: "c", Scopes: []string{model.ScopeRead}, SecretVersion: 1}
			if err := b.CreateClient(ctx, c, []byte("sealed")); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Client(ctx, tn.ID, c.ClientID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.RotateClientSecret(ctx, tn.ID, c.ClientID, []byte("sealed2")); err != nil {
				t.Fatal(err)
			}
			got, err := a.Client(ctx, tn.ID, c.ClientID)
			if err != nil || got.SecretVersion != 2 || string(got.Sealed) != "sealed2" {
				t.Fatalf("node a after rotation on b: %+v, %v", got, err)
			}
			if err := b.RevokeClient(ctx, tn.ID, c.ClientID); err != nil {
				t.Fatal(err)
			}
			got, err = a.Client(ctx, tn.ID, c.ClientID)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				t.Fatal(err)
			}
			if err == nil && !got.Revoked {
				t.Fatal("node a still serves a client node b revoked")
			}
			_ = store.SQLite
		})
	}
}

// A read request checks the cache versions once (WithRequestVersions): its
// client and catalogue checks share one reading of the row; a write
// transaction through the request forgets it, and the next request on any
// node reads the row again.
func TestRequestVersionsReadOnce(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			a, b := storetest.OpenNodes(t, db)
			tn, err := a.CreateTenant(ctx, "t")
			if err != nil {
				t.Fatal(err)
			}
			req := store.WithRequestVersions(ctx)
			cat1, err := a.LoadCatalog(req, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.CreateField(ctx, tn.ID, &model.Field{Key: "level", Label: "等级", Type: model.TypeText}); err != nil {
				t.Fatal(err)
			}
			if again, _ := a.LoadCatalog(req, tn.ID); again != cat1 {
				t.Fatal("the same request read the versions twice")
			}
			if next, _ := a.LoadCatalog(store.WithRequestVersions(ctx), tn.ID); next.ByKey["level"] == nil {
				t.Fatal("the next request on node a did not see the field node b created")
			}
			if err := a.InTx(req, func(tx *store.Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if after, _ := a.LoadCatalog(req, tn.ID); after.ByKey["level"] == nil {
				t.Fatal("a write transaction through the request did not make it read the versions again")
			}
		})
	}
}
