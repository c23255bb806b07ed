package importer

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// 查重: the match keys, the in-file map of keys already seen and the
// decision per row (create, update, duplicate or failure).

// seenEntry is the first row of the file that had a key, and the customer
// it created or matched.
type seenEntry struct {
	row int64
	id  int64
}

// keyHash identifies a match key in the in-file map: 128 bits of maphash
// over the key's field and value (collisions are beyond reach), so the map
// costs ~40 bytes per distinct key instead of holding the key strings.
type keyHash [2]uint64

// matchFields resolves the dedupe keys; the external id and fields marked
// unique always count, since the database refuses their duplicates anyway.
func (r *run) matchFields() error {
	cat := r.bulk.Catalog
	by := r.o.DedupeBy
	if by == nil {
		by = append([]string(nil), crm.DefaultDedupeKeys...)
		if r.plan.idCol >= 0 {
			by = append([]string{crm.ByID}, by...)
		}
	}
	have := map[int64]bool{}
	for _, name := range by {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f, err := crm.MatchField(cat, name)
		if err != nil {
			return model.Invalid("dedupeBy", "cannot deduplicate on %q: use id, phone, email, idNumber, externalId or the key of a field marked unique", name)
		}
		if !have[f.ID] {
			have[f.ID] = true
			r.fields = append(r.fields, f)
		}
	}
	for _, f := range cat.List() {
		if crm.Enforced(cat, &f) && !have[f.ID] {
			have[f.ID] = true
			r.fields = append(r.fields, cat.Fields[f.ID])
		}
	}
	for _, f := range r.fields {
		if crm.Enforced(cat, f) {
			r.enforced[f.ID] = true
		}
	}
	return nil
}

func (r *run) keyHash(k crm.Key) keyHash {
	var h keyHash
	for i, seed := range r.seeds {
		var mh maphash.Hash
		mh.SetSeed(seed)
		mh.WriteString(k.By)
		mh.WriteByte(0)
		mh.WriteString(k.Value)
		h[i] = mh.Sum64()
	}
	return h
}

// decide matches a chunk against the rows before it and the store and
// turns each row into a create, an update, a duplicate or a failure.
func (r *run) decide(ctx context.Context, chunk []*item) (*batch, error) {
	mode := r.o.OnDuplicate
	need := map[int64]map[string]bool{}
	for _, it := range chunk {
		for _, k := range it.keys {
			if _, ok := r.seen[r.keyHash(k)]; ok {
				continue
			}
			if mode == Create && !r.enforced[k.Field] {
				continue
			}
			if need[k.Field] == nil {
				need[k.Field] = map[string]bool{}
			}
			need[k.Field][k.Value] = true
		}
	}
	found := map[int64]map[string][]int64{}
	for _, f := range r.fields {
		vals := need[f.ID]
		if len(vals) == 0 || r.storeEmpty {
			continue
		}
		list := make([]string, 0, len(vals))
		for v := range vals {
			list = append(list, v)
		}
		m, err := r.bulk.FindMany(ctx, f, list)
		if err != nil {
			return nil, err
		}
		found[f.ID] = m
	}
	b := &batch{rows: int64(len(chunk))}
	for _, it := range chunk {
		if it.err != nil && !rowFault(it.err) {
			// The database or the disk failed, not the row: reporting every
			// row as bad and exiting 0 would hide it.
			return nil, fmt.Errorf("row %d: %w", it.row, it.err)
		}
		if it.err != nil {
			b.issues = append(b.issues, r.issue(it, KindFailed, r.reason(it), it.column, 0))
			continue
		}
		m := r.match(it, found)
		switch {
		case len(m.ids) > 0 && mode == Skip:
			b.issues = append(b.issues, r.issue(it, KindDuplicate, m.describe(), r.colOf[m.key.By], m.ids[0]))
			r.remember(it, m.row(it), m.ids[0])
			continue
		case len(m.ids) > 1 && mode == Update:
			b.issues = append(b.issues, r.issue(it, KindFailed, m.describe()+"，无法确定更新哪一位", r.colOf[m.key.By], m.ids[0]))
			continue
		case len(m.ids) == 1 && mode == Update:
			b.updates = append(b.updates, &op{it: it, updateID: m.ids[0]})
			r.remember(it, m.row(it), m.ids[0])
			continue
		case len(m.ids) > 0: // create: a unique value already taken
			reason := fmt.Sprintf("%s 是唯一值，已属于客户 %d", keyZh(m.key.By, m.key.Value), m.ids[0])
			if m.fileRow != 0 {
				reason = fmt.Sprintf("%s 是唯一值，第 %d 行已使用", keyZh(m.key.By, m.key.Value), m.fileRow)
			}
			b.issues = append(b.issues, r.issue(it, KindFailed, reason, r.colOf[m.key.By], m.ids[0]))
			continue
		}
		if it.needName {
			b.issues = append(b.issues, r.issue(it, KindFailed, r.nameRequired(), r.colOf["name"], 0))
			continue
		}
		if err := r.bulk.CheckCreate(it.c); err != nil {
			b.issues = append(b.issues, r.issue(it, KindFailed, err.Error(), "", 0))
			continue
		}
		if r.o.DryRun {
			it.c.ID = -it.row // nothing is written: an id that names the row, and is never reported
		} else {
			it.c.ID = idgen.Next()
		}
		b.creates = append(b.creates, &op{it: it, create: it.c})
		r.remember(it, it.row, it.c.ID)
	}
	return b, nil
}

// matched is what a row's keys found: the customers (earlier rows of the
// file first, then the store, without repeats) and the first key that hit.
type matched struct {
	ids     []int64
	key     crm.Key
	fileRow int64 // the earlier row of the file the first hit came from, 0 if the store
}

func (m *matched) row(it *item) int64 {
	if m.fileRow != 0 {
		return m.fileRow
	}
	return it.row
}

func (m *matched) describe() string {
	key := keyZh(m.key.By, m.key.Value)
	switch {
	case len(m.ids) > 1:
		names := make([]string, len(m.ids))
		for i, id := range m.ids {
			names[i] = fmt.Sprintf("客户 %d", id)
			if id < 0 { // a row a dry run would create
				names[i] = fmt.Sprintf("第 %d 行", -id)
			}
		}
		return fmt.Sprintf("与多位客户重复（%s）：%s", key, strings.Join(names, "、"))
	case m.fileRow != 0:
		return fmt.Sprintf("与第 %d 行重复（%s）", m.fileRow, key)
	}
	return fmt.Sprintf("与客户 %d 重复（%s）", m.ids[0], key)
}

// match looks a row's keys up in the earlier rows of the file and in the
// store lookups of its chunk. In create mode only keys the database keeps
// unique count.
func (r *run) match(it *item, found map[int64]map[string][]int64) matched {
	var m matched
	add := func(k crm.Key, ids []int64, fileRow int64) {
		for _, id := range ids {
			dup := false
			for _, x := range m.ids {
				dup = dup || x == id
			}
			if dup {
				continue
			}
			if len(m.ids) == 0 {
				m.key, m.fileRow = k, fileRow
			}
			m.ids = append(m.ids, id)
		}
	}
	for _, k := range it.keys {
		if r.o.OnDuplicate == Create && !r.enforced[k.Field] {
			continue
		}
		if e, ok := r.seen[r.keyHash(k)]; ok {
			add(k, []int64{e.id}, e.row)
			continue
		}
		add(k, found[k.Field][k.Value], 0)
	}
	return m
}

func (r *run) nameRequired() string {
	if h := r.colOf["name"]; h != "" {
		return h + "：必填"
	}
	return "姓名：必填（没有识别出姓名列）"
}

// remember records a row's keys for the rows after it; the first row with a
// key keeps it.
func (r *run) remember(it *item, row, id int64) {
	for _, k := range it.keys {
		kh := r.keyHash(k)
		if _, ok := r.seen[kh]; !ok {
			r.seen[kh] = seenEntry{row: row, id: id}
		}
	}
}
