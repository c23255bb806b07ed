package store

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/store/sqlite"
)

// The SQLite loader: rows go through the driver's own statement interface
// (no database/sql conversion per value), in multi-row INSERTs.

type sqliteLoader struct {
	conn    driver.Conn
	stmts   map[string]driver.Stmt
	inTx    bool
	atomic  bool // one transaction, through a journal (LoadOptions.Atomic)
	cacheMB int
	sync    string // the store's synchronous setting, restored after the load
	noWAL   bool   // journal_mode OFF (or DELETE, atomic) for the load of a fresh database
}

func (l *sqliteLoader) open(ctx context.Context, dc any, fresh bool) error {
	c, ok := dc.(driver.Conn)
	if !ok {
		return fmt.Errorf("unexpected driver connection %T", dc)
	}
	l.conn, l.stmts = c, map[string]driver.Stmt{}
	// Durability is pointless halfway through a bench load: it either
	// finishes (and checkpoints) or the database is thrown away. An atomic
	// load (an import) must survive a power cut: FULL, which a rollback
	// journal needs for that. A large cache lets the index sorts run in
	// memory.
	sync := "OFF"
	if l.atomic {
		sync = "FULL"
	}
	for _, p := range []string{"PRAGMA foreign_keys = OFF", "PRAGMA synchronous = " + sync, "PRAGMA cache_size = -" + strconv.Itoa(l.cacheMB<<10),
		"PRAGMA wal_autocheckpoint = 0"} {
		if err := l.exec(ctx, p); err != nil {
			return err
		}
	}
	if fresh {
		// A database without customers has little to protect: without the
		// WAL every page is written once instead of to the WAL and then
		// again by the checkpoint. An atomic load keeps a rollback journal,
		// which holds only the pages that existed before the load (new
		// pages need no undo), so it costs next to nothing and a killed
		// load rolls back.
		mode := "off"
		if l.atomic {
			mode = "delete"
		}
		// (SQLite answers SQLITE_BUSY while another connection, such as a
		// running `kehu serve`, has the database open: the load keeps WAL.)
		rows, err := l.queryStrings(ctx, "PRAGMA journal_mode = "+mode)
		l.noWAL = err == nil && len(rows) == 1 && strings.EqualFold(rows[0][0], mode)
	}
	return l.exec(ctx, "BEGIN IMMEDIATE")
}

func (l *sqliteLoader) exec(ctx context.Context, q string, args ...driver.NamedValue) error {
	ex, ok := l.conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("driver cannot exec")
	}
	if _, err := ex.ExecContext(ctx, q, args); err != nil {
		return fmt.Errorf("%s: %w", firstLine(q), err)
	}
	switch {
	case strings.HasPrefix(q, "BEGIN"):
		l.inTx = true
	case q == "COMMIT" || q == "ROLLBACK":
		l.inTx = false
	}
	return nil
}

func firstLine(q string) string {
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		q = q[:i]
	}
	if len(q) > 80 {
		q = q[:80] + "…"
	}
	return q
}

// exists reports whether q returns a row.
func (l *sqliteLoader) exists(ctx context.Context, q string, args ...any) (bool, error) {
	rows, err := l.queryStrings(ctx, q, args...)
	return len(rows) > 0, err
}

func (l *sqliteLoader) queryStrings(ctx context.Context, q string, args ...any) ([][]string, error) {
	qc, ok := l.conn.(driver.QueryerContext)
	if !ok {
		return nil, fmt.Errorf("driver cannot query")
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: driverValue(a)}
	}
	rows, err := qc.QueryContext(ctx, q, named)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	dest := make([]driver.Value, len(rows.Columns()))
	for {
		if err := rows.Next(dest); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		row := make([]string, len(dest))
		for i, v := range dest {
			switch x := v.(type) {
			case string:
				row[i] = x
			case []byte:
				row[i] = string(x)
			case int64:
				row[i] = strconv.FormatInt(x, 10)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func (l *sqliteLoader) dropIndexes(ctx context.Context) ([]string, error) {
	rows, err := l.queryStrings(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('`+
		strings.Join(loadTables, "', '")+`') ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	var ddl []string
	for _, r := range rows {
		if err := l.exec(ctx, `DROP INDEX "`+r[0]+`"`); err != nil {
			return nil, err
		}
		ddl = append(ddl, r[1])
	}
	return ddl, nil
}

func (l *sqliteLoader) stmt(ctx context.Context, q string) (driver.Stmt, error) {
	pc, ok := l.conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver cannot prepare")
	}
	return pc.PrepareContext(ctx, q)
}

// insert writes rows (all of the same width) with multi-row statements.
func (l *sqliteLoader) insert(ctx context.Context, table string, cols []string, rows [][]any, args *[]driver.NamedValue) error {
	width := len(cols)
	per := max(1, min(500, maxBindVars/width))
	colKey := table + "(" + strings.Join(cols, ",") + ")"
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		key := colKey + strconv.Itoa(len(chunk))
		st := l.stmts[key]
		if st == nil {
			var err error
			if st, err = l.stmt(ctx, multiInsert(table, cols, len(chunk))); err != nil {
				return err
			}
			l.stmts[key] = st
		}
		a := (*args)[:0]
		for _, r := range chunk {
			for _, v := range r {
				a = append(a, driver.NamedValue{Ordinal: len(a) + 1, Value: driverValue(v)})
			}
		}
		*args = a
		if _, err := st.(driver.StmtExecContext).ExecContext(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// loadConflict is what a load's insert does when the row exists: a load
// that flushes its postings more than once meets its own company tokens and
// counters again.
var loadConflict = map[string]string{
	"value_grams":     " ON CONFLICT DO NOTHING",
	"customer_counts": " ON CONFLICT (tenant_id, project_id, status, slot) DO UPDATE SET n = customer_counts.n + excluded.n",
	"imports": " ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, options = excluded.options, total_rows = excluded.total_rows," +
		" processed = excluded.processed, created = excluded.created, updated = excluded.updated, skipped = excluded.skipped," +
		" failed = excluded.failed, error = excluded.error, updated_at = excluded.updated_at",
}

func multiInsert(table string, cols []string, rows int) string {
	one := "(" + placeholders(len(cols)) + ")"
	var b strings.Builder
	b.Grow(32 + len(table) + 16*len(cols) + rows*(len(one)+2))
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	b.WriteString(loadConflict[table])
	return b.String()
}

// driverValue converts the few Go types the store passes as arguments.
func driverValue(v any) driver.Value {
	switch x := v.(type) {
	case nil, int64, float64, string, []byte, bool, time.Time:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	}
	dv, err := driver.DefaultParameterConverter.ConvertValue(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return dv
}

func loadCustomerCols() []string { return strings.Split(insertColumns, ", ") }

var eventCols = []string{"tenant_id", "id", "project_id", "customer_id", "kind", "data", "created_at"}

func (l *sqliteLoader) customers(ctx context.Context, batches <-chan *loadBatch, writePostings func(*postings) error) error {
	cols := loadCustomerCols()
	defaults, err := l.columnDefaults(ctx, "customers")
	if err != nil {
		return err
	}
	// Most customers leave most of the 60-odd columns empty; binding a
	// value costs more than SQLite filling in the column default, so each
	// batch lists only the columns some row of it sets.
	dflt := make([]driver.Value, len(cols))
	omittable := make([]bool, len(cols))
	for j, c := range cols {
		dflt[j], omittable[j] = defaults[c]
	}
	var args []driver.NamedValue
	var projected [][]any
	mask := make([]byte, len(cols))
	done := 0
	for b := range batches {
		if b.post != nil {
			if err := writePostings(b.post); err != nil {
				return err
			}
		}
		for j := range cols {
			mask[j] = '1'
			if omittable[j] {
				mask[j] = '0'
				for _, r := range b.cust {
					if v := driverValue(r[j]); v != dflt[j] {
						mask[j] = '1'
						break
					}
				}
			}
		}
		var keep []string
		var idx []int
		for j, c := range cols {
			if mask[j] == '1' {
				keep, idx = append(keep, c), append(idx, j)
			}
		}
		projected = projected[:0]
		for _, r := range b.cust {
			p := make([]any, len(idx))
			for k, j := range idx {
				p[k] = r[j]
			}
			projected = append(projected, p)
		}
		if err := l.insert(ctx, "customers", keep, projected, &args); err != nil {
			return err
		}
		if err := l.insert(ctx, "customer_events", eventCols, b.events, &args); err != nil {
			return err
		}
		for _, x := range b.extra {
			if err := l.insert(ctx, x.table, x.cols, x.rows, &args); err != nil {
				return err
			}
		}
		// Commit now and then so the WAL does not grow without bound
		// (the checkpoint at the end moves it into the database).
		if done += len(b.cust); done >= 100_000 {
			done = 0
			if err := l.commitBegin(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// columnDefaults reads which columns of table SQLite fills in by itself
// and with what: NULL for nullable columns without a default, or a
// literal '…' string or integer default.
func (l *sqliteLoader) columnDefaults(ctx context.Context, table string) (map[string]driver.Value, error) {
	rows, err := l.queryStrings(ctx, `SELECT name, "notnull", COALESCE(dflt_value, ''), dflt_value IS NULL FROM pragma_table_info('`+table+`')`)
	if err != nil {
		return nil, err
	}
	out := map[string]driver.Value{}
	for _, r := range rows {
		name, notNull, d, isNull := r[0], r[1] == "1", r[2], r[3] == "1"
		switch {
		case isNull && !notNull:
			out[name] = nil
		case isNull:
		case len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' && !strings.Contains(d[1:len(d)-1], "'"):
			out[name] = d[1 : len(d)-1]
		default:
			if n, err := strconv.ParseInt(d, 10, 64); err == nil {
				out[name] = n
			}
		}
	}
	return out, nil
}

func (l *sqliteLoader) commitBegin(ctx context.Context) error {
	if l.noWAL || l.atomic {
		return nil // no WAL to bound, or all or nothing: one transaction
	}
	if err := l.exec(ctx, "COMMIT"); err != nil {
		return err
	}
	if err := l.exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	return l.exec(ctx, "BEGIN IMMEDIATE")
}

func (l *sqliteLoader) rows(ctx context.Context, src rowSource) error {
	const chunk = 4096
	buf := make([][]any, 0, chunk)
	store := make([]any, 0, chunk*len(src.cols))
	var args []driver.NamedValue
	var err error
	written := 0
	flush := func() bool {
		if err = l.insert(ctx, src.table, src.cols, buf, &args); err != nil {
			return false
		}
		written += len(buf)
		buf, store = buf[:0], store[:0]
		if written >= 2_000_000 {
			written = 0
			if err = l.commitBegin(ctx); err != nil {
				return false
			}
		}
		return true
	}
	src.each(func(row []any) bool {
		start := len(store)
		store = append(store, row...)
		buf = append(buf, store[start:len(store):len(store)])
		if len(buf) == chunk {
			return flush()
		}
		return true
	})
	if err != nil {
		return err
	}
	if len(buf) > 0 {
		flush()
	}
	return err
}

func (l *sqliteLoader) buildIndexes(ctx context.Context, ddl []string) error {
	for _, q := range ddl {
		if err := l.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (l *sqliteLoader) finish(ctx context.Context) error {
	if err := l.exec(ctx, "COMMIT"); err != nil {
		return err
	}
	if l.noWAL {
		rows, err := l.queryStrings(ctx, "PRAGMA journal_mode = WAL")
		if err != nil {
			return err
		}
		if (len(rows) != 1 || !strings.EqualFold(rows[0][0], "wal")) && !l.atomic {
			// (An atomic load has committed by now; the next connection
			// of the pool switches the database back to WAL.)
			return fmt.Errorf("could not switch back to WAL: %v", rows)
		}
		l.noWAL = false
		return nil
	}
	err := l.exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	if l.atomic {
		// Committed: a checkpoint held up by readers is left to the
		// next writer's automatic one, not reported as a failed load.
		return nil
	}
	return err
}

func (l *sqliteLoader) close(ctx context.Context) {
	for _, st := range l.stmts {
		st.Close()
	}
	if l.inTx {
		_ = l.exec(ctx, "ROLLBACK")
	}
	// Back to the settings of sqlite.Open for whoever uses the connection next.
	if l.noWAL {
		_, _ = l.queryStrings(ctx, "PRAGMA journal_mode = WAL")
	}
	for _, p := range []string{"PRAGMA foreign_keys = ON", "PRAGMA synchronous = " + strings.ToUpper(cmp.Or(l.sync, sqlite.SyncNormal)), "PRAGMA cache_size = -16384",
		"PRAGMA wal_autocheckpoint = 1000"} {
		_ = l.exec(ctx, p)
	}
}
