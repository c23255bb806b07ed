package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnsequencedUsesPartialIndex: the feed's poll reads the partial index
// of unsequenced events, never every event.
func TestUnsequencedUsesPartialIndex(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "kehu.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := st.Query(ctx, "EXPLAIN QUERY PLAN "+unsequencedSQL(SQLite))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if !strings.Contains(plan.String(), "customer_events_unsequenced") {
		t.Fatalf("plan does not use the partial index:\n%s", plan.String())
	}
}
