package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/store"
)

// FuzzImportCSV imports arbitrary bytes as a CSV file into a real SQLite
// store, each input on top of the ones before: whatever the file holds,
// the import never panics, a failure is the file's (never the database's),
// and the summary adds up and matches what was written.
func FuzzImportCSV(f *testing.F) {
	fx := newFixture(f, store.SQLite)
	dir := f.TempDir()
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().String("姓名,手机,备注\n张三,13812345678,老客户\n")
	for _, seed := range []string{
		"姓名,手机,邮箱\n张三,13812345678,a@b.cn\n李四,138 1234 5678,\n王五,12345,not-an-email\n",
		"\ufeffname,phone,company,remark\nAlice,+86 139 0000 0001,示例公司,\"多行\n备注\"\n",
		gbk,
		"客户名称;手机;性别;生日\n赵六;13900000002;女;1990年1月2日\n钱七;13900000003;x;1990-02-30\n",
		"标题行\n\n姓名\t手机\t标签\t客户状态\n孙八\t13900000004\tVIP\t禁用\n",
		"姓名,手机\n\"unterminated,1\n",
		"外部ID,姓名,手机\nE1,周九,13900000005\nE1,吴十,13900000006\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := importer.Open(p, p)
		if err != nil {
			return // refused before reading: nothing to check
		}
		defer src.Close()
		before := fx.count(t)
		im := &importer.Importer{Svc: fx.svc}
		sum, err := im.Run(context.Background(), src, importer.Options{TenantID: fx.tenant.ID, OnDuplicate: importer.Update, Persist: true})
		if err != nil && (strings.Contains(err.Error(), "store:") || strings.Contains(strings.ToLower(err.Error()), "sqlite")) {
			t.Fatalf("the file made a database error: %v", err)
		}
		if sum == nil {
			return
		}
		if sum.Total != sum.Created+sum.Updated+sum.Unchanged+sum.Skipped+sum.Failed {
			t.Fatalf("summary does not add up: %+v", sum)
		}
		if got := fx.count(t) - before; got != sum.Created {
			t.Fatalf("%d customers written, the summary says %d created (%+v, %v)", got, sum.Created, sum, err)
		}
	})
}
