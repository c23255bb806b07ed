package query

// columnSorts are plain customers columns every API may sort on although the
// catalogue does not offer them as sortable fields (Yeastar YCM sorts on
// every field it returns: street, remark and the three secondary numbers).
// Keyed by the field's native JSON name; a tenant's custom field of the same
// key wins. Text columns, so ties and keyset paging work as for any text key.
var columnSorts = map[string]string{
	"street":        "c.street",
	"remark":        "c.remark",
	"businessPhone": "c.business_phone",
	"homePhone":     "c.home_phone",
	"fax":           "c.fax",
}
