// Package platsync is `kehu sync`: it pulls a tenant's customers from
// 达实AIoT, 探马SCRM or Yeastar YCM through the platforms' own open APIs —
// the same wire formats kehu's dialects serve — and writes them through
// crm's bulk path, as imports do.
//
// A platform client (dashi.go, tanma.go, yeastar.go) authenticates as the
// platform's docs say (达实's signed visitor token, 探马's per-request
// sha256 signature, Yeastar's OAuth token with refresh), walks the
// customers page by page and maps each record into a crm.CustomerInput;
// transport.go paces the requests, retries transient failures with
// backoff and turns every failure into a message that names the platform
// and never the credentials. 探马's field catalogue becomes kehu custom
// fields, options, tags and stages; owners and departments are found or
// created by name (org.go).
//
// A run is a job in the imports table (so GET /v1/imports/{id} and its
// report show it) and a checkpoint in the syncs table: every page is
// committed in one transaction with its customers, its report rows, the
// job's counts and the page number, so kill -9 loses at most the page in
// flight and the next run continues after the last committed page. The
// platform's id is kept as the customer's external id, which kehu keeps
// unique, so a page committed twice never makes a customer twice. A lease
// on the syncs row keeps two runs of one source apart.
//
// Incremental runs start from the watermark of the last complete run (or
// --since): 探马 filters by updateTime itself, 达实 records older than the
// watermark by lastModificationTime are counted unchanged, and for every
// platform a record whose content hash equals the last one synced
// (sync_records) is unchanged without being written.
package platsync
