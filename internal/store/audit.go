package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/kehu/kehu/internal/model"
)

// AuditWriter is what can append to the audit log: the Store (its own
// transaction) or a Tx (the audited change's transaction, so the record
// commits or rolls back with it).
type AuditWriter interface {
	AppendAudit(ctx context.Context, e *model.AuditEntry) error
}

const auditInsert = `INSERT INTO audit_log (tenant_id, id, at, actor_kind, actor_id, actor_name, via, action, target_kind, target_id, details, addr)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func auditArgs(e *model.AuditEntry) []any {
	return []any{e.TenantID, e.ID, model.Millis(e.At), e.ActorKind, e.ActorID, e.ActorName, string(e.Via), e.Action,
		e.TargetKind, e.TargetID, string(e.Details), e.Addr}
}

// AppendAudit appends an entry in its own transaction.
func (s *Store) AppendAudit(ctx context.Context, e *model.AuditEntry) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.AppendAudit(ctx, e) })
}

// AppendAudit appends an entry in this transaction.
func (t *Tx) AppendAudit(ctx context.Context, e *model.AuditEntry) error {
	if _, err := t.exec(ctx, auditInsert, auditArgs(e)...); err != nil {
		return fmt.Errorf("store: append audit entry: %w", err)
	}
	return nil
}

// AuditEntries lists a tenant's audit entries newest first.
func (s *Store) AuditEntries(ctx context.Context, tenantID int64, f model.AuditFilter) ([]model.AuditEntry, error) {
	var where strings.Builder
	args := []any{tenantID}
	where.WriteString("tenant_id = ?")
	add := func(cond string, v any) {
		where.WriteString(" AND " + cond)
		args = append(args, v)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if a, ok := strings.CutSuffix(f.Action, "."); ok {
		// A prefix: the range [a., a/) holds every action under it ('/' follows '.').
		add("action >= ?", a+".")
		add("action < ?", a+"/")
	} else if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Target != "" {
		add("target_id = ?", f.Target)
	}
	if !f.From.IsZero() {
		add("at >= ?", model.Millis(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", model.Millis(f.To))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT id, at, actor_kind, actor_id, actor_name, via, action, target_kind, target_id, details, addr
		FROM audit_log WHERE `+where.String()+` ORDER BY id DESC LIMIT `+fmt.Sprint(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit entries: %w", err)
	}
	defer rows.Close()
	var out []model.AuditEntry
	for rows.Next() {
		e := model.AuditEntry{TenantID: tenantID}
		var at int64
		var via, details string
		if err := rows.Scan(&e.ID, &at, &e.ActorKind, &e.ActorID, &e.ActorName, &via, &e.Action, &e.TargetKind, &e.TargetID, &details, &e.Addr); err != nil {
			return nil, fmt.Errorf("store: audit entries: %w", err)
		}
		e.At, e.Via = model.FromMillis(at), model.Via(via)
		if details != "" {
			e.Details = []byte(details)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
