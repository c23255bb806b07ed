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
	FieldLastFollowAt
	FieldLastFollowUser
	FieldNextFollowAt
	FieldPool           // the 公海 a customer is in (pool.go)
	FieldInPool         // whether it is in one
	FieldClaimedAt      // when its owner claimed it (or was assigned it)
	FieldProtectedUntil // the end of its protection from recycling
	maxSystemField
)

// MaxSystemFieldID is the largest system field id.
const MaxSystemFieldID = maxSystemField - 1

// SystemFieldDescs describe the system fields, in display order; entry i has
// id i+1. See SystemField for what adding one takes.
var SystemFieldDescs = []SystemField{
	{Field: Field{ID: FieldID, Key: "id", Label: "客户ID", Type: TypeID, Sortable: true},
		Column:        "id",
		Ref:           func(c *Customer) any { return &c.ID },
		Wire:          Wire{Native: "id", Dashi: "id", Tanma: "customerId", Yeastar: "customerId"},
		ImportHeaders: []string{"客户id", "id", "kehu id", "customer id"}},
	{Field: Field{ID: FieldName, Key: "name", Label: "姓名", Type: TypeText, Sortable: true},
		Column:        "name",
		Ref:           func(c *Customer) any { return &c.Name },
		Wire:          Wire{Native: "name", Dashi: "name", Tanma: "name"},
		ImportHeaders: []string{"名称", "客户名称", "客户姓名", "客户", "联系人", "联系人姓名", "真实姓名", "name", "full name", "customer name", "contact name"}},
	{Field: Field{ID: FieldPhone, Key: "phone", Label: "手机号", Type: TypePhone, Sortable: true},
		Column:        "phone",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.Phone },
		Wire:          Wire{Native: "phone", Dashi: "phone", Tanma: "mobiles", Yeastar: "mobileNumber"},
		ImportHeaders: []string{"手机", "手机号码", "移动电话", "电话", "电话号码", "联系电话", "mobile", "phone", "mobile phone", "mobile number", "cell", "cellphone", "cell phone", "tel", "telephone", "phone number"}},
	{Field: Field{ID: FieldEmail, Key: "email", Label: "邮箱", Type: TypeEmail, Sortable: true},
		Column:        "email",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.Email },
		Wire:          Wire{Native: "email", Dashi: "email", Yeastar: "email"},
		ImportHeaders: []string{"电子邮件", "电子邮箱", "邮件", "邮箱地址", "email", "e-mail", "mail", "email address"}},
	{Field: Field{ID: FieldCompany, Key: "company", Label: "公司", Type: TypeText, Sortable: true},
		Column:        "company",
		Ref:           func(c *Customer) any { return &c.Company },
		Wire:          Wire{Native: "company", Dashi: "companyNames", Tanma: "corpName", Yeastar: "company"},
		ImportHeaders: []string{"公司名称", "所属公司", "公司全称", "单位", "单位名称", "工作单位", "企业", "企业名称", "客户公司", "company", "company name", "organization", "organisation", "corp"}},
	{Field: Field{ID: FieldAddress, Key: "address", Label: "地址", Type: TypeText},
		Column:        "address",
		Ref:           func(c *Customer) any { return &c.Address },
		Wire:          Wire{Native: "address", Dashi: "address"},
		ImportHeaders: []string{"详细地址", "联系地址", "通讯地址", "家庭住址", "住址", "address"}},
	{Field: Field{ID: FieldRemark, Key: "remark", Label: "备注", Type: TypeTextarea},
		Column:        "remark",
		Ref:           func(c *Customer) any { return &c.Remark },
		Wire:          Wire{Native: "remark", Dashi: "remark", Yeastar: "remark"},
		ImportHeaders: []string{"说明", "描述", "remark", "remarks", "note", "notes", "comment", "comments", "description"}},
	{Field: Field{ID: FieldStatus, Key: "status", Label: "客户状态", Type: TypeSelect, Sortable: true,
		Options: []Option{{ID: StatusNormal, Label: "正常"}, {ID: StatusDisabled, Label: "禁用", Position: 1}}},
		Column:        "status",
		Ref:           func(c *Customer) any { return &c.Status },
		Wire:          Wire{Native: "status", Dashi: "customerStatus", Tanma: "customerStatus"},
		ImportHeaders: []string{"状态", "status"}},
	{Field: Field{ID: FieldProject, Key: "projectId", Label: "项目", Type: TypeID, Sortable: true},
		Column:        "project_id",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.ProjectID },
		Wire:          Wire{Native: "projectId", Dashi: "projectId", Tanma: "customerRepoId"},
		ImportHeaders: []string{"项目名称", "project", "project id"}},
	{Field: Field{ID: FieldCreatedAt, Key: "createdAt", Label: "创建时间", Type: TypeDateTime, Sortable: true},
		Column:        "created_at",
		Ref:           func(c *Customer) any { return &c.CreatedAt },
		Wire:          Wire{Native: "createdAt", Dashi: "creationTime", Tanma: "createTime"},
		ImportHeaders: []string{"created", "created at"},
		ReadOnly:      true},
	{Field: Field{ID: FieldUpdatedAt, Key: "updatedAt", Label: "更新时间", Type: TypeDateTime, Sortable: true},
		Column:        "updated_at",
		Ref:           func(c *Customer) any { return &c.UpdatedAt },
		Wire:          Wire{Native: "updatedAt", Dashi: "lastModificationTime", Tanma: "getUpdateTime"},
		ImportHeaders: []string{"updated", "updated at"},
		ReadOnly:      true},
	{Field: Field{ID: FieldOwner, Key: "owner", Label: "负责人", Type: TypeStaff, Sortable: true},
		Column:        "owner_id",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.OwnerID },
		Wire:          Wire{Native: "ownerId", Tanma: "salesId"},
		ImportHeaders: []string{"跟进人", "owner", "owner id"}},
	{Field: Field{ID: FieldCollaborators, Key: "collaborators", Label: "协作人", Type: TypeStaffList},
		Column:        "collaborator_ids",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.CollaboratorIDs },
		Wire:          Wire{Native: "collaboratorIds"},
		ImportHeaders: []string{"collaborators"}},
	{Field: Field{ID: FieldTags, Key: "tags", Label: "标签", Type: TypeTags},
		Column:        "tag_ids",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.TagIDs },
		Wire:          Wire{Native: "tagIds", Tanma: "tagIds"},
		ImportHeaders: []string{"tags", "tag"}},
	{Field: Field{ID: FieldStage, Key: "stage", Label: "销售阶段", Type: TypeStage, Sortable: true},
		Column:        "stage_id",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.StageID },
		Wire:          Wire{Native: "stageId", Tanma: "salesStage"},
		ImportHeaders: []string{"阶段", "stage"}},
	{Field: Field{ID: FieldDepartment, Key: "department", Label: "负责人部门", Type: TypeDepartment},
		NotInFiles: true},
	{Field: Field{ID: FieldCollaboratorDepartment, Key: "collaboratorDepartment", Label: "协作人部门", Type: TypeDepartment},
		NotInFiles: true},
	{Field: Field{ID: FieldSex, Key: "sex", Label: "性别", Type: TypeSelect, Sortable: true,
		Options: []Option{{ID: 0, Label: "未填"}, {ID: 1, Label: "男", Position: 1}, {ID: 2, Label: "女", Position: 2}}},
		Column:        "sex",
		Empty:         EmptyZero,
		Ref:           func(c *Customer) any { return &c.Sex },
		Wire:          Wire{Native: "sex", Dashi: "sex"},
		ImportHeaders: []string{"sex", "gender"}},
	{Field: Field{ID: FieldIDNumber, Key: "idNumber", Label: "证件号码", Type: TypeText},
		Column:        "id_number",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.IDNumber },
		Wire:          Wire{Native: "idNumber", Dashi: "idNumber"},
		ImportHeaders: []string{"证件号", "身份证", "身份证号", "身份证号码", "idnumber", "id number", "id no"}},
	{Field: Field{ID: FieldBornDate, Key: "bornDate", Label: "出生日期", Type: TypeDateTime, Sortable: true},
		Column:        "born_date",
		Empty:         EmptyZero,
		GuardZero:     true,
		Ref:           func(c *Customer) any { return &c.BornDate },
		Wire:          Wire{Native: "bornDate", Dashi: "bornDate", Tanma: "birthday"},
		ImportHeaders: []string{"生日", "出生年月日", "出生年月", "birthday", "birth date", "birthdate", "date of birth", "dob"}},
	{Field: Field{ID: FieldExternalID, Key: "externalId", Label: "外部ID", Type: TypeText},
		Column:        "external_id",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.ExternalID },
		Wire:          Wire{Native: "externalId"},
		ImportHeaders: []string{"外部id", "外部编号", "客户编号", "externalid", "external id"}},
	{Field: Field{ID: FieldFirstName, Key: "firstName", Label: "名", Type: TypeText, Sortable: true},
		Column:        "first_name",
		Ref:           func(c *Customer) any { return &c.FirstName },
		Wire:          Wire{Native: "firstName", Yeastar: "firstName"},
		ImportHeaders: []string{"firstname", "first name", "given name"}},
	{Field: Field{ID: FieldLastName, Key: "lastName", Label: "姓", Type: TypeText, Sortable: true},
		Column:        "last_name",
		Ref:           func(c *Customer) any { return &c.LastName },
		Wire:          Wire{Native: "lastName", Yeastar: "lastName"},
		ImportHeaders: []string{"lastname", "last name", "surname", "family name"}},
	{Field: Field{ID: FieldCity, Key: "city", Label: "城市", Type: TypeText, Sortable: true},
		Column:        "city",
		Ref:           func(c *Customer) any { return &c.City },
		Wire:          Wire{Native: "city", Yeastar: "city"},
		ImportHeaders: []string{"市", "city"}},
	{Field: Field{ID: FieldState, Key: "state", Label: "省份", Type: TypeText, Sortable: true},
		Column:        "state",
		Ref:           func(c *Customer) any { return &c.State },
		Wire:          Wire{Native: "state", Yeastar: "state"},
		ImportHeaders: []string{"省", "省份/州", "state", "province"}},
	{Field: Field{ID: FieldCountry, Key: "country", Label: "国家", Type: TypeText, Sortable: true},
		Column:        "country",
		Ref:           func(c *Customer) any { return &c.Country },
		Wire:          Wire{Native: "country", Yeastar: "country"},
		ImportHeaders: []string{"国家/地区", "country"}},
	{Field: Field{ID: FieldPostalCode, Key: "postalCode", Label: "邮政编码", Type: TypeText, Sortable: true},
		Column:        "postal_code",
		Ref:           func(c *Customer) any { return &c.PostalCode },
		Wire:          Wire{Native: "postalCode", Dashi: "postalCode", Yeastar: "zipCode"},
		ImportHeaders: []string{"邮编", "zip", "zipcode", "zip code", "postal code", "postcode"}},
	{Field: Field{ID: FieldStreet, Key: "street", Label: "街道", Type: TypeText},
		Column:        "street",
		Ref:           func(c *Customer) any { return &c.Street },
		Wire:          Wire{Native: "street", Yeastar: "street"},
		ImportHeaders: []string{"street"}},
	{Field: Field{ID: FieldAge, Key: "age", Label: "年龄", Type: TypeNumber, Sortable: true},
		Column:        "age",
		Empty:         EmptyZero,
		GuardZero:     true,
		Ref:           func(c *Customer) any { return &c.Age },
		Wire:          Wire{Native: "age", Dashi: "age"},
		ImportHeaders: []string{"age"}},
	{Field: Field{ID: FieldIDType, Key: "idType", Label: "证件类型", Type: TypeSelect,
		Options: []Option{{ID: 0, Label: "空"}, {ID: 1, Label: "身份证"}, {ID: 2, Label: "护照"}, {ID: 3, Label: "港澳通行证"}, {ID: 4, Label: "其他"}}},
		Column:        "id_type",
		Empty:         EmptyZero,
		Ref:           func(c *Customer) any { return &c.IDType },
		Wire:          Wire{Native: "idType", Dashi: "idType"},
		ImportHeaders: []string{"idtype", "id type"}},
	{Field: Field{ID: FieldMarriage, Key: "marriage", Label: "婚姻", Type: TypeSelect,
		Options: []Option{{ID: 0, Label: "未填"}, {ID: 1, Label: "未婚"}, {ID: 2, Label: "已婚"}, {ID: 3, Label: "离婚"}, {ID: 4, Label: "丧偶"}}},
		Column:        "marriage",
		Empty:         EmptyZero,
		Ref:           func(c *Customer) any { return &c.Marriage },
		Wire:          Wire{Native: "marriage", Dashi: "marriage"},
		ImportHeaders: []string{"婚姻状况", "marriage", "marital status"}},
	{Field: Field{ID: FieldEducation, Key: "education", Label: "学历", Type: TypeSelect,
		Options: []Option{{ID: 0, Label: "未填"}, {ID: 1, Label: "小学"}, {ID: 2, Label: "初中"}, {ID: 3, Label: "中专/高中"}, {ID: 4, Label: "专科"}, {ID: 5, Label: "本科"}, {ID: 6, Label: "硕士"}, {ID: 7, Label: "博士"}}},
		Column:        "education",
		Empty:         EmptyZero,
		Ref:           func(c *Customer) any { return &c.Education },
		Wire:          Wire{Native: "education", Dashi: "education"},
		ImportHeaders: []string{"教育程度", "education"}},
	// pinyin is a search-only field: name matched by full pinyin or initials prefix.
	{Field: Field{ID: FieldPinyin, Key: "pinyin", Label: "姓名拼音", Type: TypeText},
		NotInFiles: true},
	// The follow-up state (跟进), kept by crm from the customer's newest
	// follow-up: read-only for customer writes, set only by an import of
	// history from another system (crm/followups.go). 0 is "never" /
	// "nothing planned".
	{Field: Field{ID: FieldLastFollowAt, Key: "lastFollowAt", Label: "最后跟进时间", Type: TypeDateTime, Sortable: true},
		Column:        "last_follow_at",
		Empty:         EmptyZero,
		GuardZero:     true,
		Ref:           func(c *Customer) any { return &c.LastFollowAt },
		Wire:          Wire{Native: "lastFollowAt"},
		ImportOnly:    true,
		ImportHeaders: []string{"最近跟进时间", "上次跟进时间", "last follow up", "last followed", "last contacted"}},
	{Field: Field{ID: FieldLastFollowUser, Key: "lastFollowUser", Label: "最后跟进人", Type: TypeStaff, Sortable: true},
		Column:        "last_follow_user",
		Empty:         EmptyNull,
		Ref:           func(c *Customer) any { return &c.LastFollowUserID },
		Wire:          Wire{Native: "lastFollowUserId", Tanma: "lastFollowUserId"},
		ImportOnly:    true,
		ImportHeaders: []string{"最近跟进人", "上次跟进人", "last followed by"}},
	{Field: Field{ID: FieldNextFollowAt, Key: "nextFollowAt", Label: "下次跟进时间", Type: TypeDateTime, Sortable: true},
		Column:        "next_follow_at",
		Empty:         EmptyZero,
		GuardZero:     true,
		Ref:           func(c *Customer) any { return &c.NextFollowAt },
		Wire:          Wire{Native: "nextFollowAt"},
		ImportOnly:    true,
		ImportHeaders: []string{"下次跟进", "计划跟进时间", "next follow up"}},
	// 公海 state (pool.go): written by pool actions and recycling only, so
	// not in import and export files (an import targets a pool instead).
	{Field: Field{ID: FieldPool, Key: "pool", Label: "所在公海", Type: TypeID},
		Column:     "pool_id",
		Empty:      EmptyNull,
		Ref:        func(c *Customer) any { return &c.PoolID },
		Wire:       Wire{Native: "poolId"},
		ReadOnly:   true,
		NotInFiles: true},
	// inPool is derived: pool is set.
	{Field: Field{ID: FieldInPool, Key: "inPool", Label: "在公海中", Type: TypeBool},
		NotInFiles: true},
	{Field: Field{ID: FieldClaimedAt, Key: "claimedAt", Label: "领取时间", Type: TypeDateTime, Sortable: true},
		Column:     "claimed_at",
		Empty:      EmptyZero,
		GuardZero:  true,
		Ref:        func(c *Customer) any { return &c.ClaimedAt },
		Wire:       Wire{Native: "claimedAt"},
		ReadOnly:   true,
		NotInFiles: true},
	{Field: Field{ID: FieldProtectedUntil, Key: "protectedUntil", Label: "保护期至", Type: TypeDateTime, Sortable: true},
		Column:     "protected_until",
		Empty:      EmptyZero,
		GuardZero:  true,
		Ref:        func(c *Customer) any { return &c.ProtectedUntil },
		Wire:       Wire{Native: "protectedUntil"},
		ReadOnly:   true,
		NotInFiles: true},
}

// SystemFields is the system part of every tenant's catalogue, in display
// order: the Field of each descriptor.
var SystemFields []Field

func init() {
	SystemFields = make([]Field, len(SystemFieldDescs))
	for i := range SystemFieldDescs {
		d := &SystemFieldDescs[i]
		if d.ID != int64(i+1) {
			panic("model: SystemFieldDescs out of id order at " + d.Key)
		}
		d.System = true
		d.Position = i
		SystemFields[i] = d.Field
	}
}
