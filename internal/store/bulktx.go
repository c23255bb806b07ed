package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/kehu/kehu/internal/model"
)

// InBulkTx is InTx for a batch of new customers of one tenant (an import
// in batches). On SQLite it runs with foreign keys off, having checked the
// tenant row once: customers.tenant_id is the only foreign key of the
// tables a batch writes, and tenants are never deleted. With the key on,
// SQLite cannot tell that a multi-row INSERT will not fail halfway on it,
// so each statement keeps a journal of every page it touches to undo
// itself (subjournalPage, a tenth of a live import's CPU at a million
// customers); a single check per transaction proves the same. InsertCustomers
// refuses customers of another tenant in such a transaction. The
// connection gets its foreign keys back before the pool hands it to the
// next writer, or is closed. PostgreSQL (no such journal) runs InTx with
// the same checks.
func (s *Store) InBulkTx(ctx context.Context, tenantID int64, fn func(tx *Tx) error) error {
	inTenant := func(tx *Tx) error {
		var one int
		switch err := tx.queryRow(ctx, `SELECT 1 FROM tenants WHERE id = ?`, tenantID).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: bulk transaction: tenant %d: %w", tenantID, model.ErrNotFound)
		case err != nil:
			return fmt.Errorf("store: bulk transaction: %w", s.translate(err))
		}
		tx.bulkTenant = tenantID
		return fn(tx)
	}
	if s.dialect != SQLite {
		return s.InTx(ctx, inTenant)
	}
	defer forgetVersions(ctx)
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: bulk transaction: %w", s.translate(err))
	}
	// PRAGMA foreign_keys is a no-op inside a transaction: it is set on the
	// connection before BEGIN and restored after COMMIT or ROLLBACK.
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		conn.Close()
		return fmt.Errorf("store: bulk transaction: %w", s.translate(err))
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); err != nil {
			// Never hand the pool a connection without its foreign keys.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	err = s.runTx(ctx, conn.BeginTx, inTenant)
	s.noteWrite(err)
	return err
}
