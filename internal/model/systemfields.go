package model

// System field ids are fixed and shared by every tenant; custom field ids are
// time-ordered and therefore far larger, so the two never collide.
const (
	FieldID = iota + 1
	FieldName
	FieldPhone
	FieldEmail
	FieldCompany
	FieldAddress
	FieldRemark
	FieldStatus
	FieldProject
	FieldCreatedAt
	FieldUpdatedAt
	FieldOwner
	FieldCollaborators
	FieldTags
	FieldStage
	FieldDepartment
	FieldCollaboratorDepartment
	FieldSex
	FieldIDNumber
	FieldBornDate
	FieldExternalID
	FieldFirstName
	FieldLastName
	FieldCity
	FieldState
	FieldCountry
	FieldPostalCode
	FieldStreet
	FieldAge
	FieldIDType
	FieldMarriage
	FieldEducation
	FieldPinyin
	maxSystemField
)

// MaxSystemFieldID is the largest system field id.
const MaxSystemFieldID = maxSystemField - 1

// SystemFields is the system part of every tenant's catalogue, in display order.
var SystemFields = []Field{
	{ID: FieldID, Key: "id", Label: "客户ID", Type: TypeID, Sortable: true},
	{ID: FieldName, Key: "name", Label: "姓名", Type: TypeText, Sortable: true},
	{ID: FieldPhone, Key: "phone", Label: "手机号", Type: TypePhone, Sortable: true},
	{ID: FieldEmail, Key: "email", Label: "邮箱", Type: TypeEmail, Sortable: true},
	{ID: FieldCompany, Key: "company", Label: "公司", Type: TypeText, Sortable: true},
	{ID: FieldAddress, Key: "address", Label: "地址", Type: TypeText},
	{ID: FieldRemark, Key: "remark", Label: "备注", Type: TypeTextarea},
	{ID: FieldStatus, Key: "status", Label: "客户状态", Type: TypeSelect, Sortable: true,
		Options: []Option{{ID: StatusNormal, Label: "正常"}, {ID: StatusDisabled, Label: "禁用", Position: 1}}},
	{ID: FieldProject, Key: "projectId", Label: "项目", Type: TypeID, Sortable: true},
	{ID: FieldCreatedAt, Key: "createdAt", Label: "创建时间", Type: TypeDateTime, Sortable: true},
	{ID: FieldUpdatedAt, Key: "updatedAt", Label: "更新时间", Type: TypeDateTime, Sortable: true},
	{ID: FieldOwner, Key: "owner", Label: "负责人", Type: TypeStaff, Sortable: true},
	{ID: FieldCollaborators, Key: "collaborators", Label: "协作人", Type: TypeStaffList},
	{ID: FieldTags, Key: "tags", Label: "标签", Type: TypeTags},
	{ID: FieldStage, Key: "stage", Label: "销售阶段", Type: TypeStage, Sortable: true},
	{ID: FieldDepartment, Key: "department", Label: "负责人部门", Type: TypeDepartment},
	{ID: FieldCollaboratorDepartment, Key: "collaboratorDepartment", Label: "协作人部门", Type: TypeDepartment},
	{ID: FieldSex, Key: "sex", Label: "性别", Type: TypeSelect, Sortable: true,
		Options: []Option{{ID: 0, Label: "未填"}, {ID: 1, Label: "男", Position: 1}, {ID: 2, Label: "女", Position: 2}}},
	{ID: FieldIDNumber, Key: "idNumber", Label: "证件号码", Type: TypeText},
	{ID: FieldBornDate, Key: "bornDate", Label: "出生日期", Type: TypeDateTime, Sortable: true},
	{ID: FieldExternalID, Key: "externalId", Label: "外部ID", Type: TypeText},
	{ID: FieldFirstName, Key: "firstName", Label: "名", Type: TypeText, Sortable: true},
	{ID: FieldLastName, Key: "lastName", Label: "姓", Type: TypeText, Sortable: true},
	{ID: FieldCity, Key: "city", Label: "城市", Type: TypeText, Sortable: true},
	{ID: FieldState, Key: "state", Label: "省份", Type: TypeText, Sortable: true},
	{ID: FieldCountry, Key: "country", Label: "国家", Type: TypeText, Sortable: true},
	{ID: FieldPostalCode, Key: "postalCode", Label: "邮政编码", Type: TypeText, Sortable: true},
	{ID: FieldStreet, Key: "street", Label: "街道", Type: TypeText},
	{ID: FieldAge, Key: "age", Label: "年龄", Type: TypeNumber, Sortable: true},
	{ID: FieldIDType, Key: "idType", Label: "证件类型", Type: TypeSelect,
		Options: []Option{{ID: 0, Label: "空"}, {ID: 1, Label: "身份证"}, {ID: 2, Label: "护照"}, {ID: 3, Label: "港澳通行证"}, {ID: 4, Label: "其他"}}},
	{ID: FieldMarriage, Key: "marriage", Label: "婚姻", Type: TypeSelect,
		Options: []Option{{ID: 0, Label: "未填"}, {ID: 1, Label: "未婚"}, {ID: 2, Label: "已婚"}, {ID: 3, Label: "离婚"}, {ID: 4, Label: "丧偶"}}},
	{ID: FieldEducation, Key: "education", Label: "学历", Type: TypeSelect,
		Options: []Option{{ID: 0, Label: "未填"}, {ID: 1, Label: "小学"}, {ID: 2, Label: "初中"}, {ID: 3, Label: "中专/高中"}, {ID: 4, Label: "专科"}, {ID: 5, Label: "本科"}, {ID: 6, Label: "硕士"}, {ID: 7, Label: "博士"}}},
	// pinyin is a search-only field: name matched by full pinyin or initials prefix.
	{ID: FieldPinyin, Key: "pinyin", Label: "姓名拼音", Type: TypeText},
}

func init() {
	for i := range SystemFields {
		SystemFields[i].System = true
		SystemFields[i].Position = i
	}
}
