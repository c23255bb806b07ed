package store

import (
	"context"
	"database/sql"
)

// RecycleDateSQL exposes the date rule's candidate statement to the plan
// test (package store_test, which runs on both databases).
var RecycleDateSQL = recycleDateSQL

// RecycleDateProbe is its second statement.
var RecycleDateProbe = recycleDateProbe

// Query reads inside the transaction (the plan test's EXPLAIN after a SET
// LOCAL on PostgreSQL).
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.query(ctx, q, args...)
}

// GramScopeEachSQL is updateGramScopesEach's statement for width tokens.
func GramScopeEachSQL(width int) string { return gramScopeEachSQL[width] }
