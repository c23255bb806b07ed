package seed

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/model"
)

// Customer builds the custom values by hand; they must be byte for byte
// what json.Marshal of the value map writes.
func TestCustomJSONMatchesMarshal(t *testing.T) {
	field := func(id int64, n int) *model.Field {
		f := &model.Field{ID: id}
		for i := 0; i < n; i++ {
			f.Options = append(f.Options, model.Option{ID: id*100 + int64(i)})
		}
		return f
	}
	s := &Setup{TenantID: 1, Level: field(7, len(fakedata.Levels)), Interests: field(9, len(fakedata.InterestOptions)),
		Score: field(11, 0), Birthday: field(100, 0), Area: field(12, 0), StaffIDs: []int64{1}, StageIDs: []int64{1}}
	for range fakedata.TagNames {
		s.TagIDs = append(s.TagIDs, 5)
	}
	gen := Generator(3)
	var p fakedata.Person
	for i := 0; i < 20000; i++ {
		gen.Next(&p)
		var c model.Customer
		s.Customer(&p, i, &c)
		m := map[string]any{
			id(s.Level):    s.Level.Options[p.Level].ID,
			id(s.Score):    json.Number(strconv.FormatFloat(p.Score, 'f', -1, 64)),
			id(s.Birthday): p.BornDate.Format("2006-01-02"),
		}
		if len(p.Interests) > 0 {
			var ids []int64
			for _, x := range p.Interests {
				ids = append(ids, s.Interests.Options[x].ID)
			}
			m[id(s.Interests)] = ids
		}
		if p.AreaCode != "" {
			m[id(s.Area)] = map[string]string{"code": p.AreaCode, "label": p.State + "/" + p.City + "/" + p.District}
		}
		want, _ := json.Marshal(m)
		if string(c.Custom) != string(want) {
			t.Fatalf("person %d: %s, want %s", i, c.Custom, want)
		}
	}
	for _, s := range []string{"a<b", `q"`, "\u2028", "\xff", "普通"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	}
}
