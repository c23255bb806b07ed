// Package query runs kehu's condition language (internal/cond) against the
// store.
//
// The stages follow PocketBase's model: cond.ParseString / cond.ParseJSON
// (pure syntax, no knowledge of fields) → Resolve (every field looked up in
// the tenant's catalogue, values coerced by type, unknown field or bad
// operator = error) → plan (which index drives the query) → Compile (resolved
// tree → SQL with bound parameters for SQLite or PostgreSQL) → execution.
// Nothing a client typed ever reaches SQL text.
package query
