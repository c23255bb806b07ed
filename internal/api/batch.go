package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Batch upsert limits.
const (
	MaxBatchRecords = 1000
	maxBatchBody    = 16 << 20
	// IdempotencyTTL is how long a stored response answers retries.
	IdempotencyTTL = 24 * time.Hour
	maxKeyLen      = 255
)

// batchIn is the body of POST /v1/customers/batch.
type batchIn struct {
	Records []batchRecord `json:"records"`
}

type batchRecord struct {
	Match    *batchMatch     `json:"match"`
	Customer json.RawMessage `json:"customer"`
}

type batchMatch struct {
	By    string          `json:"by"`
	Value json.RawMessage `json:"value"`
}

// batchResult is one item of the response, in request order.
type batchResult struct {
	Index  int           `json:"index"`
	Status string        `json:"status"` // created, updated, unchanged, failed
	ID     int64         `json:"id,omitempty"`
	Error  *batchProblem `json:"error,omitempty"`
}

type batchProblem struct {
	Code       string `json:"code"`
	Field      string `json:"field,omitempty"`
	Detail     string `json:"detail"`
	ExistingID int64  `json:"existingId,omitempty"`
}

type batchOut struct {
	Results   []batchResult `json:"results"`
	Created   int           `json:"created"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Failed    int           `json:"failed"`
}

// errKeyRace: another request with the same Idempotency-Key committed first.
var errKeyRace = errors.New("idempotency key used concurrently")

// batchCustomers: POST /v1/customers/batch. Each record is matched (by id,
// externalId, phone, email, idNumber or a unique field; the value defaults
// to the record's own) and updated, or created when nothing matches (or no
// match is given). One transaction holds all records; each record runs in a
// savepoint, so a failed record (validation, a unique value taken, several
// customers matching) is reported in its result and the others still
// commit. The answer is 200 with one result per record, in order.
//
// With an Idempotency-Key header the response is stored in the same
// transaction as the writes; a retry with the same key and body within 24 h
// gets the stored response byte for byte and writes nothing; the same key
// with another body is 422.
func (h *Handler) batchCustomers(w http.ResponseWriter, r *http.Request) error {
	cl := callerOf(r.Context()).client
	body, err := httpx.ReadBody(r, maxBatchBody)
	if err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	var hash string
	if key != "" {
		if len(key) > maxKeyLen {
			return problem(400, "invalid", "Idempotency-Key", "the Idempotency-Key header is longer than 255 characters")
		}
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
		hash = hex.EncodeToString(sum[:])
		if done, err := h.replay(w, r, cl, key, hash); done || err != nil {
			return err
		}
	}
	var in batchIn
	if err := httpx.DecodeJSON(body, &in); err != nil {
		return err
	}
	if in.Records == nil {
		return &model.FieldError{Field: "records", Code: "required", Msg: "is required: an array of {\"match\":…,\"customer\":{…}}"}
	}
	if len(in.Records) == 0 || len(in.Records) > MaxBatchRecords {
		return problem(400, "out_of_range", "records", fmt.Sprintf("send 1 to %d records, not %d", MaxBatchRecords, len(in.Records)))
	}
	bulk, err := h.Svc.NewBulk(r.Context(), whoOf(r))
	if err != nil {
		return err
	}
	var out []byte
	err = bulk.InTx(r.Context(), func(tx *store.Tx) error {
		res := batchOut{Results: make([]batchResult, len(in.Records))}
		for i := range in.Records {
			item, err := h.batchItem(r.Context(), tx, bulk, &in.Records[i], i)
			if err != nil {
				return err
			}
			res.Results[i] = item
			switch item.Status {
			case "created":
				res.Created++
			case "updated":
				res.Updated++
			case "unchanged":
				res.Unchanged++
			default:
				res.Failed++
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			return err
		}
		out = buf.Bytes()
		if key == "" {
			return nil
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		if rand.IntN(64) == 0 {
			if err := tx.PurgeIdempotentResponses(r.Context(), cl.TenantID, cl.ClientID, now.Add(-IdempotencyTTL)); err != nil {
				return err
			}
		}
		err := tx.SaveIdempotentResponse(r.Context(), cl.TenantID, cl.ClientID, key,
			&store.IdempotentResponse{RequestHash: hash, Status: 200, Body: out, CreatedAt: now}, now.Add(-IdempotencyTTL))
		if errors.Is(err, model.ErrConflict) {
			return errKeyRace
		}
		return err
	})
	if errors.Is(err, errKeyRace) {
		if done, err := h.replay(w, r, cl, key, hash); done || err != nil {
			return err
		}
		return problem(409, "idempotency_conflict", "Idempotency-Key", "another request with this Idempotency-Key is in progress; retry later")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(200)
	_, _ = w.Write(out)
	return nil
}

// replay answers a request whose Idempotency-Key already has a stored
// response: that response when the body is the same, 422 when it differs.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request, cl *model.Client, key, hash string) (bool, error) {
	rec, err := h.Store.IdempotentResponse(r.Context(), cl.TenantID, cl.ClientID, key, time.Now().Add(-IdempotencyTTL))
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if rec.RequestHash != hash {
		return true, problem(422, "idempotency_key_reused", "Idempotency-Key",
			"this Idempotency-Key was used for a different request body in the last 24 hours; use a new key for a new request")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
	return true, nil
}

// batchItem processes one record inside the batch transaction. Client
// mistakes become a failed result; other errors abort the batch.
func (h *Handler) batchItem(ctx context.Context, tx *store.Tx, bulk *crm.Bulk, rec *batchRecord, i int) (batchResult, error) {
	res := batchResult{Index: i}
	var id int64
	status := ""
	err := func() error {
		if len(bytes.TrimSpace(rec.Customer)) == 0 || string(bytes.TrimSpace(rec.Customer)) == "null" {
			return &model.FieldError{Field: "customer", Code: "required", Msg: "is required"}
		}
		var in crm.CustomerInput
		if err := httpx.DecodeJSON(rec.Customer, &in); err != nil {
			var br *httpx.BadRequest
			if errors.As(err, &br) && br.Field != "" {
				br.Field = "customer." + br.Field
			}
			return err
		}
		var m *crm.Match
		if rec.Match != nil {
			m = &crm.Match{By: rec.Match.By, Value: rec.Match.Value}
		}
		var err error
		id, status, err = bulk.Upsert(ctx, tx, m, &in)
		return err
	}()
	if err == nil {
		res.ID, res.Status = id, status
		return res, nil
	}
	var amb *crm.AmbiguousError
	if errors.As(err, &amb) {
		res.Status = "failed"
		res.Error = &batchProblem{Code: "ambiguous_match", Field: "match", ExistingID: amb.IDs[0], Detail: amb.Error()}
		return res, nil
	}
	if key := rec.Match; key != nil && key.By == crm.ByID && errors.Is(err, model.ErrNotFound) && id == 0 {
		res.Status = "failed"
		res.Error = &batchProblem{Code: "not_found", Field: "match.value", Detail: "no customer with this id"}
		return res, nil
	}
	code, p := toProblem(err)
	if code >= 500 || code == 499 {
		return res, err
	}
	res.Status = "failed"
	res.ID = id
	res.Error = &batchProblem{Code: p.Code, Field: p.Field, Detail: p.Detail, ExistingID: p.ExistingID}
	if res.Error.ExistingID == 0 && id != 0 {
		res.Error.ExistingID = id
	}
	return res, nil
}

// setFieldUnique: PUT /v1/fields/{id}/unique {"unique":true|false} marks a
// system field (phone, email, idNumber, externalId) unique for the tenant.
// From then on the database refuses a second customer with the same value
// through every API and every import. Marking fails with 409 naming the
// value and the customers holding it when existing data already has
// duplicates. Custom fields are made unique when they are created.
func (h *Handler) setFieldUnique(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decode[struct {
		Unique *bool `json:"unique"`
	}](r)
	if err != nil {
		return err
	}
	if in.Unique == nil {
		return &model.FieldError{Field: "unique", Code: "required", Msg: "is required: true or false"}
	}
	cl := callerOf(r.Context()).client
	if cl.ProjectID != 0 {
		return problem(403, "project_forbidden", "", "a project-bound client cannot change tenant-wide field settings")
	}
	cat, err := h.Store.LoadCatalog(r.Context(), cl.TenantID)
	if err != nil {
		return err
	}
	f := cat.Fields[id]
	if f == nil {
		return model.ErrNotFound
	}
	if !f.System {
		if f.Unique == *in.Unique {
			httpx.WriteJSON(w, 200, f)
			return nil
		}
		return model.Invalid("unique", "a custom field's uniqueness is set when it is created (POST /v1/fields with \"unique\": true)")
	}
	switch f.ID {
	case model.FieldPhone, model.FieldEmail, model.FieldIDNumber, model.FieldExternalID:
	default:
		return model.Invalid("unique", "only phone, email, idNumber and externalId can be marked unique")
	}
	err = h.Store.SetSystemFieldUnique(r.Context(), cl.TenantID, id, *in.Unique)
	var ce *model.ConflictError
	if errors.As(err, &ce) {
		p := problem(409, "duplicate_values", f.Key, "")
		ids, _ := h.Svc.Holders(r.Context(), whoOf(r), f, ce.Value)
		if len(ids) > 0 {
			p.p.ExistingID = ids[0]
			p.p.Detail = fmt.Sprintf("cannot mark %s unique: %q is held by customers %s; fix or merge them first", f.Key, ce.Value, crm.DescribeIDs(ids))
		} else {
			p.p.Detail = fmt.Sprintf("cannot mark %s unique: %q is held by several customers; fix or merge them first", f.Key, ce.Value)
		}
		p.cause = err
		return p
	}
	if err != nil {
		return err
	}
	cat, err = h.Store.LoadCatalog(r.Context(), cl.TenantID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, cat.Fields[id])
	return nil
}
