package importer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestImportIntoPool (kehu import --pool, the API's poolId): the customers
// an import creates land in the pool — no owner, in the pool, entered by
// "import", one pool.import action each, their name tokens carrying the
// pool so a pool search by a name fragment finds them — both when the
// import runs as one load into an empty database and when it writes
// batches, on both databases; a row naming an owner fails alone (in
// Chinese); a pool the caller may not see is refused before any row.
func TestImportIntoPool(t *testing.T) {
	file := csvBytes([]string{"姓名", "手机", "负责人"},
		[]string{"张三", "13900000001", ""},
		[]string{"张四", "13900000002", ""},
		[]string{"李五", "13900000003", "李雷"},
		[]string{"王六", "13900000004", ""})
	for _, tc := range []struct {
		db   string
		bulk bool
	}{{store.SQLite, true}, {store.SQLite, false}, {store.Postgres, false}} {
		name := tc.db + "/batches"
		if tc.bulk {
			name = tc.db + "/load"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, tc.db)
			admin := crm.TenantCaller(f.tenant.ID, 0, model.ViaCLI)
			if err := f.st.CreateStaff(ctx, f.tenant.ID, &model.Staff{Name: "李雷"}); err != nil {
				t.Fatal(err)
			}
			p, err := f.svc.CreatePool(ctx, admin, &model.Pool{Name: "公海"})
			if err != nil {
				t.Fatal(err)
			}
			rep := &memReport{}
			sum := f.run(t, writeFile(t, "pool.csv", file), importer.Options{PoolID: p.ID, BulkLoad: tc.bulk, Persist: true, FileName: "pool.csv"}, rep)
			if sum.BulkLoad != tc.bulk || sum.Created != 3 || sum.Failed != 1 {
				t.Fatalf("summary %+v, want 3 created and 1 failed (load: %v)", sum, tc.bulk)
			}
			if len(rep.issues) != 1 || rep.issues[0].Row != 4 || !strings.Contains(rep.issues[0].Reason, "请留空负责人") {
				t.Fatalf("issues %+v", rep.issues)
			}
			cs := f.search(t, "")
			if len(cs) != 3 {
				t.Fatalf("%d customers", len(cs))
			}
			for _, c := range cs {
				if c.PoolID != p.ID || c.OwnerID != 0 || c.HomePoolID != 0 || c.PoolEntry != model.PoolEntryImport ||
					c.PoolReason != "导入 pool.csv" || c.PoolEnteredAt.IsZero() {
					t.Fatalf("customer %s: pool %d owner %d home %d entry %q reason %q entered %v", c.Name, c.PoolID, c.OwnerID,
						c.HomePoolID, c.PoolEntry, c.PoolReason, c.PoolEnteredAt)
				}
			}
			if got := f.search(t, fmt.Sprintf(`pool = %d && name ~ "张"`, p.ID)); len(got) != 2 {
				t.Fatalf("pool = P && name ~ 张 finds %d customers, want 2", len(got))
			}
			acts, err := f.st.PoolActions(ctx, f.tenant.ID, store.PoolActionFilter{PoolID: p.ID, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) != 3 {
				t.Fatalf("%d pool actions, want 3", len(acts))
			}
			for _, a := range acts {
				if a.Action != model.PoolImport || a.Via != model.ViaImport || a.Reason != "导入 pool.csv" || a.CustomerID == 0 {
					t.Fatalf("action %+v", a)
				}
			}
			// A 销售 sees the imported customers through the pool.
			rep1 := &model.Staff{Name: "韩梅梅"}
			if err := f.st.CreateStaff(ctx, f.tenant.ID, rep1); err != nil {
				t.Fatal(err)
			}
			sales, _ := f.st.RoleByKey(ctx, f.tenant.ID, model.RoleSales)
			if err := f.st.SetStaffRole(ctx, f.tenant.ID, rep1.ID, sales.ID); err != nil {
				t.Fatal(err)
			}
			who, err := f.svc.StaffCaller(ctx, f.tenant.ID, rep1.ID, model.ViaNative, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Customer(ctx, who, cs[0].ID); err != nil {
				t.Fatalf("a 销售 does not see a customer imported into a pool: %v", err)
			}
		})
	}
}

// TestImportIntoPoolRefused: a pool that does not exist, or that the
// caller may not see (a 销售 outside the pool's department), fails the
// import before any row, as an invalid poolId.
func TestImportIntoPoolRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, store.SQLite)
	admin := crm.TenantCaller(f.tenant.ID, 0, model.ViaCLI)
	market, _ := f.st.CreateDepartment(ctx, f.tenant.ID, 0, "市场部")
	sales, _ := f.st.CreateDepartment(ctx, f.tenant.ID, 0, "销售部")
	p, err := f.svc.CreatePool(ctx, admin, &model.Pool{Name: "市场部公海", DepartmentID: market.ID})
	if err != nil {
		t.Fatal(err)
	}
	role, _ := f.st.RoleByKey(ctx, f.tenant.ID, model.RoleManager)
	m := &model.Staff{Name: "王主管", DepartmentID: sales.ID, RoleID: role.ID}
	if err := f.st.CreateStaff(ctx, f.tenant.ID, m); err != nil {
		t.Fatal(err)
	}
	mgr, err := f.svc.StaffCaller(ctx, f.tenant.ID, m.ID, model.ViaNative, "")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "x.csv", csvBytes([]string{"姓名"}, []string{"张三"}))
	for _, tc := range []struct {
		caller *model.Caller
		pool   int64
	}{{nil, p.ID + 1}, {mgr, p.ID}} {
		src, err := importer.Open(path, path)
		if err != nil {
			t.Fatal(err)
		}
		im := &importer.Importer{Svc: f.svc}
		_, err = im.Run(ctx, src, importer.Options{TenantID: f.tenant.ID, Caller: tc.caller, PoolID: tc.pool})
		src.Close()
		var fe *model.FieldError
		if !errors.As(err, &fe) || fe.Field != "poolId" {
			t.Fatalf("pool %d: %v, want an invalid poolId", tc.pool, err)
		}
	}
	if n := f.count(t); n != 0 {
		t.Fatalf("%d customers written", n)
	}
}
