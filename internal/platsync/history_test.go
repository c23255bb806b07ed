package platsync_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/platsync"
)

// TestSyncHistory: a customer brought over by kehu sync, and edited by a
// later run, has a history that names the sync (a system actor naming the
// platform) and the sync as its API for each entry, with the fields the
// edit changed old → new — as the four APIs and imports do.
func TestSyncHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		plat := w.create(t, dashiCustomer(1, w.project.ID))
		cfg := w.config(platsync.PlatformDashi)
		if sum := w.sync(t, cfg); sum.Created != 1 {
			t.Fatalf("summary %+v", sum)
		}
		w.edit(t, plat.ID, &crm.CustomerInput{Remark: crm.Ptr("平台改过")})
		if sum := w.sync(t, cfg); sum.Updated != 1 {
			t.Fatalf("second run %+v", sum)
		}
		cs := all(t, w.dst, w.dst.Tenant.ID)
		if len(cs) != 1 {
			t.Fatalf("%d customers", len(cs))
		}
		admin := &model.Caller{TenantID: w.dst.Tenant.ID}
		h, err := w.dst.Svc.History(ctx, admin, cs[0].ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range h {
			got = append(got, fmt.Sprintf("%s/%s/%s/%s/%s", e.Kind, e.Via, e.Actor.Kind, e.Actor.ID, e.Actor.Name))
		}
		want := "[add/sync/system/sync:dashi/kehu sync 达实AIoT edit/sync/system/sync:dashi/kehu sync 达实AIoT]"
		if fmt.Sprint(got) != want {
			t.Fatalf("history\n got %v\nwant %v", got, want)
		}
		var remark string
		for _, ch := range h[1].Changes {
			if ch.Field == "remark" {
				remark = string(ch.Old) + " → " + string(ch.New)
			}
		}
		if !strings.HasSuffix(remark, ` → "平台改过"`) {
			t.Fatalf("edit changes %+v", h[1].Changes)
		}
	})
}
