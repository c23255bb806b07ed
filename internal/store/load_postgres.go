package store

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL loader: rows go through COPY on the pgx connection.

type pgLoader struct {
	conn *pgx.Conn
}

func (l *pgLoader) open(ctx context.Context, dc any, _ bool) error {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return fmt.Errorf("unexpected driver connection %T", dc)
	}
	l.conn = c.Conn()
	for _, q := range []string{"SET synchronous_commit = off", "SET maintenance_work_mem = '512MB'"} {
		if _, err := l.conn.Exec(ctx, q); err != nil {
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
	rows, err := l.conn.Query(ctx, `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype::text
		FROM pg_constraint WHERE conrelid::regclass::text IN (`+tables+`) AND (contype = 'f' OR (contype = 'p' AND conrelid::regclass::text <> 'customers'))
		ORDER BY contype DESC, conname`)
	if err != nil {
		return nil, err
	}
	type con struct{ table, name, def, typ string }
	var cons []con
	for rows.Next() {
		var c con
		if err := rows.Scan(&c.table, &c.name, &c.def, &c.typ); err != nil {
			rows.Close()
			return nil, err
		}
		cons = append(cons, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = l.conn.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename IN (`+tables+`)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
		ORDER BY i.indexname`)
	if err != nil {
		return nil, err
	}
	type idx struct{ name, def string }
	var idxs []idx
	for rows.Next() {
		var x idx
		if err := rows.Scan(&x.name, &x.def); err != nil {
			rows.Close()
			return nil, err
		}
		idxs = append(idxs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var restore []string
	for _, c := range cons {
		if _, err := l.conn.Exec(ctx, `ALTER TABLE `+pgx.Identifier{c.table}.Sanitize()+` DROP CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	for _, x := range idxs {
		if _, err := l.conn.Exec(ctx, `DROP INDEX `+pgx.Identifier{x.name}.Sanitize()); err != nil {
			return nil, err
		}
		restore = append(restore, x.def)
	}
	// Primary keys before foreign keys (which need the referenced keys).
	for _, typ := range []string{"p", "f"} {
		for _, c := range cons {
			if c.typ == typ {
				restore = append(restore, `ALTER TABLE `+pgx.Identifier{c.table}.Sanitize()+` ADD CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()+` `+c.def)
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
	src := pgx.CopyFromFunc(func() ([]any, error) {
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
	})
	if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{"customers"}, loadCustomerCols(), src); err != nil {
		return err
	}
	if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{"customer_events"}, eventCols, pgx.CopyFromRows(events)); err != nil {
		return err
	}
	for _, x := range extra {
		if loadConflict[x.table] != "" {
			return fmt.Errorf("loads into PostgreSQL cannot update %s", x.table)
		}
		if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{x.table}, x.cols, pgx.CopyFromRows(x.rows)); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) rows(ctx context.Context, src rowSource) error {
	next, stop := iter.Pull(iter.Seq[[]any](src.each))
	defer stop()
	_, err := l.conn.CopyFrom(ctx, pgx.Identifier{src.table}, src.cols, pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := next()
		if !ok {
			return nil, nil
		}
		return row, nil
	}))
	return err
}

func (l *pgLoader) buildIndexes(ctx context.Context, ddl []string) error {
	for _, q := range ddl {
		if _, err := l.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	return nil
}

func (l *pgLoader) finish(ctx context.Context) error {
	// Statistics for the planner and the visibility map for index-only
	// scans, as autovacuum would eventually provide.
	for _, t := range loadTables {
		if _, err := l.conn.Exec(ctx, `VACUUM ANALYZE `+pgx.Identifier{t}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) close(ctx context.Context) {
	_, _ = l.conn.Exec(ctx, "RESET synchronous_commit")
	_, _ = l.conn.Exec(ctx, "RESET maintenance_work_mem")
}
