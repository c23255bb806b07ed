package dashi

import (
	"context"
	"math"
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// serverFields are customer fields of the page schema the add call does not
// take: made by the server, or looked up from an id in the platform's own
// catalogues (kehu keeps the names as written through the native API).
var serverFields = map[string]string{
	"id":                   "由服务器分配",
	"projectName":          "取自项目",
	"customerGradeName":    "由 customerGradeId 查得",
	"customerTypeName":     "由 customerTypeId 查得",
	"spaceNames":           "由 spaceIds 查得",
	"creationTime":         "由服务器设置",
	"creatorUserId":        "由服务器设置",
	"creatorUserName":      "由服务器设置",
	"lastModificationTime": "由服务器设置",
	"lastModifierUserId":   "由服务器设置",
	"lastModifierUserName": "由服务器设置",
}

// textFields map the add call's plain string fields to the input.
var textFields = map[string]func(in *crm.CustomerInput) **string{
	"name":            func(in *crm.CustomerInput) **string { return &in.Name },
	"phone":           func(in *crm.CustomerInput) **string { return &in.Phone },
	"idNumber":        func(in *crm.CustomerInput) **string { return &in.IDNumber },
	"companyNames":    func(in *crm.CustomerInput) **string { return &in.Company },
	"contractName":    func(in *crm.CustomerInput) **string { return &in.ContactName },
	"contractPhone":   func(in *crm.CustomerInput) **string { return &in.ContactPhone },
	"address":         func(in *crm.CustomerInput) **string { return &in.Address },
	"email":           func(in *crm.CustomerInput) **string { return &in.Email },
	"remark":          func(in *crm.CustomerInput) **string { return &in.Remark },
	"nativePlace":     func(in *crm.CustomerInput) **string { return &in.NativePlace },
	"nation":          func(in *crm.CustomerInput) **string { return &in.Nation },
	"profession":      func(in *crm.CustomerInput) **string { return &in.Profession },
	"speciality":      func(in *crm.CustomerInput) **string { return &in.Speciality },
	"interest":        func(in *crm.CustomerInput) **string { return &in.Interest },
	"character":       func(in *crm.CustomerInput) **string { return &in.Character },
	"postalCode":      func(in *crm.CustomerInput) **string { return &in.PostalCode },
	"jobNum":          func(in *crm.CustomerInput) **string { return &in.JobNum },
	"facePhoto":       func(in *crm.CustomerInput) **string { return &in.FacePhoto },
	"openId":          func(in *crm.CustomerInput) **string { return &in.OpenID },
	"unionId":         func(in *crm.CustomerInput) **string { return &in.UnionID },
	"managementForms": func(in *crm.CustomerInput) **string { return &in.ManagementForms },
}

// enumFields are small integers; crm checks their ranges.
var enumFields = map[string]func(in *crm.CustomerInput) **int{
	"idType":         func(in *crm.CustomerInput) **int { return &in.IDType },
	"sex":            func(in *crm.CustomerInput) **int { return &in.Sex },
	"age":            func(in *crm.CustomerInput) **int { return &in.Age },
	"marriage":       func(in *crm.CustomerInput) **int { return &in.Marriage },
	"education":      func(in *crm.CustomerInput) **int { return &in.Education },
	"customerStatus": func(in *crm.CustomerInput) **int { return &in.Status },
}

// idFields are int64 ids and the birth date (epoch ms, may be negative).
var idFields = map[string]func(in *crm.CustomerInput) **int64{
	"customerGradeId":   func(in *crm.CustomerInput) **int64 { return &in.GradeID },
	"customerTypeId":    func(in *crm.CustomerInput) **int64 { return &in.TypeID },
	"managementFormsId": func(in *crm.CustomerInput) **int64 { return &in.ManagementFormsID },
	"bornDate":          func(in *crm.CustomerInput) **int64 { return &in.BornDate },
}

// listFields are lists of opaque ids (strings, or numbers taken as their
// decimal text).
var listFields = map[string]func(in *crm.CustomerInput) **[]string{
	"companyIds": func(in *crm.CustomerInput) **[]string { return &in.CompanyIDs },
	"spaceIds":   func(in *crm.CustomerInput) **[]string { return &in.SpaceIDs },
	"paths":      func(in *crm.CustomerInput) **[]string { return &in.Paths },
}

// parseAdd reads the add body into a crm input for project projectID, as
// Jackson reads the platform's customer DTO: null means "not given";
// customerStatus 0 (the schema's placeholder) too; unknown members are
// ignored (and noted); the server's fields of the same DTO are ignored when
// null, 0 or "" and refused with a real value.
func parseAdd(ctx context.Context, body []byte, projectID int64) (*crm.CustomerInput, error) {
	members, err := readObject(body)
	if err != nil {
		return nil, err
	}
	var unknown []string
	defer func() { noteUnknown(ctx, unknown) }()
	in := &crm.CustomerInput{ProjectID: &projectID}
	for _, m := range members {
		if get, ok := textFields[m.Key]; ok {
			s, ok, err := stringValue(m.Key, m.Raw)
			if err != nil {
				return nil, err
			}
			if ok {
				*get(in) = &s
			}
			continue
		}
		if get, ok := enumFields[m.Key]; ok {
			n, ok, err := intValue(m.Key, m.Raw, math.MinInt32, math.MaxInt32)
			if err != nil {
				return nil, err
			}
			if ok && !(m.Key == "customerStatus" && n == 0) {
				*get(in) = crm.Ptr(int(n))
			}
			continue
		}
		if get, ok := idFields[m.Key]; ok {
			lo := int64(0)
			if m.Key == "bornDate" {
				lo = math.MinInt64
			}
			n, ok, err := intValue(m.Key, m.Raw, lo, math.MaxInt64)
			if err != nil {
				return nil, err
			}
			if ok {
				*get(in) = &n
			}
			continue
		}
		if get, ok := listFields[m.Key]; ok {
			v, ok, err := idListValue(m.Key, m.Raw)
			if err != nil {
				return nil, err
			}
			if ok {
				*get(in) = &v
			}
			continue
		}
		if why, ok := serverFields[m.Key]; ok {
			if httpx.IsBlank(m.Raw) {
				continue
			}
			return nil, paramError("%s：%s，不能写入", m.Key, why)
		}
		if m.Key == "projectId" {
			if httpx.IsBlank(m.Raw) {
				continue
			}
			n, ok, err := intValue(m.Key, m.Raw, 0, math.MaxInt64)
			if err != nil {
				return nil, err
			}
			if ok && n != projectID {
				return nil, paramError("%s：须与查询参数 project（%d）一致，收到 %d", m.Key, projectID, n)
			}
			continue
		}
		unknown = append(unknown, m.Key)
	}
	return in, nil
}

// add implements POST …/customer (客户新增): it answers 200 with the new
// customer id as a bare JSON number.
func (h *Handler) add(w http.ResponseWriter, r *http.Request, cl *model.Client) error {
	proj, err := h.project(r, cl)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	in, err := parseAdd(r.Context(), body, proj.ID)
	if err != nil {
		return err
	}
	c, err := h.svc.CreateCustomer(r.Context(), whoOf(r), in)
	if err != nil {
		return err
	}
	writeRaw(w, 200, append(strconv.AppendInt(nil, c.ID, 10), '\n'))
	return nil
}
