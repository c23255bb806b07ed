package dashi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/fieldtest"
	"github.com/kehu/kehu/internal/jsonw"
	"github.com/kehu/kehu/internal/model"
)

// customerJSON is the 46-field shape as an encoding/json struct: the
// reference the appender must match byte for byte, and the baseline of
// BenchmarkPage4000.
type customerJSON struct {
	ID                   int64    `json:"id"`
	ProjectID            int64    `json:"projectId"`
	ProjectName          string   `json:"projectName"`
	Name                 string   `json:"name"`
	Phone                string   `json:"phone"`
	IDType               int      `json:"idType"`
	IDNumber             string   `json:"idNumber"`
	Sex                  int      `json:"sex"`
	Age                  int      `json:"age"`
	CompanyIDs           []string `json:"companyIds"`
	CompanyNames         string   `json:"companyNames"`
	SpaceIDs             []string `json:"spaceIds"`
	SpaceNames           []string `json:"spaceNames"`
	Paths                []string `json:"paths"`
	CustomerGradeID      int64    `json:"customerGradeId"`
	CustomerGradeName    string   `json:"customerGradeName"`
	CustomerTypeID       int64    `json:"customerTypeId"`
	CustomerTypeName     string   `json:"customerTypeName"`
	ContractName         string   `json:"contractName"`
	ContractPhone        string   `json:"contractPhone"`
	Address              string   `json:"address"`
	Email                string   `json:"email"`
	Remark               string   `json:"remark"`
	BornDate             int64    `json:"bornDate"`
	NativePlace          string   `json:"nativePlace"`
	Nation               string   `json:"nation"`
	Marriage             int      `json:"marriage"`
	Education            int      `json:"education"`
	Profession           string   `json:"profession"`
	Speciality           string   `json:"speciality"`
	Interest             string   `json:"interest"`
	Character            string   `json:"character"`
	PostalCode           string   `json:"postalCode"`
	JobNum               string   `json:"jobNum"`
	FacePhoto            string   `json:"facePhoto"`
	CreationTime         int64    `json:"creationTime"`
	CreatorUserID        string   `json:"creatorUserId"`
	CreatorUserName      string   `json:"creatorUserName"`
	LastModificationTime int64    `json:"lastModificationTime"`
	LastModifierUserID   string   `json:"lastModifierUserId"`
	LastModifierUserName string   `json:"lastModifierUserName"`
	OpenID               string   `json:"openId"`
	UnionID              string   `json:"unionId"`
	ManagementForms      string   `json:"managementForms"`
	ManagementFormsID    int64    `json:"managementFormsId"`
	CustomerStatus       int      `json:"customerStatus"`
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func toJSONStruct(c *model.Customer, projectName string) customerJSON {
	return customerJSON{c.ID, c.ProjectID, projectName, c.Name, DisplayPhone(c.Phone), c.IDType, c.IDNumber, c.Sex, c.Age,
		nonNil(c.CompanyIDs), c.Company, nonNil(c.SpaceIDs), nonNil(c.SpaceNames), nonNil(c.Paths), c.GradeID, c.GradeName,
		c.TypeID, c.TypeName, c.ContactName, c.ContactPhone, DisplayAddress(c), c.Email, c.Remark, c.BornDate,
		c.NativePlace, c.Nation, c.Marriage, c.Education, c.Profession, c.Speciality, c.Interest, c.Character,
		c.PostalCode, c.JobNum, c.FacePhoto, model.Millis(c.CreatedAt), c.CreatedBy, c.CreatedByName,
		model.Millis(c.UpdatedAt), c.UpdatedBy, c.UpdatedByName, c.OpenID, c.UnionID, c.ManagementForms,
		c.ManagementFormsID, c.Status}
}

// stdJSON is encoding/json's output for v without the final newline.
func stdJSON(t testing.TB, v any) []byte {
	return bytes.TrimSuffix(fieldtest.EncodingJSON(t, v), []byte("\n"))
}

var trickyStrings = []string{"", "张三", `a"b\c`, "line\nbreak\r\ttab", "\x00\x01\x1f\x7f", "\b\f", "<script>&</script>",
	"bad utf-8 \xff\xfe end", "\u2028\u2029", "emoji 😀", "mixed 张\"\\\n三\xc3", strings.Repeat("长", 300)}

func randomCustomer(r *rand.Rand, i int) *model.Customer {
	pick := func() string { return trickyStrings[r.IntN(len(trickyStrings))] }
	list := func() []string {
		var out []string
		for range r.IntN(3) {
			out = append(out, pick())
		}
		return out
	}
	phones := []string{"", "+8613812345678", "+862161234567", "+14155552671"}
	created := time.UnixMilli(1700000000000 + r.Int64N(1e10)).UTC()
	return &model.Customer{
		ID: r.Int64N(1 << 53), ProjectID: r.Int64N(1 << 53), Name: pick(), Phone: phones[i%len(phones)], IDType: r.IntN(5),
		IDNumber: pick(), Sex: r.IntN(3), Age: r.IntN(100), CompanyIDs: list(), Company: pick(), SpaceIDs: list(),
		SpaceNames: list(), Paths: list(), GradeID: r.Int64N(1e6), GradeName: pick(), TypeID: r.Int64N(1e6), TypeName: pick(),
		ContactName: pick(), ContactPhone: pick(), Address: []string{"", "深圳市南山区"}[i%2], Street: pick(), City: pick(),
		State: pick(), Country: pick(), Email: pick(), Remark: pick(), BornDate: r.Int64N(2e12) - 1e12, NativePlace: pick(),
		Nation: pick(), Marriage: r.IntN(5), Education: r.IntN(8), Profession: pick(), Speciality: pick(), Interest: pick(),
		Character: pick(), PostalCode: pick(), JobNum: pick(), FacePhoto: pick(), CreatedAt: created, CreatedBy: pick(),
		CreatedByName: pick(), UpdatedAt: created.Add(time.Hour), UpdatedBy: pick(), UpdatedByName: pick(), OpenID: pick(),
		UnionID: pick(), ManagementForms: pick(), ManagementFormsID: r.Int64N(100), Status: 1 + r.IntN(2),
	}
}

func TestAppendCustomerMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		c := randomCustomer(r, i)
		if got, want := appendCustomer(nil, c, "园区"), stdJSON(t, toJSONStruct(c, "园区")); !bytes.Equal(got, want) {
			t.Fatalf("customer %d:\n got %s\nwant %s", i, got, want)
		}
	}
	var page struct {
		PageIndex  int            `json:"pageIndex"`
		PageSize   int            `json:"pageSize"`
		TotalCount int64          `json:"totalCount"`
		TotalPage  int64          `json:"totalPage"`
		Data       []customerJSON `json:"data"`
	}
	cs := []*model.Customer{randomCustomer(r, 0), randomCustomer(r, 1)}
	page.PageIndex, page.PageSize, page.TotalCount, page.TotalPage = 3, 2, 5, 3
	page.Data = []customerJSON{toJSONStruct(cs[0], "p"), toJSONStruct(cs[1], "p")}
	if got, want := appendPage(nil, 3, 2, 5, cs, "p"), stdJSON(t, page); !bytes.Equal(got, want) {
		t.Fatalf("page:\n got %s\nwant %s", got, want)
	}
	page.Data = []customerJSON{}
	page.PageIndex, page.TotalCount, page.TotalPage = 1, 0, 0
	if got, want := appendPage(nil, 1, 2, 0, nil, "p"), stdJSON(t, page); !bytes.Equal(got, want) {
		t.Fatalf("empty page:\n got %s\nwant %s", got, want)
	}
}

func TestDisplayPhone(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"+8613812345678": "13812345678",
		"+862161234567":  "02161234567",
		"+8675526525166": "075526525166",
		"+14155552671":   "+14155552671",
		"+85291234567":   "+85291234567",
	} {
		if got := DisplayPhone(in); got != want {
			t.Errorf("DisplayPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDisplayAddress(t *testing.T) {
	c := &model.Customer{Country: "中国", State: "广东省", City: "深圳市", Street: "高新南一道 8 号"}
	if got := DisplayAddress(c); got != "中国 广东省 深圳市 高新南一道 8 号" {
		t.Errorf("parts: %q", got)
	}
	c.State = ""
	if got := DisplayAddress(c); got != "中国 深圳市 高新南一道 8 号" {
		t.Errorf("gap: %q", got)
	}
	c.Address = "深圳市南山区"
	if got := DisplayAddress(c); got != "深圳市南山区" {
		t.Errorf("address wins: %q", got)
	}
}

// TestSignWorkedExample pins the worked example of README.md.
func TestSignWorkedExample(t *testing.T) {
	const appid, secret, ts = "kh1_abcdefghijklmnopqrst", "0123456789abcdefghijABCDEFGHIJ0123456789", "1700000000000"
	for method, want := range map[string]string{
		"md5":         "53b2c11724302f8a63a1a718eede9371",
		"hmac-sha256": "bf4a43891829bace1ecb0e1a43bb20b77db5ce7a988e10be8eddda363b1a8acd",
	} {
		got, err := Sign(method, appid, ts, secret)
		if err != nil || got != want {
			t.Errorf("%s: got %s %v, want %s", method, got, err, want)
		}
	}
	if got := StringToSign(appid, "md5", ts); got != "appid=kh1_abcdefghijklmnopqrst&sign_method=md5&timestamp=1700000000000" {
		t.Errorf("string to sign: %s", got)
	}
	if _, err := Sign("sha1", appid, ts, secret); err == nil {
		t.Error("sha1 accepted")
	}
	if !equalHex(strings.ToUpper("53b2c11724302f8a63a1a718eede9371"), "53b2c11724302f8a63a1a718eede9371") || equalHex("53b2", "53b2c11724302f8a63a1a718eede9371") {
		t.Error("equalHex")
	}
}

// BenchmarkPage4000 encodes a full 4000-row page: the appender used by the
// page call against encoding/json on the equivalent tagged struct.
func BenchmarkPage4000(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	cs := make([]*model.Customer, 4000)
	for i := range cs {
		cs[i] = benchCustomer(r, i)
	}
	size := len(appendPage(nil, 1, 4000, 123456, cs, "演示园区"))
	b.Run("appender", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			buf := jsonw.GetBuf()
			*buf = appendPage(*buf, 1, 4000, 123456, cs, "演示园区")
			jsonw.PutBuf(buf)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			out := struct {
				PageIndex  int            `json:"pageIndex"`
				PageSize   int            `json:"pageSize"`
				TotalCount int64          `json:"totalCount"`
				TotalPage  int64          `json:"totalPage"`
				Data       []customerJSON `json:"data"`
			}{1, 4000, 123456, 31, make([]customerJSON, len(cs))}
			for i, c := range cs {
				out.Data[i] = toJSONStruct(c, "演示园区")
			}
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCustomer is a realistic demo-like customer: Chinese name, mobile,
// company, address, a few ids, the rest empty.
func benchCustomer(r *rand.Rand, i int) *model.Customer {
	created := time.UnixMilli(1700000000000 + int64(i)*60000).UTC()
	return &model.Customer{
		ID: 1<<40 + int64(i), ProjectID: 1 << 41, Name: []string{"张伟", "王芳", "李娜", "刘洋"}[i%4] + fmt.Sprint(i%97),
		Phone: fmt.Sprintf("+86138%08d", r.IntN(1e8)), Sex: 1 + i%2, Age: 20 + i%50,
		Company: "深圳示例科技有限公司", CompanyIDs: []string{"1001"}, Address: "广东省深圳市南山区科技园南区 8 栋",
		Email: fmt.Sprintf("user%d@example.com", i), Remark: "重要客户", Status: 1 + i%2,
		CreatedAt: created, UpdatedAt: created, CreatedBy: "kh1_abcdefghijklmnopqrst", CreatedByName: "demo client",
		UpdatedBy: "kh1_abcdefghijklmnopqrst", UpdatedByName: "demo client",
	}
}
