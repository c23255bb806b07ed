// Package model holds kehu's domain types — tenants, projects, API clients,
// customers and their catalogue (fields, tags, staff, departments, stages) —
// and the sentinel errors every layer speaks. It has no behaviour beyond
// small helpers, so the store, the business rules and all four APIs can share
// it without import cycles.
package model
