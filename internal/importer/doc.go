// Package importer loads customers from CSV and XLSX files — `kehu import`
// and POST /v1/imports — with 查重 (deduplication) and an error report.
//
// A Source yields rows one at a time (CSV: UTF-8 with or without a BOM, or
// GB18030 when the bytes are not UTF-8; XLSX: excelize's streaming Rows());
// the header row is recognised by name (columns.go: Chinese and English
// headers of system fields, custom fields by key or label, a mapping file
// first). Each row becomes a crm.CustomerInput that crm.Bulk validates and
// coerces exactly as the APIs do; nothing here validates values itself.
//
// The runner is a pipeline of three goroutines: one parses and validates
// rows in chunks, one matches each chunk (earlier rows of the file through
// an in-memory map of normalised keys, the store through one IN (…) query
// per key per chunk) and decides create / update / duplicate / failure, and
// one writes each chunk in a single transaction — multi-row inserts, the
// updates, the report rows and the job's progress together — so a crash
// leaves whole chunks only and the job's counts match the data. An import
// into a database without customers runs as one atomic store.Load instead
// (load.go).
//
// The exporter (internal/exporter) writes the same headers and value forms
// (ExportHeaders, FormatSystem, FormatCustom), so an export imports back.
package importer
