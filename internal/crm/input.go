package crm

import (
	"encoding/json"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// CustomerInput is a write to a customer with PATCH semantics: nil fields
// are left as they are; a non-nil pointer to the zero value clears. Fields
// sets custom field values by key or numeric id; a JSON null clears one.
type CustomerInput struct {
	ProjectID         *int64                     `json:"projectId,omitempty"`
	ExternalID        *string                    `json:"externalId,omitempty"`
	Name              *string                    `json:"name,omitempty"`
	FirstName         *string                    `json:"firstName,omitempty"`
	LastName          *string                    `json:"lastName,omitempty"`
	Phone             *string                    `json:"phone,omitempty"`
	Phones            *[]string                  `json:"phones,omitempty"`
	Email             *string                    `json:"email,omitempty"`
	Company           *string                    `json:"company,omitempty"`
	CompanyIDs        *[]string                  `json:"companyIds,omitempty"`
	Address           *string                    `json:"address,omitempty"`
	Street            *string                    `json:"street,omitempty"`
	City              *string                    `json:"city,omitempty"`
	State             *string                    `json:"state,omitempty"`
	Country           *string                    `json:"country,omitempty"`
	PostalCode        *string                    `json:"postalCode,omitempty"`
	BusinessPhone     *string                    `json:"businessPhone,omitempty"`
	HomePhone         *string                    `json:"homePhone,omitempty"`
	Fax               *string                    `json:"fax,omitempty"`
	Remark            *string                    `json:"remark,omitempty"`
	Status            *int                       `json:"status,omitempty"`
	OwnerID           *int64                     `json:"ownerId,omitempty"`
	CollaboratorIDs   *[]int64                   `json:"collaboratorIds,omitempty"`
	StageID           *int64                     `json:"stageId,omitempty"`
	TagIDs            *[]int64                   `json:"tagIds,omitempty"`
	IDType            *int                       `json:"idType,omitempty"`
	IDNumber          *string                    `json:"idNumber,omitempty"`
	Sex               *int                       `json:"sex,omitempty"`
	Age               *int                       `json:"age,omitempty"`
	BornDate          *int64                     `json:"bornDate,omitempty"`
	SpaceIDs          *[]string                  `json:"spaceIds,omitempty"`
	SpaceNames        *[]string                  `json:"spaceNames,omitempty"`
	Paths             *[]string                  `json:"paths,omitempty"`
	GradeID           *int64                     `json:"gradeId,omitempty"`
	GradeName         *string                    `json:"gradeName,omitempty"`
	TypeID            *int64                     `json:"typeId,omitempty"`
	TypeName          *string                    `json:"typeName,omitempty"`
	ContactName       *string                    `json:"contactName,omitempty"`
	ContactPhone      *string                    `json:"contactPhone,omitempty"`
	NativePlace       *string                    `json:"nativePlace,omitempty"`
	Nation            *string                    `json:"nation,omitempty"`
	Marriage          *int                       `json:"marriage,omitempty"`
	Education         *int                       `json:"education,omitempty"`
	Profession        *string                    `json:"profession,omitempty"`
	Speciality        *string                    `json:"speciality,omitempty"`
	Interest          *string                    `json:"interest,omitempty"`
	Character         *string                    `json:"character,omitempty"`
	JobNum            *string                    `json:"jobNum,omitempty"`
	FacePhoto         *string                    `json:"facePhoto,omitempty"`
	OpenID            *string                    `json:"openId,omitempty"`
	UnionID           *string                    `json:"unionId,omitempty"`
	ManagementForms   *string                    `json:"managementForms,omitempty"`
	ManagementFormsID *int64                     `json:"managementFormsId,omitempty"`
	Fields            map[string]json.RawMessage `json:"fields,omitempty"`

	// The follow-up state as an import of history from another system
	// carries it (最后跟进时间, 最后跟进人, 下次跟进时间). No API writes it
	// (json:"-"): follow-ups keep it (followups.go); the zero time or 0
	// clears.
	LastFollowAt     *time.Time `json:"-"`
	LastFollowUserID *int64     `json:"-"`
	NextFollowAt     *time.Time `json:"-"`
}

// Ptr returns a pointer to v (for building inputs in dialects and tests).
func Ptr[T any](v T) *T { return &v }

// strField ties an input string to its customer field and its limit.
type strField struct {
	name string
	in   **string
	out  *string
	max  int
}

// apply copies the simple fields of in onto c. Values that need checking
// (phones, email, enums, references, custom fields) are done in validate.
func (in *CustomerInput) apply(c *model.Customer) []strField {
	fields := []strField{
		{"externalId", &in.ExternalID, &c.ExternalID, 128},
		{"company", &in.Company, &c.Company, 200},
		{"address", &in.Address, &c.Address, 500},
		{"street", &in.Street, &c.Street, 200},
		{"city", &in.City, &c.City, 100},
		{"state", &in.State, &c.State, 100},
		{"country", &in.Country, &c.Country, 100},
		{"postalCode", &in.PostalCode, &c.PostalCode, 20},
		{"remark", &in.Remark, &c.Remark, 2000},
		{"idNumber", &in.IDNumber, &c.IDNumber, 64},
		{"gradeName", &in.GradeName, &c.GradeName, 100},
		{"typeName", &in.TypeName, &c.TypeName, 100},
		{"contactName", &in.ContactName, &c.ContactName, 100},
		{"nativePlace", &in.NativePlace, &c.NativePlace, 100},
		{"nation", &in.Nation, &c.Nation, 50},
		{"profession", &in.Profession, &c.Profession, 100},
		{"speciality", &in.Speciality, &c.Speciality, 200},
		{"interest", &in.Interest, &c.Interest, 200},
		{"character", &in.Character, &c.Character, 200},
		{"jobNum", &in.JobNum, &c.JobNum, 64},
		{"facePhoto", &in.FacePhoto, &c.FacePhoto, 1000},
		{"openId", &in.OpenID, &c.OpenID, 128},
		{"unionId", &in.UnionID, &c.UnionID, 128},
		{"managementForms", &in.ManagementForms, &c.ManagementForms, 100},
	}
	setList(in.CompanyIDs, &c.CompanyIDs)
	setList(in.SpaceIDs, &c.SpaceIDs)
	setList(in.SpaceNames, &c.SpaceNames)
	setList(in.Paths, &c.Paths)
	set(in.GradeID, &c.GradeID)
	set(in.TypeID, &c.TypeID)
	set(in.BornDate, &c.BornDate)
	set(in.ManagementFormsID, &c.ManagementFormsID)
	return fields
}

func set[T any](p *T, dst *T) {
	if p != nil {
		*dst = *p
	}
}

func setList[T any](p *[]T, dst *[]T) {
	if p != nil {
		*dst = append([]T(nil), (*p)...)
	}
}

// SystemRef points at the member of in that writes system field id: a
// **string, **int, **int64 or **[]int64; nil for fields no client writes
// (id, times, derived fields). Importers and dialects that map a field by
// its descriptor (model.SystemFieldDescs) write through it;
// TestSystemRefCoversDescriptors keeps it in step with the descriptors.
func (in *CustomerInput) SystemRef(id int64) any {
	switch id {
	case model.FieldName:
		return &in.Name
	case model.FieldPhone:
		return &in.Phone
	case model.FieldEmail:
		return &in.Email
	case model.FieldCompany:
		return &in.Company
	case model.FieldAddress:
		return &in.Address
	case model.FieldRemark:
		return &in.Remark
	case model.FieldStatus:
		return &in.Status
	case model.FieldProject:
		return &in.ProjectID
	case model.FieldOwner:
		return &in.OwnerID
	case model.FieldCollaborators:
		return &in.CollaboratorIDs
	case model.FieldTags:
		return &in.TagIDs
	case model.FieldStage:
		return &in.StageID
	case model.FieldSex:
		return &in.Sex
	case model.FieldIDNumber:
		return &in.IDNumber
	case model.FieldBornDate:
		return &in.BornDate
	case model.FieldExternalID:
		return &in.ExternalID
	case model.FieldFirstName:
		return &in.FirstName
	case model.FieldLastName:
		return &in.LastName
	case model.FieldCity:
		return &in.City
	case model.FieldState:
		return &in.State
	case model.FieldCountry:
		return &in.Country
	case model.FieldPostalCode:
		return &in.PostalCode
	case model.FieldStreet:
		return &in.Street
	case model.FieldAge:
		return &in.Age
	case model.FieldIDType:
		return &in.IDType
	case model.FieldMarriage:
		return &in.Marriage
	case model.FieldEducation:
		return &in.Education
	}
	return nil
}
