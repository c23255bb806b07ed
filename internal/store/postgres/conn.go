package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Conn is the pgx connection under one database/sql connection
// (sql.Conn.Raw), for the two things database/sql cannot do: COPY (the bulk
// loader) and waiting for notifications (the change feed's LISTEN). The
// store keeps the SQL and what it means; this is only the protocol, so the
// store needs no pgx of its own.
type Conn struct{ c *pgx.Conn }

// RawConn unwraps the driver connection sql.Conn.Raw hands over.
func RawConn(driverConn any) (*Conn, error) {
	c, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return nil, fmt.Errorf("postgres: unexpected driver connection %T", driverConn)
	}
	return &Conn{c: c.Conn()}, nil
}

// Exec runs one statement without arguments.
func (c *Conn) Exec(ctx context.Context, sql string) error {
	_, err := c.c.Exec(ctx, sql)
	return err
}

// QueryStrings runs a query whose columns are all text and returns its rows.
func (c *Conn) QueryStrings(ctx context.Context, sql string) ([][]string, error) {
	rows, err := c.c.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		row := make([]string, len(rows.FieldDescriptions()))
		dest := make([]any, len(row))
		for i := range row {
			dest[i] = &row[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// CopyFrom streams rows into table's cols through COPY; next returns the
// next row, or nil at the end.
func (c *Conn) CopyFrom(ctx context.Context, table string, cols []string, next func() ([]any, error)) error {
	_, err := c.c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(next))
	return err
}

// CopyRows is CopyFrom of rows held in memory.
func (c *Conn) CopyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	_, err := c.c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return err
}

// WaitForNotification blocks until a notification arrives on a channel the
// connection LISTENs to, or ctx ends.
func (c *Conn) WaitForNotification(ctx context.Context) error {
	_, err := c.c.WaitForNotification(ctx)
	return err
}

// Ident quotes name as an SQL identifier.
func Ident(name string) string { return pgx.Identifier{name}.Sanitize() }
