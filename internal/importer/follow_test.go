package importer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestImportFollowState: an import of history sets 最后跟进时间, 最后跟进人
// and 下次跟进时间 (by the row-by-row path and the bulk load), refuses an
// unknown staff member and a future last follow-up, and export writes
// them back; a newer follow-up recorded in kehu then takes over.
func TestImportFollowState(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		f := newFixture(t, store.SQLite)
		ctx := context.Background()
		m := &model.Staff{Name: "李雷"}
		if err := f.st.CreateStaff(ctx, f.tenant.ID, m); err != nil {
			t.Fatal(err)
		}
		file := csvBytes([]string{"姓名", "手机", "最后跟进时间", "最后跟进人", "下次跟进时间"},
			[]string{"甲", "13900000001", "2024-05-06 10:30:00", "李雷", "2024-05-10 09:00:00"},
			[]string{"乙", "13900000002", "2024/5/7", "王五", ""},
			[]string{"丙", "13900000003", "2099-01-01 00:00:00", "", ""})
		rep := &memReport{}
		sum := f.run(t, writeFile(t, "follow.csv", file), importer.Options{BulkLoad: bulk}, rep)
		if sum.Created != 1 || sum.Failed != 2 {
			t.Fatalf("bulk %v: %+v %+v", bulk, sum, rep.issues)
		}
		var reasons []string
		for _, is := range rep.issues {
			reasons = append(reasons, is.Reason)
		}
		if r := strings.Join(reasons, " | "); !strings.Contains(r, "王五") || !strings.Contains(r, "lastFollowAt") && !strings.Contains(r, "最后跟进时间") {
			t.Errorf("bulk %v: reasons %s", bulk, r)
		}
		admin := crm.SystemCaller(f.tenant.ID, model.Actor{})
		cs, err := f.st.CustomersByIDs(ctx, f.tenant.ID, customerIDs(t, f))
		if err != nil || len(cs) != 1 {
			t.Fatalf("bulk %v: %v %d", bulk, err, len(cs))
		}
		c := cs[0]
		want := time.Date(2024, 5, 6, 10, 30, 0, 0, crm.China)
		if !c.LastFollowAt.Equal(want) || c.LastFollowUserID != m.ID || !c.NextFollowAt.Equal(time.Date(2024, 5, 10, 9, 0, 0, 0, crm.China)) {
			t.Fatalf("bulk %v: imported state %v by %d next %v", bulk, c.LastFollowAt, c.LastFollowUserID, c.NextFollowAt)
		}
		refs, err := importer.LoadRefs(ctx, f.st, f.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		cat, _ := f.st.LoadCatalog(ctx, f.tenant.ID)
		var got []string
		for _, k := range []string{"lastFollowAt", "lastFollowUser", "nextFollowAt"} {
			for i := range importer.Columns {
				if importer.Columns[i].Key == k {
					got = append(got, importer.FormatSystem(&importer.Columns[i], c, cat, refs))
				}
			}
		}
		if strings.Join(got, "|") != "2024-05-06 10:30:00|李雷|2024-05-10 09:00:00" {
			t.Errorf("bulk %v: export %v", bulk, got)
		}
		if _, err := f.svc.AddFollowUp(ctx, admin, c.ID, &crm.FollowUpInput{Kind: crm.Ptr("电话"), Content: crm.Ptr("回访"), StaffID: &m.ID}); err != nil {
			t.Fatal(err)
		}
		if c, _ := f.st.Customer(ctx, f.tenant.ID, c.ID); !c.NextFollowAt.IsZero() || c.LastFollowAt.Before(want.AddDate(1, 0, 0)) {
			t.Errorf("bulk %v: after a follow-up in kehu: %v next %v", bulk, c.LastFollowAt, c.NextFollowAt)
		}
	}
}

func customerIDs(t *testing.T, f *fixture) []int64 {
	t.Helper()
	rows, err := f.st.Query(context.Background(), f.st.Rebind(`SELECT id FROM customers WHERE tenant_id = ?`), f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}
