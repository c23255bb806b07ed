package fakedata

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func gen(seed int64) *Generator {
	return New(Config{Seed: seed, Owners: 20})
}

func TestDeterminism(t *testing.T) {
	a, b := gen(42), gen(42)
	var pa, pb Person
	first := make([]Person, 1000)
	for i := range 1000 {
		a.Next(&pa)
		b.Next(&pb)
		if !reflect.DeepEqual(pa.Clone(), pb.Clone()) {
			t.Fatalf("record %d differs:\n%+v\n%+v", i, pa, pb)
		}
		first[i] = pa.Clone()
	}
	if a.Index() != 1000 {
		t.Fatalf("Index = %d, want 1000", a.Index())
	}
	// A record depends only on its index: Seek reproduces it.
	c := gen(42)
	c.Seek(637)
	var pc Person
	c.Next(&pc)
	if !reflect.DeepEqual(pc.Clone(), first[637]) {
		t.Fatalf("Seek(637) gave %+v, want %+v", pc, first[637])
	}
	// Another seed gives other records.
	d := gen(43)
	same := 0
	var pd Person
	for i := range 1000 {
		d.Next(&pd)
		if pd.Name == first[i].Name && pd.Phone == first[i].Phone {
			same++
		}
	}
	if same > 0 {
		t.Fatalf("seed 43 repeats %d records of seed 42", same)
	}
}

var (
	phoneRE      = regexp.MustCompile(`^1(3\d|5[0-35-9]|66|7[0-8]|8\d|9[189])\d{8}$`)
	phonePrefSet = map[string]bool{}
)

func init() {
	for _, p := range phonePrefixes {
		phonePrefSet[p] = true
	}
}

func TestPhones(t *testing.T) {
	const n = 200_000
	g := gen(7)
	seen := make(map[string]struct{}, n)
	prefixes := map[string]int{}
	var p Person
	for range n {
		g.Next(&p)
		if !phoneRE.MatchString(p.Phone) || !phonePrefSet[p.Phone[:3]] {
			t.Fatalf("invalid phone %q", p.Phone)
		}
		if _, dup := seen[p.Phone]; dup {
			t.Fatalf("duplicate phone %q at record %d", p.Phone, g.Index()-1)
		}
		seen[p.Phone] = struct{}{}
		prefixes[p.Phone[:3]]++
	}
	if len(prefixes) != len(phonePrefixes) {
		t.Errorf("only %d of %d prefixes used", len(prefixes), len(phonePrefixes))
	}
}

func TestPhoneBijection(t *testing.T) {
	// Far indexes too: check a window near the top of the space.
	g := gen(99)
	seen := map[uint32]bool{}
	for x := uint64(phoneSpace - 50_000); x < phoneSpace; x++ {
		v := g.phoneNumber(x)
		if v >= phoneSpace || seen[v] {
			t.Fatalf("phoneNumber(%d) = %d: out of range or repeated", x, v)
		}
		seen[v] = true
	}
}

func TestIDCheckDigit(t *testing.T) {
	// The GB 11643-1999 sample number.
	if c := IDCheckDigit("11010519491231002"); c != 'X' {
		t.Fatalf("check digit = %c, want X", c)
	}
	if c := IDCheckDigit("44030519900101123"); c != checkSlow("44030519900101123") {
		t.Fatalf("check digit mismatch")
	}
}

// checkSlow computes the check digit from its definition: the digit c such
// that Σ a_i·2^(18-i) ≡ 1 (mod 11), with c=10 written X.
func checkSlow(id17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(id17[i]-'0') * (1 << (17 - i) % 11)
	}
	for c := range 11 {
		if (sum+c)%11 == 1 {
			if c == 10 {
				return 'X'
			}
			return byte('0' + c)
		}
	}
	panic("unreachable")
}

var idRE = regexp.MustCompile(`^\d{17}[\dX]$`)

func TestIDNumbers(t *testing.T) {
	codes := map[string]bool{}
	for _, c := range cityTable {
		for _, d := range c.districts {
			codes[d.code] = true
		}
	}
	g := gen(3)
	var p Person
	n := 0
	for range 50_000 {
		g.Next(&p)
		if p.IDNumber == "" {
			continue
		}
		n++
		id := p.IDNumber
		if !idRE.MatchString(id) {
			t.Fatalf("bad ID %q", id)
		}
		if id[17] != checkSlow(id[:17]) {
			t.Fatalf("ID %q: wrong check digit", id)
		}
		if !codes[id[:6]] {
			t.Fatalf("ID %q: unknown area code", id)
		}
		if id[6:14] != p.BornDate.Format("20060102") {
			t.Fatalf("ID %q does not match birth date %v", id, p.BornDate)
		}
		if odd := (id[16]-'0')%2 == 1; odd != (p.Sex == 1) {
			t.Fatalf("ID %q: sex digit disagrees with sex %d", id, p.Sex)
		}
	}
	if n < 14_000 || n > 16_000 {
		t.Errorf("%d of 50000 have an ID number, want ~30%%", n)
	}
}

func TestNameDistribution(t *testing.T) {
	const n = 100_000
	g := gen(11)
	var p Person
	surnames := map[string]int{}
	var chinese, given1, given2, runes2, runes3 int
	for range n {
		g.Next(&p)
		if SurnameShare(p.LastName) > 0 {
			chinese++
			surnames[p.LastName]++
			switch utf8.RuneCountInString(p.FirstName) {
			case 1:
				given1++
			case 2:
				given2++
			default:
				t.Fatalf("given name %q", p.FirstName)
			}
			switch utf8.RuneCountInString(p.Name) {
			case 2:
				runes2++
			case 3:
				runes3++
			}
			if p.Name != p.LastName+p.FirstName {
				t.Fatalf("Name %q != %q+%q", p.Name, p.LastName, p.FirstName)
			}
		} else {
			if p.Name != p.FirstName+" "+p.LastName {
				t.Fatalf("Latin Name %q != %q %q", p.Name, p.FirstName, p.LastName)
			}
			for _, c := range []byte(p.Name) {
				if c >= 0x80 {
					t.Fatalf("Latin name %q not ASCII", p.Name)
				}
			}
		}
	}
	between(t, "chinese share", float64(chinese)/n, 0.96, 0.98)
	between(t, "1-char given names", float64(given1)/float64(chinese), 0.35, 0.45)
	between(t, "2-char given names", float64(given2)/float64(chinese), 0.55, 0.65)
	between(t, "2-char names", float64(runes2)/float64(chinese), 0.35, 0.45)
	between(t, "3-char names", float64(runes3)/float64(chinese), 0.55, 0.65)
	for _, s := range []string{"王", "李", "张"} {
		share := float64(surnames[s]) / n
		between(t, s, share, 0.06, 0.10)
		between(t, s+" vs SurnameShare", share, SurnameShare(s)-0.005, SurnameShare(s)+0.005)
	}
	for _, s := range []string{"刘", "陈", "黄", "林"} {
		share := float64(surnames[s]) / n
		between(t, s+" vs SurnameShare", share, SurnameShare(s)*0.85, SurnameShare(s)*1.15)
	}
	if SurnameShare("Smith") != 0 || SurnameShare("欧阳") == 0 {
		t.Errorf("SurnameShare: Smith %v, 欧阳 %v", SurnameShare("Smith"), SurnameShare("欧阳"))
	}
	var total float64
	for _, s := range surnameNames {
		total += SurnameShare(s)
	}
	between(t, "sum of SurnameShare", total, ChineseShare-1e-9, ChineseShare+1e-9)
	if surnames["王"] < surnames["刘"] || surnames["刘"] < surnames["杨"] {
		t.Errorf("surname order off: 王 %d 刘 %d 杨 %d", surnames["王"], surnames["刘"], surnames["杨"])
	}
}

func between(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.4f, want in [%.4f, %.4f]", what, got, lo, hi)
	}
}

var (
	emailRE = regexp.MustCompile(`^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$`)
	zipRE   = regexp.MustCompile(`^\d{6}$`)
)

func TestFields(t *testing.T) {
	const n = 100_000
	from := time.Date(2023, 3, 1, 0, 0, 0, 0, China)
	to := time.Date(2025, 3, 1, 0, 0, 0, 0, China)
	g := New(Config{Seed: 5, From: from, To: to, Owners: 30})
	var p Person
	var email, company, latinCompany, address, remark, status1, id, room int
	var levels [4]int
	var owners [30]int
	var interests, tags [4]int
	var tagHits [10]int
	var male int
	var createdMin, createdMax = to, from
	for range n {
		g.Next(&p)
		if p.Sex != 1 && p.Sex != 2 {
			t.Fatalf("sex %d", p.Sex)
		}
		if p.Sex == 1 {
			male++
		}
		if p.Email != "" {
			email++
			if !emailRE.MatchString(p.Email) {
				t.Fatalf("bad email %q", p.Email)
			}
		}
		if p.Company != "" {
			company++
			switch {
			case strings.HasSuffix(p.Company, "公司"):
			case p.Company[0] < 0x80:
				latinCompany++
			default:
				t.Fatalf("odd company %q", p.Company)
			}
		}
		if p.Address != "" {
			address++
			if !strings.HasSuffix(p.Address, p.Street) || !strings.Contains(p.Address, p.City+p.District) ||
				!strings.HasPrefix(p.Address, p.State) || !strings.Contains(p.Street, "号") {
				t.Fatalf("inconsistent address %q street %q city %q state %q district %q", p.Address, p.Street, p.City, p.State, p.District)
			}
			if strings.HasSuffix(p.Street, "室") {
				room++
			}
			if p.Country != "中国" || !zipRE.MatchString(p.ZipCode) || len(p.AreaCode) != 6 {
				t.Fatalf("country %q zip %q area %q", p.Country, p.ZipCode, p.AreaCode)
			}
		} else if p.City+p.State+p.Country+p.Street+p.ZipCode+p.District+p.AreaCode != "" {
			t.Fatalf("location fields without address: %+v", p)
		}
		if p.Remark != "" {
			remark++
		}
		switch p.Status {
		case 1:
			status1++
		case 2:
		default:
			t.Fatalf("status %d", p.Status)
		}
		if p.IDNumber != "" {
			id++
		}
		if p.CreatedAt.Before(from) || !p.CreatedAt.Before(to) {
			t.Fatalf("CreatedAt %v outside range", p.CreatedAt)
		}
		if p.CreatedAt.Before(createdMin) {
			createdMin = p.CreatedAt
		}
		if p.CreatedAt.After(createdMax) {
			createdMax = p.CreatedAt
		}
		if age := ageAt(p.BornDate, p.CreatedAt); age < 18 || age > 70 {
			t.Fatalf("age %d (born %v, created %v)", age, p.BornDate, p.CreatedAt)
		}
		if p.BornDate.Hour() != 0 || p.BornDate.Location() != China {
			t.Fatalf("BornDate %v not a midnight in the config zone", p.BornDate)
		}
		if p.Score < 0 || p.Score > 100 || p.Score*10 != float64(int(p.Score*10+0.5)) {
			t.Fatalf("score %v", p.Score)
		}
		levels[p.Level]++
		owners[p.Owner]++
		interests[len(p.Interests)]++
		tags[len(p.Tags)]++
		checkSet(t, "interests", p.Interests, len(InterestOptions))
		checkSet(t, "tags", p.Tags, len(TagNames))
		for _, x := range p.Tags {
			tagHits[x]++
		}
	}
	between(t, "email", float64(email)/n, 0.58, 0.62)
	between(t, "company", float64(company)/n, 0.68, 0.72)
	between(t, "latin companies", float64(latinCompany)/float64(company), 0.02, 0.08)
	between(t, "address", float64(address)/n, 0.78, 0.82)
	between(t, "rooms", float64(room)/float64(address), 0.25, 0.35)
	between(t, "remark", float64(remark)/n, 0.18, 0.22)
	between(t, "status 1", float64(status1)/n, 0.68, 0.72)
	between(t, "id number", float64(id)/n, 0.28, 0.32)
	between(t, "male", float64(male)/n, 0.48, 0.54)
	for l := 1; l < 4; l++ {
		if levels[l] >= levels[l-1] {
			t.Errorf("levels not skewed low: %v", levels)
		}
	}
	if owners[0] <= owners[1] || owners[1] <= owners[29] || owners[29] == 0 {
		t.Errorf("owners not Zipf-like: %v", owners)
	}
	for k, c := range interests {
		if c == 0 {
			t.Errorf("no record with %d interests: %v", k, interests)
		}
	}
	for k, c := range tags {
		if c == 0 {
			t.Errorf("no record with %d tags: %v", k, tags)
		}
	}
	if tagHits[2] <= tagHits[8] { // 潜在客户 is more common than 大客户
		t.Errorf("tags not skewed: %v", tagHits)
	}
	if createdMin.Sub(from) > 24*time.Hour || to.Sub(createdMax) > 24*time.Hour {
		t.Errorf("CreatedAt does not cover the range: %v..%v", createdMin, createdMax)
	}
}

func ageAt(born, at time.Time) int {
	at = at.In(born.Location())
	age := at.Year() - born.Year()
	if at.Month() < born.Month() || at.Month() == born.Month() && at.Day() < born.Day() {
		age--
	}
	return age
}

func checkSet(t *testing.T, what string, s []int, n int) {
	t.Helper()
	if len(s) > 3 {
		t.Fatalf("%s: %v has more than 3", what, s)
	}
	for k, x := range s {
		if x < 0 || x >= n || k > 0 && x <= s[k-1] {
			t.Fatalf("%s: %v not distinct ascending in [0,%d)", what, s, n)
		}
	}
}

func TestSliceReuse(t *testing.T) {
	g := gen(1)
	var p Person
	allocs := testing.AllocsPerRun(1000, func() { g.Next(&p) })
	if allocs > 1 {
		t.Errorf("Next allocates %.1f times per record, want ≤ 1", allocs)
	}
}

func TestDefaults(t *testing.T) {
	g := New(Config{})
	var p Person
	for range 1000 {
		g.Next(&p)
		if p.Owner < 0 || p.Owner >= 10 {
			t.Fatalf("owner %d with default pool", p.Owner)
		}
		if p.CreatedAt.Year() < 2020 || p.CreatedAt.Year() > 2025 {
			t.Fatalf("default CreatedAt %v", p.CreatedAt)
		}
	}
	// An empty range pins CreatedAt to From.
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	g = New(Config{From: at, To: at})
	g.Next(&p)
	if !p.CreatedAt.Equal(at) {
		t.Fatalf("CreatedAt %v, want %v", p.CreatedAt, at)
	}
}

func TestPools(t *testing.T) {
	if len(Levels) != 4 || len(InterestOptions) != 6 || len(TagNames) != 10 || len(tagWeights) != 10 {
		t.Fatal("pool sizes")
	}
	for _, pool := range [][]string{surnameNames, maleGiven1, femaleGiven1, maleGiven2, femaleGiven2,
		latinMale, latinFemale, latinLast, roads, brands, industries, remarks, emailWords, phonePrefixes} {
		seen := map[string]bool{}
		for _, s := range pool {
			if seen[s] {
				t.Errorf("duplicate %q in pool", s)
			}
			seen[s] = true
		}
	}
	for i, d := range Departments {
		if (i == 0) != (d.Parent == -1) || d.Parent >= i {
			t.Errorf("department %d %+v", i, d)
		}
	}
	names := OwnerNames(500)
	seen := map[string]bool{}
	for _, s := range names {
		if seen[s] || utf8.RuneCountInString(s) < 2 {
			t.Fatalf("owner name %q repeated or short", s)
		}
		seen[s] = true
	}
	if !reflect.DeepEqual(OwnerNames(20), names[:20]) {
		t.Errorf("OwnerNames not deterministic/prefix-stable")
	}
	for i := range 100 {
		d := OwnerDepartment(i)
		if d <= 0 || d >= len(Departments) {
			t.Fatalf("OwnerDepartment(%d) = %d", i, d)
		}
	}
}

func TestCivil(t *testing.T) {
	for d := int64(-40000); d < 40000; d += 7 {
		want := time.Unix(d*86400, 0).UTC()
		y, m, dd := civil(d)
		if y != want.Year() || m != int(want.Month()) || dd != want.Day() {
			t.Fatalf("civil(%d) = %d-%d-%d, want %v", d, y, m, dd, want)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	g := New(Config{Seed: 1, Owners: 50})
	var p Person
	b.ReportAllocs()
	for b.Loop() {
		g.Next(&p)
	}
}

func TestGivenNameEras(t *testing.T) {
	inPool := map[string]bool{}
	for _, s := range append(append([]string{}, maleGiven2...), femaleGiven2...) {
		inPool[s] = true
	}
	for s := range modernGiven {
		if !inPool[s] {
			t.Errorf("modernGiven %q is in no pool", s)
		}
	}
	g := gen(8)
	var p Person
	var old, oldModern, young, youngModern int
	for range 100_000 {
		g.Next(&p)
		if utf8.RuneCountInString(p.FirstName) != 2 || p.FirstName[0] < 0x80 {
			continue
		}
		switch y := p.BornDate.Year(); {
		case y < 1975:
			old++
			if modernGiven[p.FirstName] {
				oldModern++
			}
		case y >= 1990:
			young++
			if modernGiven[p.FirstName] {
				youngModern++
			}
		}
	}
	between(t, "modern names born before 1975", float64(oldModern)/float64(old), 0, 0.05)
	between(t, "modern names born from 1990", float64(youngModern)/float64(young), 0.6, 0.95)
}
