package model

// Kind groups field types by how a condition compares them: which operators
// a field takes and what its values are. The query engine checks conditions
// by it and the dialects translate their own filters by it, so both agree
// on what a field of each type accepts.
type Kind int

const (
	KindText     Kind = iota // text, textarea, email, phone
	KindNumber               // number, age
	KindDate                 // a day, yyyymmdd
	KindDateTime             // epoch ms
	KindChoice               // one id among options / staff / stages / ids
	KindSet                  // several ids: multiselect, tags, collaborators
	KindBool                 // true/false
	KindDept                 // a department and its subtree
	KindArea                 // {code,label}: the code or the whole label
	KindPinyin               // the search-only pinyin field
)

// Kind is how conditions compare the field.
func (f *Field) Kind() Kind {
	if f.ID == FieldPinyin {
		return KindPinyin
	}
	switch f.Type {
	case TypeNumber:
		return KindNumber
	case TypeDate:
		return KindDate
	case TypeDateTime:
		return KindDateTime
	case TypeSelect, TypeID, TypeStaff, TypeStage:
		return KindChoice
	case TypeMultiSelect, TypeTags, TypeStaffList:
		return KindSet
	case TypeBool:
		return KindBool
	case TypeDepartment:
		return KindDept
	case TypeArea:
		return KindArea
	}
	return KindText
}
