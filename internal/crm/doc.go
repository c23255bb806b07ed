// Package crm holds kehu's business rules, once, below the four APIs: how a
// customer is created, patched and deleted, how every value is validated and
// coerced (system fields and custom fields by their catalogue type), and how
// searches reach the query engine. The native API and the three platform
// dialects only translate their wire formats into these calls.
package crm
