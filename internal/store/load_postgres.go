package store

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/kehu/kehu/internal/store/postgres"
)

// The PostgreSQL loader: rows go through COPY on the driver's connection.
// What is loaded and how (the tables, the SQL, the order) is the store's;
// the COPY protocol itself is the driver package's (postgres.Conn).

type pgLoader struct {
	conn *postgres.Conn
}

func (l *pgLoader) open(ctx context.Context, dc any, _ bool) error {
	var err error
	if l.conn, err = postgres.RawConn(dc); err != nil {
		return err
	}
	for _, q := range []string{"SET synchronous_commit = off", "SET maintenance_work_mem = '512MB'"} {
		if err := l.conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) dropIndexes(ctx context.Context) ([]string, error) {
	tables := "'" + strings.Join(loadTables, "', '") + "'"
	// Foreign keys and the side tables' primary keys (customers keeps its
	// own: ids arrive in ascending order, so it is an append), then plain
	// indexes.
	rows, err := l.conn.QueryStrings(ctx, `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype::text
		FROM pg_constraint WHERE conrelid::regclass::text IN (`+tables+`) AND (contype = 'f' OR (contype = 'p' AND conrelid::regclass::text <> 'customers'))
		ORDER BY contype DESC, conname`)
	if err != nil {
		return nil, err
	}
	type con struct{ table, name, def, typ string }
	var cons []con
	for _, r := range rows {
		cons = append(cons, con{r[0], r[1], r[2], r[3]})
	}
	rows, err = l.conn.QueryStrings(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename IN (`+tables+`)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
		ORDER BY i.indexname`)
	if err != nil {
		return nil, err
	}
	type idx struct{ name, def string }
	var idxs []idx
	for _, r := range rows {
		idxs = append(idxs, idx{r[0], r[1]})
	}
	var restore []string
	for _, c := range cons {
		if err := l.conn.Exec(ctx, `ALTER TABLE `+postgres.Ident(c.table)+` DROP CONSTRAINT `+postgres.Ident(c.name)); err != nil {
			return nil, err
		}
	}
	for _, x := range idxs {
		if err := l.conn.Exec(ctx, `DROP INDEX `+postgres.Ident(x.name)); err != nil {
			return nil, err
		}
		restore = append(restore, x.def)
	}
	// Primary keys before foreign keys (which need the referenced keys).
	for _, typ := range []string{"p", "f"} {
		for _, c := range cons {
			if c.typ == typ {
				restore = append(restore, `ALTER TABLE `+postgres.Ident(c.table)+` ADD CONSTRAINT `+postgres.Ident(c.name)+` `+c.def)
			}
		}
	}
	return restore, nil
}

func (l *pgLoader) customers(ctx context.Context, batches <-chan *loadBatch, _ func(*postings) error) error {
	// Customers and their events go through two COPYs; events are kept
	// aside (small rows) and copied after.
	var events [][]any
	var extra []extraRows
	var cur *loadBatch
	k := 0
	src := func() ([]any, error) {
		for cur == nil || k == len(cur.cust) {
			b, ok := <-batches
			if !ok {
				return nil, nil
			}
			cur, k = b, 0
			events = append(events, b.events...)
			extra = append(extra, b.extra...)
		}
		row := cur.cust[k]
		k++
		return row, nil
	}
	if err := l.conn.CopyFrom(ctx, "customers", loadCustomerCols(), src); err != nil {
		return err
	}
	if err := l.conn.CopyRows(ctx, "customer_events", eventCols, events); err != nil {
		return err
	}
	for _, x := range extra {
		if loadConflict[x.table] != "" {
			return fmt.Errorf("loads into PostgreSQL cannot update %s", x.table)
		}
		if err := l.conn.CopyRows(ctx, x.table, x.cols, x.rows); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) rows(ctx context.Context, src rowSource) error {
	next, stop := iter.Pull(iter.Seq[[]any](src.each))
	defer stop()
	return l.conn.CopyFrom(ctx, src.table, src.cols, func() ([]any, error) {
		row, ok := next()
		if !ok {
			return nil, nil
		}
		return row, nil
	})
}

func (l *pgLoader) buildIndexes(ctx context.Context, ddl []string) error {
	for _, q := range ddl {
		if err := l.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	return nil
}

func (l *pgLoader) finish(ctx context.Context) error {
	// Statistics for the planner and the visibility map for index-only
	// scans, as autovacuum would eventually provide.
	for _, t := range loadTables {
		if err := l.conn.Exec(ctx, `VACUUM ANALYZE `+postgres.Ident(t)); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) close(ctx context.Context) {
	_ = l.conn.Exec(ctx, "RESET synchronous_commit")
	_ = l.conn.Exec(ctx, "RESET maintenance_work_mem")
}
