// Package fakedata generates deterministic, realistic Chinese-market customer
// records for `kehu demo` (thousands of rows) and `kehu bench` (millions).
//
// A Generator is a pure function of (Config, index): record i depends only on
// the seed, the config and i, never on earlier calls, so generation can be
// split across goroutines with Seek and replayed exactly. Records look like
// real CRM data: 97% Chinese names with census-like surname frequencies,
// valid and unique mainland mobile numbers, consistent province/city/district
// addresses with postal codes, 18-digit resident ID numbers whose check digit
// and birth date are correct, and skewed levels, tags and owners.
//
// Next fills a caller-owned Person in place and costs one allocation per
// record (all of the record's built strings share one backing string); the
// Interests and Tags slices are reused between calls.
package fakedata

import (
	"math"
	"math/bits"
	"strconv"
	"time"
)

// ChineseShare is the probability that a generated record has a Chinese name;
// the rest get Latin "First Last" names.
const ChineseShare = 0.97

// Person is one generated customer. All strings are immutable and stay valid
// after the next call; the Interests and Tags slices do not (see Next).
type Person struct {
	Name      string // "张伟", "欧阳秀英", or "Leo Ball"
	FirstName string // given name (Chinese) or first name (Latin)
	LastName  string // surname (Chinese) or last name (Latin)
	Sex       int    // 1 male, 2 female
	Phone     string // 11-digit mainland mobile; distinct for the first 4.2e9 indexes of a seed
	Email     string // lower-case ASCII, "" for ~40%; not guaranteed unique
	Company   string // "" for ~30%
	Address   string // full address, "" for ~20%; then all location fields are ""
	City      string // "深圳市"
	State     string // province or municipality: "广东省", "北京市"
	Country   string // "中国"
	Street    string // suffix of Address: "科技园路12号"
	ZipCode   string // 6-digit postal code of the city
	District  string // "南山区"
	AreaCode  string // 6-digit administrative code of District: "440305"
	Remark    string // "" for ~80%
	Status    int    // 1 (70%) or 2 (30%)
	CreatedAt time.Time
	BornDate  time.Time // midnight in the location of Config.From; age 18-70 at CreatedAt
	IDNumber  string    // 18-digit resident ID for ~30%, else ""; not guaranteed unique
	Score     float64   // 0-100, one decimal
	Level     int       // index into Levels
	Interests []int     // distinct ascending indexes into InterestOptions, 0-3 of them
	Tags      []int     // distinct ascending indexes into TagNames, 0-3 of them
	Owner     int       // index into an owner pool of size Config.Owners
}

// Clone returns a copy of p that does not share its slices, for callers that
// keep records while the generator keeps filling p.
func (p *Person) Clone() Person {
	c := *p
	c.Interests = append([]int(nil), p.Interests...)
	c.Tags = append([]int(nil), p.Tags...)
	return c
}

// Config configures a Generator. The zero value is usable: From and To
// default to 2020-01-01 and 2026-01-01 China time (a missing end is five
// years from the other), and Owners defaults to 10.
type Config struct {
	Seed     int64
	From, To time.Time // CreatedAt is uniform over [From, To), second precision
	Owners   int       // size of the owner pool, Zipf-skewed
}

// Generator produces Person records. It is not safe for concurrent use; use
// one Generator per goroutine (Seek to split a range).
type Generator struct {
	key       uint64
	phoneKeys [4]uint64
	idx       int

	from      time.Time
	loc       *time.Location
	fromLocal int64 // From as seconds since the epoch on its local wall clock
	spanSec   uint64
	owners    aliasTable
	buf       []byte
}

// China is the fixed UTC+8 zone used for the default time range.
var China = time.FixedZone("CST", 8*3600)

// New returns a generator for cfg.
func New(cfg Config) *Generator {
	switch {
	case cfg.From.IsZero() && cfg.To.IsZero():
		cfg.From = time.Date(2020, 1, 1, 0, 0, 0, 0, China)
		cfg.To = time.Date(2026, 1, 1, 0, 0, 0, 0, China)
	case cfg.From.IsZero():
		cfg.From = cfg.To.AddDate(-5, 0, 0)
	case cfg.To.IsZero():
		cfg.To = cfg.From.AddDate(5, 0, 0)
	}
	if cfg.Owners <= 0 {
		cfg.Owners = 10
	}
	g := &Generator{
		key:  mix64(uint64(cfg.Seed) ^ 0x6b656875_66616b65), // "kehufake"
		from: cfg.From,
		loc:  cfg.From.Location(),
		buf:  make([]byte, 0, 512),
	}
	seedRng := rng{s: g.key}
	for i := range g.phoneKeys {
		g.phoneKeys[i] = seedRng.next()
	}
	_, off := cfg.From.Zone()
	g.fromLocal = cfg.From.Unix() + int64(off)
	if d := cfg.To.Sub(cfg.From); d > time.Second {
		g.spanSec = uint64(d / time.Second)
	}
	w := make([]float64, cfg.Owners)
	for i := range w {
		w[i] = 1 / float64(i+1)
	}
	g.owners = newAlias(w)
	return g
}

// Index reports how many records have been generated, i.e. the index of the
// record the next call to Next produces.
func (g *Generator) Index() int { return g.idx }

// Seek makes the next call to Next produce record i.
func (g *Generator) Seek(i int) { g.idx = i }

// Package-wide samplers and probabilities, built once.
var (
	surnameNames []string
	surnameShare map[string]float64
	surnameAlias aliasTable

	maleGiven1Alias, femaleGiven1Alias aliasTable
	// 2-char given names by birth era (see eraOf).
	maleGiven2Alias, femaleGiven2Alias [3]aliasTable

	districts     []districtRef
	districtAlias aliasTable
	cityAlias     aliasTable

	roadAlias, brandAlias, industryAlias, companySuffixAlias, latinCompanySuffixAlias aliasTable
	emailDomainAlias, levelAlias, tagAlias, interestCountAlias, tagCountAlias         aliasTable
	qqLenAlias                                                                        aliasTable
)

type districtRef struct {
	city *cityEntry
	d    *districtEntry
}

const (
	emailQQ      = 0
	email139     = 8
	emailCompany = 10
)

func init() {
	surnameNames = make([]string, len(surnameTable))
	w := make([]float64, len(surnameTable))
	var sum float64
	for i, s := range surnameTable {
		surnameNames[i] = s.name
		w[i] = s.weight
		sum += s.weight
	}
	surnameAlias = newAlias(w)
	surnameShare = make(map[string]float64, len(surnameTable))
	for _, s := range surnameTable {
		surnameShare[s.name] += ChineseShare * s.weight / sum
	}

	maleGiven1Alias = positional(len(maleGiven1), 4)
	femaleGiven1Alias = positional(len(femaleGiven1), 4)
	for era := range 3 {
		maleGiven2Alias[era] = eraWeighted(maleGiven2, era)
		femaleGiven2Alias[era] = eraWeighted(femaleGiven2, era)
	}

	var dw, cw []float64
	for ci := range cityTable {
		c := &cityTable[ci]
		cw = append(cw, c.weight)
		for di := range c.districts {
			districts = append(districts, districtRef{c, &c.districts[di]})
			dw = append(dw, c.weight/float64(len(c.districts)))
		}
	}
	districtAlias = newAlias(dw)
	cityAlias = newAlias(cw)

	roadAlias = positional(len(roads), 8)
	brandAlias = positional(len(brands), 20)
	industryAlias = positional(len(industries), 5)
	companySuffixAlias = newAlias(companySuffixWeights)
	latinCompanySuffixAlias = newAlias(latinCompanySufWeight)
	emailDomainAlias = newAlias(emailDomainWeights)
	levelAlias = newAlias(levelWeights)
	tagAlias = newAlias(tagWeights)
	interestCountAlias = newAlias([]float64{25, 35, 25, 15})
	tagCountAlias = newAlias([]float64{30, 35, 22, 13})
	qqLenAlias = newAlias([]float64{0, 0, 0, 0, 0, 3, 7, 12, 20, 35, 23}) // by digit count
}

// positional weights entry i by 1/(i+k): a Zipf-like fall-off whose head is
// flatter for larger k.
func positional(n int, k float64) aliasTable {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / (float64(i) + k)
	}
	return newAlias(w)
}

// eraOf buckets a birth year: 0 before 1975, 1 until 1989, 2 from 1990.
func eraOf(year int) int {
	switch {
	case year < 1975:
		return 0
	case year < 1990:
		return 1
	}
	return 2
}

// eraWeighted weighs 2-char given names by position and by how typical
// their style (modernGiven or not) is for the birth era.
func eraWeighted(pool []string, era int) aliasTable {
	classic := [3]float64{1, 0.6, 0.15}[era]
	modern := [3]float64{0.03, 0.4, 1}[era]
	w := make([]float64, len(pool))
	for i, s := range pool {
		w[i] = 1 / (float64(i) + 6)
		if modernGiven[s] {
			w[i] *= modern
		} else {
			w[i] *= classic
		}
	}
	return newAlias(w)
}

// SurnameShare returns the configured probability that a generated record's
// LastName is the Chinese surname s (over all records, Latin ones included),
// or 0 if s is not in the surname pool.
func SurnameShare(s string) float64 { return surnameShare[s] }

// Probabilities as thresholds for rng.next() < p.
var (
	pChinese   = prob(ChineseShare)
	pMale      = prob(0.51)
	pGiven1    = prob(0.40)
	pEmail     = prob(0.60)
	pCompany   = prob(0.70)
	pAddress   = prob(0.80)
	pRemark    = prob(0.20)
	pStatus1   = prob(0.70)
	pIDNumber  = prob(0.30)
	pHalf      = prob(0.50)
	pRoom      = prob(0.30)
	pAgeYoung  = prob(0.75)
	pSameCity  = prob(0.55)
	pAreaHome  = prob(0.60)
	pSmallNum  = prob(0.75)
	pBracketed = prob(0.15)
)

func prob(f float64) uint64 { return uint64(f * 0x1p64) }

const (
	phoneSpace = 42 * 100_000_000 // len(phonePrefixes) * 10^8, < 2^32
	minAgeDays = 6576             // > 18 years
	maxAgeDays = 25566            // < 70 years
	youngSpan  = 37 * 365         // 18-55
	secPerDay  = 86400
)

// Next fills p with the next record. Every field is overwritten. The
// Interests and Tags slices are reused, so their contents change on the next
// call: use p.Clone (or copy them) to keep a record.
func (g *Generator) Next(p *Person) {
	i := uint64(g.idx)
	g.idx++
	r := rng{s: mix64(g.key + i*0x9e3779b97f4a7c15)}
	b := g.buf[:0]

	// Dates.
	var sec uint64
	if g.spanSec > 0 {
		sec = r.intn64(g.spanSec)
	}
	p.CreatedAt = g.from.Add(time.Duration(sec) * time.Second)
	createdDays := floorDiv(g.fromLocal+int64(sec), secPerDay)
	var ageDays int64
	if r.next() < pAgeYoung {
		ageDays = minAgeDays + int64(r.intn(youngSpan)+r.intn(youngSpan))/2
	} else {
		ageDays = minAgeDays + int64(r.intn(maxAgeDays-minAgeDays))
	}
	by, bm, bd := civil(createdDays - ageDays)
	p.BornDate = time.Date(by, time.Month(bm), bd, 0, 0, 0, 0, g.loc)

	// Name and sex.
	male := r.next() < pMale
	p.Sex = 2
	if male {
		p.Sex = 1
	}
	latin := false
	if r.next() < pChinese {
		sur := surnameNames[surnameAlias.pick(&r)]
		var given string
		if r.next() < pGiven1 {
			if male {
				given = maleGiven1[maleGiven1Alias.pick(&r)]
			} else {
				given = femaleGiven1[femaleGiven1Alias.pick(&r)]
			}
		} else {
			if male {
				given = maleGiven2[maleGiven2Alias[eraOf(by)].pick(&r)]
			} else {
				given = femaleGiven2[femaleGiven2Alias[eraOf(by)].pick(&r)]
			}
		}
		p.LastName, p.FirstName = sur, given
		b = append(b, sur...)
		b = append(b, given...)
	} else {
		latin = true
		if male {
			p.FirstName = latinMale[r.intn(len(latinMale))]
		} else {
			p.FirstName = latinFemale[r.intn(len(latinFemale))]
		}
		p.LastName = latinLast[r.intn(len(latinLast))]
		b = append(b, p.FirstName...)
		b = append(b, ' ')
		b = append(b, p.LastName...)
	}
	nameEnd := len(b)

	// Phone: a keyed bijection of the index onto the number space.
	v := g.phoneNumber(i % phoneSpace)
	b = append(b, phonePrefixes[v/100_000_000]...)
	b = appendPad(b, uint64(v%100_000_000), 8)
	phoneEnd := len(b)

	// Email.
	if r.next() < pEmail {
		b = g.appendEmail(b, &r, latin, p, phoneEnd, by)
	}
	emailEnd := len(b)

	// Address.
	var home *districtRef
	streetStart := len(b)
	if r.next() < pAddress {
		home = &districts[districtAlias.pick(&r)]
		c := home.city
		if c.state != c.city {
			b = append(b, c.state...)
		}
		b = append(b, c.city...)
		b = append(b, home.d.name...)
		streetStart = len(b)
		b = append(b, roads[roadAlias.pick(&r)]...)
		if r.next() < pSmallNum {
			b = strconv.AppendInt(b, int64(1+r.intn(200)), 10)
		} else {
			b = strconv.AppendInt(b, int64(1+r.intn(999)), 10)
		}
		b = append(b, "号"...)
		if r.next() < pRoom {
			b = strconv.AppendInt(b, int64(1+r.intn(12)), 10)
			b = append(b, "栋"...)
			b = strconv.AppendInt(b, int64(1+r.intn(30)), 10)
			b = appendPad(b, uint64(1+r.intn(8)), 2)
			b = append(b, "室"...)
		}
		p.City, p.State, p.Country, p.ZipCode = c.city, c.state, "中国", c.zip
		p.District, p.AreaCode = home.d.name, home.d.code
	} else {
		p.City, p.State, p.Country, p.ZipCode, p.District, p.AreaCode = "", "", "", "", "", ""
	}
	addrEnd := len(b)

	// Company.
	if r.next() < pCompany {
		if (latin && r.next() < pHalf) || r.intn(25) == 0 {
			b = append(b, latinCompanyWords[r.intn(len(latinCompanyWords))]...)
			b = append(b, ' ')
			b = append(b, latinCompanyIndustry[r.intn(len(latinCompanyIndustry))]...)
			b = append(b, ' ')
			b = append(b, latinCompanySuffixes[latinCompanySuffixAlias.pick(&r)]...)
		} else {
			var c *cityEntry
			if home != nil && r.next() < pSameCity {
				c = home.city
			} else {
				c = &cityTable[cityAlias.pick(&r)]
			}
			brand := brands[brandAlias.pick(&r)]
			ind := industries[industryAlias.pick(&r)]
			suf := companySuffixes[companySuffixAlias.pick(&r)]
			if r.next() < pBracketed {
				b = append(b, brand...)
				b = append(b, ind...)
				b = append(b, "（"...)
				b = append(b, c.short...)
				b = append(b, "）"...)
			} else {
				b = append(b, c.short...)
				b = append(b, brand...)
				b = append(b, ind...)
			}
			b = append(b, suf...)
		}
	}
	companyEnd := len(b)

	// Resident ID.
	if r.next() < pIDNumber {
		var area string
		if home != nil && r.next() < pAreaHome {
			area = home.d.code
		} else {
			area = districts[r.intn(len(districts))].d.code
		}
		start := len(b)
		b = append(b, area...)
		b = appendPad(b, uint64(by), 4)
		b = appendPad(b, uint64(bm), 2)
		b = appendPad(b, uint64(bd), 2)
		seq := 2 * r.intn(499) // 0..996
		if male {
			seq++ // odd: 1..997
		} else {
			seq += 2 // even: 2..998
		}
		b = appendPad(b, uint64(seq), 3)
		b = append(b, idCheckDigit(b[start:]))
	}
	idEnd := len(b)

	// Scalars.
	if r.next() < pRemark {
		p.Remark = remarks[r.intn(len(remarks))]
	} else {
		p.Remark = ""
	}
	p.Status = 2
	if r.next() < pStatus1 {
		p.Status = 1
	}
	p.Score = float64((r.intn(1001)+r.intn(1001)+r.intn(1001))/3) / 10
	p.Level = levelAlias.pick(&r)
	p.Owner = g.owners.pick(&r)

	var mask uint32
	n := interestCountAlias.pick(&r)
	for k := 0; k < n; {
		bit := uint32(1) << r.intn(len(InterestOptions))
		if mask&bit == 0 {
			mask |= bit
			k++
		}
	}
	p.Interests = fillMask(p.Interests, mask, n)
	mask = 0
	n = tagCountAlias.pick(&r)
	for k := 0; k < n; {
		bit := uint32(1) << tagAlias.pick(&r)
		if mask&bit == 0 {
			mask |= bit
			k++
		}
	}
	p.Tags = fillMask(p.Tags, mask, n)

	// One allocation for every built string.
	s := string(b)
	g.buf = b
	p.Name = s[:nameEnd]
	p.Phone = s[nameEnd:phoneEnd]
	p.Email = s[phoneEnd:emailEnd]
	p.Address = s[emailEnd:addrEnd]
	p.Street = s[streetStart:addrEnd]
	p.Company = s[addrEnd:companyEnd]
	p.IDNumber = s[companyEnd:idEnd]
}

// appendEmail appends an email address. phoneEnd is the end of the phone
// number in b (it is the 11 bytes before it); by is the birth year.
func (g *Generator) appendEmail(b []byte, r *rng, latin bool, p *Person, phoneEnd, by int) []byte {
	dom := emailDomainAlias.pick(r)
	domain := emailDomains[dom]
	if dom == emailCompany {
		domain = companyDomains[r.intn(len(companyDomains))]
	}
	switch {
	case latin && dom != emailQQ:
		b = appendLower(b, p.FirstName)
		b = append(b, '.')
		b = appendLower(b, p.LastName)
		if r.next() < pHalf {
			b = strconv.AppendInt(b, int64(r.intn(100)), 10)
		}
	case dom == emailQQ:
		digits := qqLenAlias.pick(r)
		b = append(b, byte('1'+r.intn(9)))
		for k := 1; k < digits; k++ {
			b = append(b, byte('0'+r.intn(10)))
		}
	case dom == email139:
		b = append(b, b[phoneEnd-11:phoneEnd]...)
	default:
		switch r.intn(10) {
		case 0, 1, 2, 3:
			b = append(b, emailWords[r.intn(len(emailWords))]...)
			b = strconv.AppendInt(b, int64(r.intn(10000)), 10)
		case 4, 5:
			b = append(b, emailWords[r.intn(len(emailWords))]...)
			b = appendPad(b, uint64(by), 4)
		case 6:
			b = append(b, emailWords[r.intn(len(emailWords))]...)
			b = append(b, '_')
			b = append(b, emailWords[r.intn(len(emailWords))]...)
		case 7:
			b = append(b, "user"...)
			b = appendPad(b, uint64(r.intn(1_000_000)), 4+r.intn(3))
		case 8:
			b = append(b, b[phoneEnd-11:phoneEnd]...)
		default:
			b = append(b, emailWords[r.intn(len(emailWords))]...)
			b = append(b, '.')
			b = append(b, emailWords[r.intn(len(emailWords))]...)
			b = strconv.AppendInt(b, int64(r.intn(100)), 10)
		}
	}
	b = append(b, '@')
	return append(b, domain...)
}

// fillMask sets s to the set bits of mask in ascending order, reusing s.
func fillMask(s []int, mask uint32, n int) []int {
	s = s[:0]
	if n == 0 {
		return s
	}
	if cap(s) < 3 {
		s = make([]int, 0, 3)
	}
	for mask != 0 {
		s = append(s, bits.TrailingZeros32(mask))
		mask &= mask - 1
	}
	return s
}

// phoneNumber maps x in [0, phoneSpace) to a number in the same range by a
// keyed 4-round Feistel permutation of uint32, cycle-walking until the result
// falls in range; so distinct indexes get distinct numbers.
func (g *Generator) phoneNumber(x uint64) uint32 {
	v := uint32(x)
	for {
		l, r := v>>16, v&0xffff
		for _, k := range g.phoneKeys {
			l, r = r, l^feistelRound(r, k)
		}
		v = l<<16 | r
		if v < phoneSpace {
			return v
		}
	}
}

func feistelRound(r uint32, k uint64) uint32 {
	h := (uint64(r) ^ k) * 0x9e3779b97f4a7c15
	h ^= h >> 31
	h *= 0xd6e8feb86659fd93
	return uint32(h>>48) & 0xffff
}

// IDCheckDigit returns the ISO 7064 MOD 11-2 check character ('0'-'9' or
// 'X') of a PRC resident ID number given its first 17 digits.
func IDCheckDigit(id17 string) byte { return idCheckDigit(id17) }

func idCheckDigit[S ~string | ~[]byte](id17 S) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k, w := range weights {
		sum += int(id17[k]-'0') * w
	}
	return "10X98765432"[sum%11]
}

// OwnerNames returns n distinct realistic staff names (Chinese, with census
// surname frequencies). The result is the same on every call.
func OwnerNames(n int) []string {
	r := rng{s: 0x0123456789abcdef}
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		var name string
		for try := 0; ; try++ {
			sur := surnameNames[surnameAlias.pick(&r)]
			var given string
			switch male, one := r.next() < pHalf, r.next() < pGiven1; {
			case male && one:
				given = maleGiven1[maleGiven1Alias.pick(&r)]
			case male:
				given = maleGiven2[maleGiven2Alias[1].pick(&r)]
			case one:
				given = femaleGiven1[femaleGiven1Alias.pick(&r)]
			default:
				given = femaleGiven2[femaleGiven2Alias[1].pick(&r)]
			}
			name = sur + given
			if try >= 50 {
				name += strconv.Itoa(len(out) + 1)
			}
			if !seen[name] {
				break
			}
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}

// OwnerDepartment returns the index in Departments of owner i's department:
// mostly the three sales regions, some 市场部 and 客服部.
func OwnerDepartment(i int) int {
	switch i % 10 {
	case 0, 1, 2:
		return 2 // 华南区
	case 3, 4:
		return 3 // 华北区
	case 5, 6:
		return 4 // 华东区
	case 7:
		return 5 // 市场部
	default:
		return 6 // 客服部
	}
}

// rng is wyrand: a fast 64-bit generator with a 64-bit state.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// intn returns a value in [0, n), n > 0 (Lemire's multiply, bias < n/2^64).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

func (r *rng) intn64(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// aliasTable samples an index with given weights in O(1) (Vose's alias
// method).
type aliasTable struct {
	n      uint64
	thresh []uint64
	alias  []int32
}

func newAlias(w []float64) aliasTable {
	n := len(w)
	var sum float64
	for _, x := range w {
		sum += x
	}
	p := make([]float64, n)
	var small, large []int
	for i, x := range w {
		p[i] = x * float64(n) / sum
		if p[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	t := aliasTable{n: uint64(n), thresh: make([]uint64, n), alias: make([]int32, n)}
	for i := range t.alias {
		t.alias[i] = int32(i)
		t.thresh[i] = math.MaxUint64
	}
	for len(small) > 0 && len(large) > 0 {
		s := small[len(small)-1]
		small = small[:len(small)-1]
		l := large[len(large)-1]
		t.thresh[s] = prob(p[s])
		t.alias[s] = int32(l)
		p[l] -= 1 - p[s]
		if p[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	return t
}

// pick draws an index: the high word of next()*n picks a column and the low
// word (uniform given the column) decides between it and its alias.
func (t *aliasTable) pick(r *rng) int {
	hi, lo := bits.Mul64(r.next(), t.n)
	if lo < t.thresh[hi] {
		return int(hi)
	}
	return int(t.alias[hi])
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

// appendPad appends v in decimal, zero-padded to width digits.
func appendPad(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	k := len(tmp)
	for v > 0 || k > len(tmp)-width {
		k--
		tmp[k] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[k:]...)
}

// appendLower appends ASCII s lower-cased.
func appendLower(b []byte, s string) []byte {
	for k := 0; k < len(s); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
