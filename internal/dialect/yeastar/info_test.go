package yeastar

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"

	"github.com/kehu/kehu/internal/fieldtest"
	"github.com/kehu/kehu/internal/model"
)

// infoJSON is Customer_Info as an encoding/json struct: the reference the
// member table must match byte for byte.
type infoJSON struct {
	CustomerID     int64  `json:"customerId"`
	FirstName      string `json:"firstName,omitempty"`
	LastName       string `json:"lastName,omitempty"`
	Company        string `json:"company,omitempty"`
	Email          string `json:"email,omitempty"`
	BusinessNumber string `json:"businessNumber,omitempty"`
	MobileNumber   string `json:"mobileNumber,omitempty"`
	HomeNumber     string `json:"homeNumber,omitempty"`
	FaxNumber      string `json:"faxNumber,omitempty"`
	ZipCode        string `json:"zipCode,omitempty"`
	Street         string `json:"street,omitempty"`
	City           string `json:"city,omitempty"`
	State          string `json:"state,omitempty"`
	Country        string `json:"country,omitempty"`
	Remark         string `json:"remark,omitempty"`
}

func referenceInfo(c *model.Customer) infoJSON {
	return infoJSON{CustomerID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Company: c.Company, Email: c.Email,
		BusinessNumber: c.BusinessPhone, MobileNumber: renderMobile(c.Phone), HomeNumber: c.HomePhone, FaxNumber: c.Fax,
		ZipCode: c.PostalCode, Street: c.Street, City: c.City, State: c.State, Country: c.Country, Remark: c.Remark}
}

// listJSON is the page object as an encoding/json struct.
type listJSON struct {
	PageSize   int        `json:"pageSize"`
	PageNumber int        `json:"pageNumber"`
	Total      int64      `json:"total"`
	List       []infoJSON `json:"list"`
}

// TestInfoMatchesEncodingJSON: a page, a single Customer_Info and the
// Success envelope around them are byte for byte what encoding/json wrote
// for the tagged structs they replace, empty members left out, strings
// escaped alike.
func TestInfoMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tricky := []string{"", "", "张三", `a"b\c`, "line\nbreak\t", "\x00\x1f", "<b>&</b>", "bad \xff utf-8", "\u2028", "😀"}
	pick := func() string { return tricky[r.IntN(len(tricky))] }
	phones := []string{"", "+8613912345678", "+861012345678", "+14155552671"}
	var cs []*model.Customer
	var ref []infoJSON
	for i := range 300 {
		c := &model.Customer{ID: r.Int64N(1 << 53), FirstName: pick(), LastName: pick(), Company: pick(), Email: pick(),
			BusinessPhone: pick(), Phone: phones[i%len(phones)], HomePhone: pick(), Fax: pick(), PostalCode: pick(),
			Street: pick(), City: pick(), State: pick(), Country: pick(), Remark: pick(), Name: pick(), Address: pick()}
		if got, want := append(appendInfo(nil, c), '\n'), fieldtest.EncodingJSON(t, referenceInfo(c)); !bytes.Equal(got, want) {
			t.Fatalf("customer %d:\n got %s\nwant %s", i, got, want)
		}
		cs = append(cs, c)
		ref = append(ref, referenceInfo(c))
	}
	if got, want := append(appendList(nil, 300, 2, 1234, cs), '\n'), fieldtest.EncodingJSON(t, listJSON{300, 2, 1234, ref}); !bytes.Equal(got, want) {
		t.Fatalf("page:\n got %s\nwant %s", got, want)
	}
	if got, want := append(appendList(nil, 20, 9, 0, nil), '\n'), fieldtest.EncodingJSON(t, listJSON{20, 9, 0, []infoJSON{}}); !bytes.Equal(got, want) {
		t.Fatalf("empty page:\n got %s\nwant %s", got, want)
	}
	// The envelope, as writeOK writes it around the struct.
	req := httptest.NewRequest("GET", "/", nil)
	req = req.WithContext(context.WithValue(req.Context(), requestIDKey, "0123456789abcdef0123456789abcdef"))
	h := &Handler{}
	for range 3 { // the envelope's time is the second it is written: retry across a tick
		old, raw := httptest.NewRecorder(), httptest.NewRecorder()
		h.writeOK(old, req, listJSON{300, 2, 1234, ref})
		h.writeOKWith(raw, req, func(b []byte) []byte { return appendList(b, 300, 2, 1234, cs) })
		if bytes.Equal(old.Body.Bytes(), raw.Body.Bytes()) && old.Code == raw.Code &&
			fmt.Sprint(old.Header()) == fmt.Sprint(raw.Header()) {
			return
		}
		if len(old.Body.Bytes()) != len(raw.Body.Bytes()) {
			t.Fatalf("envelope:\n got %s\nwant %s", raw.Body.Bytes(), old.Body.Bytes())
		}
	}
	t.Fatal("the envelope differs from writeOK's")
}
