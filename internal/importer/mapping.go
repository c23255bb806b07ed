package importer

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// target is what one file column writes: a system column or a custom field.
type target struct {
	header string
	col    *Column
	field  *model.Field
}

func (t *target) key() string {
	if t.col != nil {
		return t.col.Key
	}
	return t.field.Key
}

// plan maps a file's columns (by index) to targets.
type plan struct {
	headers []string
	targets []*target // nil: column ignored
	ignored []string  // headers not imported, with the reason
	idCol   int       // index of the 客户ID column, -1 if none
}

// Ignore is the mapping value that skips a column.
const Ignore = "-"

// LoadMapping reads a mapping file: a JSON object from header to field key,
// e.g. {"客户手机":"phone","会员等级":"level","内部编号":"-"} ("-" or ""
// skips a column).
func LoadMapping(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseMapping(b)
}

// ParseMapping decodes a mapping JSON object.
func ParseMapping(b []byte) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("mapping: want a JSON object of \"header\": \"fieldKey\": %v", err)
	}
	return m, nil
}

var keySuffix = regexp.MustCompile(`^(.*)\(([a-z_][a-z0-9_]*)\)$`)

// resolveHeader finds what a header means, in this order: the mapping file,
// a system column's key or export label, a custom field's key or label,
// "label (key)" as export writes colliding labels, then the Chinese and
// English aliases of system columns.
func resolveHeader(h string, mapping map[string]string, cat *store.Catalog, customByNorm map[string]*model.Field) (*target, string) {
	if to, ok := lookupMapping(mapping, h); ok {
		to = strings.TrimSpace(to)
		if to == "" || to == Ignore {
			return nil, "skipped by the mapping"
		}
		if c := columnByKey[to]; c != nil {
			return &target{header: h, col: c}, ""
		}
		if f := cat.Field(to); f != nil && !f.System {
			return &target{header: h, field: f}, ""
		}
		if c := strongHeaders[NormHeader(to)]; c != nil {
			return &target{header: h, col: c}, ""
		}
		return nil, fmt.Sprintf("the mapping names %q, which is no field", to)
	}
	n := NormHeader(h)
	if n == "" {
		return nil, "empty header"
	}
	if c := strongHeaders[n]; c != nil {
		return &target{header: h, col: c}, ""
	}
	if f := customByNorm[n]; f != nil {
		return &target{header: h, field: f}, ""
	}
	if m := keySuffix.FindStringSubmatch(n); m != nil {
		for _, f := range cat.Fields {
			if !f.System && strings.ToLower(f.Key) == m[2] {
				return &target{header: h, field: f}, ""
			}
		}
	}
	if c := aliasHeaders[n]; c != nil {
		return &target{header: h, col: c}, ""
	}
	return nil, "not recognised"
}

func lookupMapping(m map[string]string, h string) (string, bool) {
	if m == nil {
		return "", false
	}
	if v, ok := m[h]; ok {
		return v, true
	}
	if v, ok := m[strings.TrimSpace(h)]; ok {
		return v, true
	}
	n := NormHeader(h)
	for k, v := range m {
		if NormHeader(k) == n {
			return v, true
		}
	}
	return "", false
}

// newPlan maps a header row. A second phone column feeds the extra phones;
// other repeated targets keep the first column.
func newPlan(headers []string, mapping map[string]string, cat *store.Catalog) *plan {
	customByNorm := map[string]*model.Field{}
	for _, f := range cat.List() {
		if f.System {
			continue
		}
		fc := cat.Fields[f.ID]
		customByNorm[NormHeader(f.Key)] = fc
		if n := NormHeader(f.Label); customByNorm[n] == nil {
			customByNorm[n] = fc
		}
	}
	p := &plan{headers: headers, targets: make([]*target, len(headers)), idCol: -1}
	used := map[string]bool{}
	for i, h := range headers {
		t, why := resolveHeader(h, mapping, cat, customByNorm)
		if t == nil {
			if strings.TrimSpace(h) != "" {
				p.ignored = append(p.ignored, h+" ("+why+")")
			}
			continue
		}
		k := t.key()
		if t.col != nil && t.col.ReadOnly {
			p.ignored = append(p.ignored, h+" (read-only: "+t.col.Key+")")
			continue
		}
		if used[k] {
			if k == "phone" || k == "phones" {
				t = &target{header: h, col: columnByKey["phones"]}
				k = "phones"
			} else {
				p.ignored = append(p.ignored, h+" (another column already maps to "+k+")")
				continue
			}
		}
		used[k] = true
		p.targets[i] = t
		if k == "id" {
			p.idCol = i
		}
	}
	return p
}

// score is how many distinct fields a candidate header row names (extra
// phone columns do not count).
func (p *plan) score() int {
	keys := map[string]bool{}
	for _, t := range p.targets {
		if t != nil && t.key() != "phones" {
			keys[t.key()] = true
		}
	}
	return len(keys)
}

// columns describes the mapping for the summary: header → field key.
func (p *plan) columns() map[string]string {
	m := map[string]string{}
	for _, t := range p.targets {
		if t != nil {
			m[t.header] = t.key()
		}
	}
	return m
}
