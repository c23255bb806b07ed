package importer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// Reading: rows of the file become validated customers and match keys.

// read parses, converts and validates rows, in chunks of BatchSize.
func (r *run) read(ctx context.Context, src Source, out chan<- []*item) error {
	chunk := make([]*item, 0, r.o.BatchSize)
	send := func() error {
		if len(chunk) == 0 {
			return nil
		}
		select {
		case out <- chunk:
		case <-ctx.Done():
			return ctx.Err()
		}
		chunk = make([]*item, 0, r.o.BatchSize)
		return nil
	}
	next := func() ([]string, int64, error) {
		if len(r.pending) > 0 {
			b := r.pending[0]
			r.pending = r.pending[1:]
			return b.cells, b.row, nil
		}
		return src.Next()
	}
	for {
		cells, row, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if emptyRow(cells) {
			continue
		}
		chunk = append(chunk, r.prepare(ctx, cells, row))
		if len(chunk) == r.o.BatchSize {
			if err := send(); err != nil {
				return err
			}
		}
	}
	return send()
}

// prepare turns a row into a validated customer and its match keys.
func (r *run) prepare(ctx context.Context, cells []string, row int64) *item {
	it := &item{row: row, cells: cells}
	cat := r.bulk.Catalog
	in := &crm.CustomerInput{}
	var fileID int64
	for i, t := range r.plan.targets {
		if t == nil || i >= len(cells) {
			continue
		}
		cell := strings.TrimSpace(cells[i])
		if cell == "" {
			continue
		}
		if t.field != nil {
			if in.Fields == nil {
				in.Fields = map[string]json.RawMessage{}
			}
			in.Fields[t.field.Key] = customValue(t.field, cell)
			continue
		}
		if t.col.Key == "id" {
			n, err := strconv.ParseInt(cell, 10, 64)
			if err != nil || n <= 0 {
				it.err, it.column = model.Invalid("id", "%q is not a customer id", cell), t.header
				return it
			}
			fileID = n
			continue
		}
		if err := setSystem(t.col, cell, in, cat, r.refs, r.bulk.Service().Region); err != nil {
			// setSystem only reads the cell and the loaded references: its
			// errors are the cell's.
			var fe *model.FieldError
			if !errors.As(err, &fe) {
				err = model.Invalid(t.col.Key, "%s", err)
			}
			it.err, it.column = err, t.header
			return it
		}
	}
	if r.o.ProjectID != 0 && in.ProjectID == nil {
		in.ProjectID = &r.o.ProjectID
	}
	it.in = in
	c, err := r.bulk.Prepare(ctx, in)
	if err != nil && crm.IsNameRequired(err) && r.o.OnDuplicate != Create {
		c, err = r.bulk.Normalize(ctx, in)
		it.needName = true
	}
	if err != nil {
		it.err = err
		if !rowFault(err) {
			return it
		}
		var fe *model.FieldError
		var pe *crm.ProjectError
		switch {
		case errors.As(err, &fe):
			it.column = r.columnOf(fe.Field)
		case errors.As(err, &pe):
			it.column = r.colOf["projectId"]
		}
		return it
	}
	c.ID = fileID
	it.keys = crm.KeysOf(c, r.fields)
	c.ID = 0
	it.c = c
	return it
}

// columnOf is the header of the column a crm field name ("phone",
// "phones[1]", "fields.level") came from.
func (r *run) columnOf(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return r.colOf[field]
}
