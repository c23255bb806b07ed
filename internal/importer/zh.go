package importer

import "github.com/kehu/kehu/internal/crm"

// The import report is read by the people who fill in the spreadsheet: its
// headers are Chinese, so are its reasons (README "Languages").
func zhReason(reason string) string { return crm.ZhMessage(reason) }

func keyZh(by, value string) string { return crm.ZhKey(by, value) }
