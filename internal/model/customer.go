package model

import (
	"encoding/json"
	"time"
)

// Customer is the one record all four APIs read and write. It holds the union
// of the three platforms' customer schemas (达实's 46 fields, Yeastar's 15,
// 探马's core) under one name per meaning, so a value written through one API
// is read back through every API that has it:
//
//	Phone        = 达实 phone = Yeastar mobileNumber = 探马 mobiles[0]
//	PostalCode   = 达实 postalCode = Yeastar zipCode
//	Company      = 达实 companyNames = Yeastar company = 探马 corpName
//	Status       = 达实 customerStatus (1 normal, 2 disabled)
//
// Phone numbers are stored in E.164; emails lower-cased. Times are
// millisecond precision.
type Customer struct {
	ID         int64  `json:"id"`
	TenantID   int64  `json:"-"`
	ProjectID  int64  `json:"projectId,omitempty"` // 0: no project
	ExternalID string `json:"externalId,omitempty"`

	Name      string   `json:"name"`
	FirstName string   `json:"firstName,omitempty"`
	LastName  string   `json:"lastName,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Phones    []string `json:"phones,omitempty"` // further mobiles beyond Phone
	Email     string   `json:"email,omitempty"`
	Company   string   `json:"company,omitempty"`
	// CompanyIDs are 达实's company references (opaque strings).
	CompanyIDs    []string `json:"companyIds,omitempty"`
	Address       string   `json:"address,omitempty"`
	Street        string   `json:"street,omitempty"`
	City          string   `json:"city,omitempty"`
	State         string   `json:"state,omitempty"`
	Country       string   `json:"country,omitempty"`
	PostalCode    string   `json:"postalCode,omitempty"`
	BusinessPhone string   `json:"businessPhone,omitempty"`
	HomePhone     string   `json:"homePhone,omitempty"`
	Fax           string   `json:"fax,omitempty"`
	Remark        string   `json:"remark,omitempty"`
	Status        int      `json:"status"`

	OwnerID         int64   `json:"ownerId,omitempty"`
	CollaboratorIDs []int64 `json:"collaboratorIds,omitempty"`
	StageID         int64   `json:"stageId,omitempty"`
	TagIDs          []int64 `json:"tagIds,omitempty"`

	IDType            int      `json:"idType,omitempty"` // 0 none, 1 ID card, 2 passport, 3 HK/Macau permit, 4 other
	IDNumber          string   `json:"idNumber,omitempty"`
	Sex               int      `json:"sex,omitempty"` // 0 unknown, 1 male, 2 female
	Age               int      `json:"age,omitempty"`
	BornDate          int64    `json:"bornDate,omitempty"` // epoch ms, as 达实 sends it
	SpaceIDs          []string `json:"spaceIds,omitempty"`
	SpaceNames        []string `json:"spaceNames,omitempty"`
	Paths             []string `json:"paths,omitempty"`
	GradeID           int64    `json:"gradeId,omitempty"`
	GradeName         string   `json:"gradeName,omitempty"`
	TypeID            int64    `json:"typeId,omitempty"`
	TypeName          string   `json:"typeName,omitempty"`
	ContactName       string   `json:"contactName,omitempty"`  // 紧急联系人 (达实 contractName)
	ContactPhone      string   `json:"contactPhone,omitempty"` // 达实 contractPhone
	NativePlace       string   `json:"nativePlace,omitempty"`
	Nation            string   `json:"nation,omitempty"`
	Marriage          int      `json:"marriage,omitempty"`  // 0-4
	Education         int      `json:"education,omitempty"` // 0-7
	Profession        string   `json:"profession,omitempty"`
	Speciality        string   `json:"speciality,omitempty"`
	Interest          string   `json:"interest,omitempty"`
	Character         string   `json:"character,omitempty"`
	JobNum            string   `json:"jobNum,omitempty"`
	FacePhoto         string   `json:"facePhoto,omitempty"`
	OpenID            string   `json:"openId,omitempty"`
	UnionID           string   `json:"unionId,omitempty"`
	ManagementForms   string   `json:"managementForms,omitempty"`
	ManagementFormsID int64    `json:"managementFormsId,omitempty"`

	// Custom holds custom field values keyed by field id (decimal string), in
	// their canonical JSON form (see FieldType). Kept raw so list pages pass
	// it through without decoding.
	Custom json.RawMessage `json:"-"`

	// The follow-up state (跟进), kept by crm from the customer's newest
	// follow-up: read-only through customer writes (see crm/followups.go).
	LastFollowAt     time.Time `json:"lastFollowAt,omitzero"`
	LastFollowUserID int64     `json:"lastFollowUserId,omitempty"`
	NextFollowAt     time.Time `json:"nextFollowAt,omitzero"`

	// Pool (公海) state, written by crm's pool actions and the recycler
	// only (see pool.go).
	PoolID         int64     `json:"poolId,omitempty"`     // the pool the customer is in; 0: not in a pool
	HomePoolID     int64     `json:"homePoolId,omitempty"` // the pool whose rules recycle it while owned
	ClaimedAt      time.Time `json:"claimedAt,omitzero"`
	ProtectedUntil time.Time `json:"protectedUntil,omitzero"`
	PoolEnteredAt  time.Time `json:"poolEnteredAt,omitzero"` // when it last entered a pool (探马 abandonTime)
	PoolEntry      string    `json:"poolEntry,omitempty"`    // how: PoolEntry* constants
	PoolReason     string    `json:"poolReason,omitempty"`
	StageChangedAt time.Time `json:"-"` // when the stage last changed (the no-deal rule); not a change of its own

	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	CreatedBy     string    `json:"createdBy,omitempty"`
	CreatedByName string    `json:"createdByName,omitempty"`
	UpdatedBy     string    `json:"updatedBy,omitempty"`
	UpdatedByName string    `json:"updatedByName,omitempty"`
}

// CustomValues decodes Custom into field id → canonical value.
func (c *Customer) CustomValues() (map[string]any, error) {
	m := map[string]any{}
	if len(c.Custom) == 0 {
		return m, nil
	}
	d := json.NewDecoder(bytesReader(c.Custom))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// Customer statuses (达实 customerStatus).
const (
	StatusNormal   = 1
	StatusDisabled = 2
)

// Actor is who performs a write: recorded as created/updated by.
type Actor struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Kind is "staff", "client" (an API client acting as the tenant) or
	// "system" (kehu sync), or empty when unknown (CLI, other background
	// work, events before history).
	Kind string `json:"kind,omitempty"`
}

// Session is the read-your-writes session of the actor's writes (see
// Caller.Session): "<kind>:<id>", empty without a kind or id.
func (a Actor) Session() string {
	if a.ID == "" || a.Kind == "" {
		return ""
	}
	return a.Kind + ":" + a.ID
}
