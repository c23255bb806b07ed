package ui

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
)

// TestMessages2Keys: every text the pages2 templates ask for exists in the
// catalogue — the
// literal keys and the families built with printf (field types, job
// statuses, duplicate modes, data scopes, permissions).
func TestMessages2Keys(t *testing.T) {
	re := regexp.MustCompile(`T "([A-Za-z0-9.]+)"`)
	err := fs.WalkDir(adminTemplateFS, "admin_templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(adminTemplateFS, p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := consoleMessages.byLang["zh-CN"][m[1]]; !ok {
				t.Errorf("%s: no message %q", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range model.SystemFields {
		keys = append(keys, "catalog.type."+string(f.Type))
	}
	for _, ty := range model.CustomTypes {
		keys = append(keys, "catalog.type."+string(ty))
	}
	for _, s := range []string{importer.StatusQueued, importer.StatusRunning, importer.StatusDone, importer.StatusFailed, importer.StatusInterrupted} {
		keys = append(keys, "import.status."+s)
	}
	for _, m := range []importer.Mode{importer.Skip, importer.Update, importer.Create} {
		keys = append(keys, "import.mode."+string(m))
	}
	for _, s := range []model.DataScope{model.DataSelf, model.DataDept, model.DataDeptTree, model.DataAll} {
		keys = append(keys, "admin.scope."+string(s))
	}
	for _, p := range model.AllPermissions {
		keys = append(keys, "admin.perm."+string(p))
	}
	for _, k := range keys {
		if _, ok := consoleMessages.byLang["zh-CN"][k]; !ok {
			t.Errorf("no message %q", k)
		}
	}
}
