package importer_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// genHeader is the header of generated files.
var genHeader = []string{"姓名", "手机号", "邮箱", "公司", "省份", "城市", "地址", "性别", "出生日期", "证件号码", "备注"}

// rowKind says what generated row i is: every 20th row (i%20 == 7) is
// invalid, every 10th (i%10 == 3) repeats the phone of row i-3, the rest
// are new customers: 5% invalid, 10% duplicates, 85% created.
func rowKind(i int) string {
	switch {
	case i%20 == 7:
		return "invalid"
	case i%10 == 3:
		return "duplicate"
	}
	return "new"
}

// noCompany leaves the company column empty (KEHU_IMPORT_NO_COMPANY=1).
var noCompany = os.Getenv("KEHU_IMPORT_NO_COMPANY") != ""

// genSeed and genPrefix make other files for runs into the same database
// (KEHU_IMPORT_SEED=N: fakedata seed N, phones 13N…; default 7 and 139).
var genSeed, genPrefix = func() (int64, string) {
	if n, err := strconv.Atoi(os.Getenv("KEHU_IMPORT_SEED")); err == nil && n >= 0 && n <= 9 {
		return int64(n), fmt.Sprintf("13%d", n)
	}
	return 7, "139"
}()

func genPhone(i int) string { return fmt.Sprintf("%s%08d", genPrefix, i) }

// genRows writes n generated rows (after the header) with w.
func genRows(n int, write func([]string) error) error {
	g := fakedata.New(fakedata.Config{Seed: genSeed})
	var p fakedata.Person
	for i := 0; i < n; i++ {
		g.Next(&p)
		sex := map[int]string{1: "男", 2: "女"}[p.Sex]
		phone := genPhone(i)
		email := p.Email
		switch rowKind(i) {
		case "invalid":
			if i%40 == 7 {
				phone = "12345"
			} else {
				email = "not-an-email"
			}
		case "duplicate":
			phone = genPhone(i - 3)
		}
		born := p.BornDate.Format("2006-01-02")
		if noCompany {
			p.Company = ""
		}
		if err := write([]string{p.Name, phone, email, p.Company, p.State, p.City, p.Address, sex, born, p.IDNumber, p.Remark}); err != nil {
			return err
		}
	}
	return nil
}

// genCSV writes a generated CSV file of n data rows.
func genCSV(t testing.TB, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("gen-%d.csv", n))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write(genHeader)
	if err := genRows(n, w.Write); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// genXLSX writes a generated XLSX file of n data rows (stream writer).
func genXLSX(t testing.TB, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("gen-%d.xlsx", n))
	x := excelize.NewFile()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	row := 1
	write := func(cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, vals)
	}
	write(genHeader)
	if err := genRows(n, write); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// expected counts of a generated file imported with dedupe by phone, skip.
func expectCounts(n int) (created, skipped, failed int64) {
	for i := 0; i < n; i++ {
		switch rowKind(i) {
		case "invalid":
			failed++
		case "duplicate":
			skipped++
		default:
			created++
		}
	}
	return
}

type fixture struct {
	st     *store.Store
	svc    *crm.Service
	tenant *model.Tenant
}

func newFixture(t testing.TB, dialect string) *fixture {
	t.Helper()
	st := testenv.OpenStore(t, dialect)
	tn, err := st.CreateTenant(context.Background(), "import test")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, svc: crm.New(st, "CN", crm.China), tenant: tn}
}

func (f *fixture) run(t testing.TB, path string, o importer.Options, rep importer.Report) *importer.Summary {
	t.Helper()
	src, err := importer.Open(path, path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	o.TenantID = f.tenant.ID
	im := &importer.Importer{Svc: f.svc, Report: rep}
	sum, err := im.Run(context.Background(), src, o)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return sum
}

func (f *fixture) count(t testing.TB) int64 {
	t.Helper()
	var n int64
	if err := f.st.QueryRow(context.Background(), f.st.Rebind(`SELECT COUNT(*) FROM customers WHERE tenant_id = ?`), f.tenant.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// memReport collects a report in memory.
type memReport struct {
	headers []string
	issues  []importer.Issue
}

func (m *memReport) Begin(h []string) error      { m.headers = h; return nil }
func (m *memReport) Add(is importer.Issue) error { m.issues = append(m.issues, is); return nil }
