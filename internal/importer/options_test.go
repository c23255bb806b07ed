package importer_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// matrixFixture is a tenant with two projects, a staff member, a tag and a
// custom field, so every kind of reference a row can carry exists.
type matrixFixture struct {
	*fixture
	projA, projB int64
}

func newMatrixFixture(t *testing.T, dialect string) *matrixFixture {
	t.Helper()
	ctx := context.Background()
	f := &matrixFixture{fixture: newFixture(t, dialect)}
	tid := f.tenant.ID
	a, err := f.st.CreateProject(ctx, tid, "甲项目")
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.st.CreateProject(ctx, tid, "乙项目")
	if err != nil {
		t.Fatal(err)
	}
	f.projA, f.projB = a.ID, b.ID
	if err := f.st.CreateStaff(ctx, tid, &model.Staff{Name: "销售小王"}); err != nil {
		t.Fatal(err)
	}
	g, err := f.st.CreateTagGroup(ctx, tid, "来源")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreateTag(ctx, tid, g.ID, "官网"); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateField(ctx, tid, &model.Field{Key: "memberNo", Label: "会员号", Type: model.FieldType("text")}); err != nil {
		t.Fatal(err)
	}
	return f
}

// matrixFile: good rows with and without a 项目 cell, references by name,
// a column only a mapping recognises, a duplicate phone, an email shared
// with an earlier row, a bad phone and an unknown staff member.
var matrixFile = csvBytes(
	[]string{"姓名", "手机", "邮箱", "项目", "负责人", "标签", "卡号", "内部编号"},
	[]string{"甲一", "13800000001", "a1@example.com", "", "销售小王", "官网", "M-1", "x"},
	[]string{"甲二", "13800000002", "", "乙项目", "", "", "M-2", "x"},
	[]string{"甲三", "13800000003", "a1@example.com", "", "", "", "", "x"},
	[]string{"甲四", "13800000001", "", "", "", "", "", "x"},
	[]string{"甲五", "12345", "", "", "", "", "", "x"},
	[]string{"甲六", "13800000006", "", "", "没这个人", "", "", "x"},
	[]string{"甲七", "13800000007", "", "甲项目", "", "官网", "M-7", "x"},
)

// TestImportOptionMatrix runs every option an import accepts through the
// load (a fresh SQLite database, BulkLoad) and through batches, and wants
// the same customers, counts and report from both. The options a load
// cannot do (update, dry run) must fall back to batches and say so.
// --project into a fresh database used to fail every row with SQLITE_BUSY
// (the load held the database while the project was checked on another
// connection) and still exit 0.
func TestImportOptionMatrix(t *testing.T) {
	type opts func(f *matrixFixture) importer.Options
	mapping := map[string]string{"卡号": "memberNo", "内部编号": "-"}
	cases := []struct {
		name     string
		opts     opts
		loadable bool
	}{
		{"defaults", func(*matrixFixture) importer.Options { return importer.Options{} }, true},
		{"project", func(f *matrixFixture) importer.Options { return importer.Options{ProjectID: f.projA} }, true},
		{"project forced", func(f *matrixFixture) importer.Options {
			return importer.Options{ProjectID: f.projA, Caller: crm.TenantCaller(f.tenant.ID, f.projA, model.ViaImport)}
		}, true},
		{"mapping", func(*matrixFixture) importer.Options { return importer.Options{Mapping: mapping} }, true},
		{"create", func(*matrixFixture) importer.Options { return importer.Options{OnDuplicate: importer.Create} }, true},
		{"dedupe by phone", func(*matrixFixture) importer.Options { return importer.Options{DedupeBy: []string{"phone"}} }, true},
		{"dedupe by email", func(*matrixFixture) importer.Options { return importer.Options{DedupeBy: []string{"email"}} }, true},
		{"small batches", func(*matrixFixture) importer.Options { return importer.Options{BatchSize: 2} }, true},
		{"persisted job", func(*matrixFixture) importer.Options { return importer.Options{Persist: true} }, true},
		{"writer cache", func(*matrixFixture) importer.Options { return importer.Options{WriterCacheMB: 16} }, true},
		{"actor", func(*matrixFixture) importer.Options {
			return importer.Options{Actor: model.Actor{ID: "7", Name: "导入员"}}
		}, true},
		{"all loadable at once", func(f *matrixFixture) importer.Options {
			return importer.Options{ProjectID: f.projB, Mapping: mapping, OnDuplicate: importer.Create,
				DedupeBy: []string{"phone", "email"}, BatchSize: 3, Persist: true}
		}, true},
		{"update", func(*matrixFixture) importer.Options { return importer.Options{OnDuplicate: importer.Update} }, false},
		{"dry run", func(f *matrixFixture) importer.Options {
			return importer.Options{DryRun: true, ProjectID: f.projA, Mapping: mapping}
		}, false},
	}
	path := writeFile(t, "matrix.csv", matrixFile)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want string
			for _, run := range []struct {
				dialect string
				bulk    bool
			}{{store.SQLite, true}, {store.SQLite, false}, {store.Postgres, false}} {
				f := newMatrixFixture(t, run.dialect)
				o := tc.opts(f)
				o.BulkLoad = run.bulk
				rep := &memReport{}
				sum := f.run(t, path, o, rep)
				if wantLoad := run.bulk && tc.loadable; sum.BulkLoad != wantLoad {
					t.Errorf("%s bulk %v: bulkLoad %v, want %v", run.dialect, run.bulk, sum.BulkLoad, wantLoad)
				}
				got := f.outcome(t, sum, rep)
				if sum.Created+sum.Updated+sum.Unchanged+sum.Skipped+sum.Failed != 7 || sum.Total != 7 {
					t.Errorf("%s bulk %v: counts do not add up to the 7 rows: %+v", run.dialect, run.bulk, sum)
				}
				if strings.Contains(got, "database is locked") || strings.Contains(got, "store:") {
					t.Errorf("%s bulk %v: an internal error became a row failure:\n%s", run.dialect, run.bulk, got)
				}
				if want == "" {
					want = got
					if testing.Verbose() {
						t.Logf("%s", got)
					}
					f.check(t, tc.name, o, sum)
					continue
				}
				if got != want {
					t.Errorf("%s bulk %v differs from the SQLite load:\n%s\nwant:\n%s", run.dialect, run.bulk, got, want)
				}
			}
		})
	}
}

// outcome renders counts, report rows and the stored customers with the
// project, tag and staff ids replaced by names (ids differ per database).
func (f *matrixFixture) outcome(t *testing.T, sum *importer.Summary, rep *memReport) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	fmt.Fprintf(&b, "created %d updated %d unchanged %d skipped %d failed %d\n", sum.Created, sum.Updated, sum.Unchanged, sum.Skipped, sum.Failed)
	for _, is := range rep.issues {
		fmt.Fprintf(&b, "row %d %s %s: %s\n", is.Row, is.Kind, is.Column, is.Reason)
	}
	rows, err := f.st.Query(ctx, f.st.Rebind(`SELECT id FROM customers WHERE tenant_id = ?`), f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	cs, err := f.st.CustomersByIDs(ctx, f.tenant.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	project := map[int64]string{0: "-", f.projA: "甲项目", f.projB: "乙项目"}
	var lines []string
	for _, c := range cs {
		owner := "-"
		if c.OwnerID != 0 {
			owner = "staff"
		}
		vals, _ := c.CustomValues()
		var fields []string
		for _, v := range vals {
			fields = append(fields, fmt.Sprint(v))
		}
		lines = append(lines, fmt.Sprintf("%s phone=%s email=%s project=%s owner=%s tags=%d fields=%v by=%s",
			c.Name, c.Phone, c.Email, project[c.ProjectID], owner, len(c.TagIDs), fields, c.CreatedByName))
	}
	slices.Sort(lines)
	b.WriteString(strings.Join(lines, "\n"))
	return strings.NewReplacer(fmt.Sprint(f.projA), "<甲项目>", fmt.Sprint(f.projB), "<乙项目>").Replace(b.String())
}

// check asserts what each option means, once per case.
func (f *matrixFixture) check(t *testing.T, name string, o importer.Options, sum *importer.Summary) {
	t.Helper()
	if o.DryRun {
		if n := f.count(t); n != 0 {
			t.Errorf("dry run wrote %d customers", n)
		}
		return
	}
	cs := f.search(t, "")
	byName := map[string]*model.Customer{}
	for _, c := range cs {
		byName[c.Name] = c
	}
	if o.ProjectID != 0 {
		if c := byName["甲一"]; c == nil || c.ProjectID != o.ProjectID {
			t.Errorf("%s: a row without a 项目 cell is not in project %d: %+v", name, o.ProjectID, c)
		}
	}
	forced := o.Caller != nil && o.Caller.ProjectID != 0
	if c := byName["甲二"]; c != nil && !forced && c.ProjectID != f.projB {
		t.Errorf("%s: the 项目 cell 乙项目 was not applied: %+v", name, c)
	}
	if forced && byName["甲二"] != nil {
		t.Errorf("%s: a row naming another project was imported into a project-bound import", name)
	}
	if o.Mapping != nil {
		if c := byName["甲一"]; c == nil || !strings.Contains(string(c.Custom), `"M-1"`) {
			t.Errorf("%s: the mapping did not fill memberNo: %+v", name, c)
		}
	}
	if o.Persist && sum.ImportID == 0 {
		t.Errorf("%s: a persisted import has no job id", name)
	}
	if o.Actor.Name != "" && byName["甲一"] != nil && byName["甲一"].CreatedByName != o.Actor.Name {
		t.Errorf("%s: created by %q, want the actor", name, byName["甲一"].CreatedByName)
	}
}

// TestImportInternalFailure: a row the database refuses for a reason that
// is not the row's (here a trigger standing in for a failing disk) fails
// the import as a whole — in a load nothing is kept — instead of being
// counted as a bad row of an import that succeeds.
func TestImportInternalFailure(t *testing.T) {
	path := writeFile(t, "boom.csv", matrixFile)
	for _, bulk := range []bool{true, false} {
		f := newMatrixFixture(t, store.SQLite)
		if err := f.st.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), `CREATE TRIGGER boom BEFORE INSERT ON customers WHEN NEW.name = '甲七'
				BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		src, err := importer.Open(path, path)
		if err != nil {
			t.Fatal(err)
		}
		im := &importer.Importer{Svc: f.svc, Report: &memReport{}}
		sum, err := im.Run(context.Background(), src, importer.Options{TenantID: f.tenant.ID, BulkLoad: bulk, Persist: true})
		src.Close()
		if err == nil || !strings.Contains(err.Error(), "simulated I/O failure") {
			t.Fatalf("bulk %v: err %v (summary %+v), want the import to fail with the cause", bulk, err, sum)
		}
		if n := f.count(t); bulk && n != 0 {
			t.Errorf("a failed load kept %d customers", n)
		}
	}
	_ = os.Remove(path)
}
