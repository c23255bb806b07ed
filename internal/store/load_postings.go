package store

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/textindex"
)

// postings collects side-table rows as posting lists of customer ordinals
// (positions in ids), which keeps a million customers' twenty-odd million
// gram rows in about 100 MB.
type postings struct {
	ids     []int64
	status  []int8
	project []int64 // project, owner and creation time: the token rows carry them (GramColumns)
	owner   []int64
	created []int64
	pool    []int64 // the pool a customer is in (0: none), also on token rows
	grams   map[string][]uint32
	company map[string][]string // value_grams: gram → normalised company names
	seen    map[string]bool     // companies already tokenised
	nums    map[int64][]numPosting
	texts   map[int64]map[string][]uint32
	uniques map[int64]map[string][]uint32
	tags    map[int64][]uint32
	collabs map[int64][]uint32
	// counts per (project, status, slot) for customer_counts.
	counts map[[3]int64]int64
	sorted bool // ids ascend
}

type numPosting struct {
	v float64
	i uint32
}

func newPostings(n int) *postings {
	return &postings{ids: make([]int64, 0, n), status: make([]int8, 0, n), project: make([]int64, 0, n),
		owner: make([]int64, 0, n), created: make([]int64, 0, n), grams: map[string][]uint32{},
		company: map[string][]string{}, seen: map[string]bool{}, nums: map[int64][]numPosting{},
		texts: map[int64]map[string][]uint32{}, uniques: map[int64]map[string][]uint32{},
		tags: map[int64][]uint32{}, collabs: map[int64][]uint32{}, counts: map[[3]int64]int64{}, sorted: true}
}

func (p *postings) add(c *model.Customer, ix *indexRows) {
	if n := len(p.ids); n > 0 && c.ID <= p.ids[n-1] {
		p.sorted = false
	}
	i := uint32(len(p.ids))
	p.ids = append(p.ids, c.ID)
	p.status = append(p.status, int8(c.Status))
	p.project = append(p.project, c.ProjectID)
	p.owner = append(p.owner, c.OwnerID)
	p.created = append(p.created, model.Millis(c.CreatedAt))
	p.pool = append(p.pool, c.PoolID)
	for _, g := range ix.grams {
		l, ok := p.grams[g]
		if !ok {
			g = strings.Clone(g) // tokens share one buffer per customer: keep only the key
		}
		p.grams[g] = append(l, i)
	}
	if c.Company != "" {
		if norm := textindex.Normalize(c.Company); norm != "" && !p.seen[norm] {
			p.seen[norm] = true
			for _, g := range CompanyTokens(norm) {
				l, ok := p.company[g]
				if !ok {
					g = strings.Clone(g)
				}
				p.company[g] = append(l, norm)
			}
		}
	}
	for _, n := range ix.nums {
		p.nums[n.field] = append(p.nums[n.field], numPosting{n.value, i})
	}
	for _, x := range ix.texts {
		m := p.texts[x.field]
		if m == nil {
			m = map[string][]uint32{}
			p.texts[x.field] = m
		}
		m[x.value] = append(m[x.value], i)
	}
	for _, u := range ix.uniques {
		m := p.uniques[u.field]
		if m == nil {
			m = map[string][]uint32{}
			p.uniques[u.field] = m
		}
		m[u.value] = append(m[u.value], i)
	}
	for _, t := range uniqueInts(c.TagIDs) {
		p.tags[t] = append(p.tags[t], i)
	}
	for _, s := range uniqueInts(c.CollaboratorIDs) {
		p.collabs[s] = append(p.collabs[s], i)
	}
	p.counts[[3]int64{c.ProjectID, int64(c.Status), c.ID % countSlots}]++
}

// order sorts a posting list by customer id (a no-op when ids ascend).
func (p *postings) order(l []uint32) []uint32 {
	if !p.sorted {
		slices.SortFunc(l, func(a, b uint32) int { return cmp.Compare(p.ids[a], p.ids[b]) })
	}
	return l
}

// rowSource yields rows of one table in primary-key order.
type rowSource struct {
	table string
	cols  []string
	n     int64
	each  func(yield func(row []any) bool) // row is reused between calls
}

func (p *postings) sources(tenantID int64) []rowSource {
	var out []rowSource
	gramKeys := sortedKeys(p.grams)
	var ng int64
	for _, l := range p.grams {
		ng += int64(len(l))
	}
	out = append(out, rowSource{"customer_grams", strings.Split(GramColumns, ", "), ng, func(yield func([]any) bool) {
		row := make([]any, gramWidth)
		row[0] = tenantID
		for _, g := range gramKeys {
			row[1] = g
			for _, i := range p.order(p.grams[g]) {
				row[2], row[3], row[4], row[5], row[6], row[7] = p.ids[i], int64(p.status[i]), p.project[i], p.owner[i], p.created[i], p.pool[i]
				if !yield(row) {
					return
				}
			}
		}
	}})
	var nc int64
	for _, l := range p.company {
		nc += int64(len(l))
	}
	out = append(out, rowSource{"value_grams", []string{"tenant_id", "gram", "value"}, nc, func(yield func([]any) bool) {
		row := make([]any, 3)
		row[0] = tenantID
		for _, g := range sortedKeys(p.company) {
			row[1] = g
			l := p.company[g]
			slices.Sort(l)
			for _, v := range l {
				row[2] = v
				if !yield(row) {
					return
				}
			}
		}
	}})
	countKeys := make([][3]int64, 0, len(p.counts))
	for k := range p.counts {
		countKeys = append(countKeys, k)
	}
	slices.SortFunc(countKeys, func(a, b [3]int64) int {
		for i := range a {
			if c := cmp.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	out = append(out, rowSource{"customer_counts", []string{"tenant_id", "project_id", "status", "slot", "n"}, int64(len(countKeys)), func(yield func([]any) bool) {
		for _, k := range countKeys {
			if !yield([]any{tenantID, k[0], k[1], k[2], p.counts[k]}) {
				return
			}
		}
	}})
	fields := sortedKeys(p.nums)
	var nn int64
	for _, l := range p.nums {
		nn += int64(len(l))
	}
	out = append(out, rowSource{"customer_values_num", []string{"tenant_id", "field_id", "value", "customer_id"}, nn, func(yield func([]any) bool) {
		row := make([]any, 4)
		row[0] = tenantID
		for _, f := range fields {
			l := p.nums[f]
			slices.SortFunc(l, func(a, b numPosting) int {
				if c := cmp.Compare(a.v, b.v); c != 0 {
					return c
				}
				return cmp.Compare(p.ids[a.i], p.ids[b.i])
			})
			row[1] = f
			var last *numPosting
			for k := range l {
				e := &l[k]
				if last != nil && last.v == e.v && last.i == e.i {
					continue // a multi-select listing the same option twice
				}
				last = e
				row[2], row[3] = e.v, p.ids[e.i]
				if !yield(row) {
					return
				}
			}
		}
	}})
	textRows := func(table string, m map[int64]map[string][]uint32, dedupe bool) rowSource {
		var n int64
		for _, vm := range m {
			for _, l := range vm {
				n += int64(len(l))
			}
		}
		return rowSource{table, []string{"tenant_id", "field_id", "value", "customer_id"}, n, func(yield func([]any) bool) {
			row := make([]any, 4)
			row[0] = tenantID
			for _, f := range sortedKeys(m) {
				row[1] = f
				vm := m[f]
				for _, v := range sortedKeys(vm) {
					row[2] = v
					last := int64(-1)
					for _, i := range p.order(vm[v]) {
						if dedupe && p.ids[i] == last {
							continue
						}
						last = p.ids[i]
						row[3] = last
						if !yield(row) {
							return
						}
					}
				}
			}
		}}
	}
	out = append(out, textRows("customer_values_text", p.texts, true))
	out = append(out, textRows("customer_unique", p.uniques, false))
	linkRows := func(table, col string, m map[int64][]uint32) rowSource {
		var n int64
		for _, l := range m {
			n += int64(len(l))
		}
		return rowSource{table, []string{"tenant_id", col, "customer_id"}, n, func(yield func([]any) bool) {
			row := make([]any, 3)
			row[0] = tenantID
			for _, k := range sortedKeys(m) {
				row[1] = k
				for _, i := range p.order(m[k]) {
					row[2] = p.ids[i]
					if !yield(row) {
						return
					}
				}
			}
		}}
	}
	out = append(out, linkRows("customer_tags", "tag_id", p.tags), linkRows("customer_collaborators", "staff_id", p.collabs))
	return out
}

// checkUnique reports the first value of a unique field held by two customers.
func (p *postings) checkUnique() error {
	for _, f := range sortedKeys(p.uniques) {
		for _, v := range sortedKeys(p.uniques[f]) {
			if l := p.uniques[f][v]; len(l) > 1 {
				return &model.ConflictError{Field: fieldKey(f), Value: v, ExistingID: p.ids[l[0]]}
			}
		}
	}
	return nil
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
