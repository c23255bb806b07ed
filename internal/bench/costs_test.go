package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/pgtest"
)

// TestCosts runs kehu bench --costs small on a real PostgreSQL: every
// number of the report is there and plausible (DISTRIBUTED.md's are from
// the same code at 1M customers).
func TestCosts(t *testing.T) {
	rep, err := Costs(context.Background(), CostsConfig{N: 3000, DB: pgtest.NewDatabase(t), Seed: 1, Writes: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	PrintCosts(&out, rep)
	t.Log("\n" + out.String())
	if rep.TotalPerCustomer < 500 || rep.IndexPerCustomer <= 0 || rep.HeapPerCustomer <= 0 {
		t.Errorf("bytes per customer: heap %.0f, indexes %.0f", rep.HeapPerCustomer, rep.IndexPerCustomer)
	}
	byTable := map[string]TableCost{}
	for _, tc := range rep.Tables {
		byTable[tc.Table] = tc
	}
	if c := byTable["customers"]; c.Rows != 3000 || c.Indexes < 3 {
		t.Errorf("customers: %+v", c)
	}
	if g := byTable["customer_grams"]; g.RowsPerCustomer < 2 {
		t.Errorf("customer_grams: %+v", g)
	}
	for _, w := range []WriteCost{rep.Create, rep.Update} {
		if w.Writes != 100 || w.WALSteady <= 0 || w.WALAfterCkpt <= 0 || w.RowsWritten < 2 || w.IndexEntries <= 0 || w.MillisecondsP50 <= 0 {
			t.Errorf("write costs: %+v", w)
		}
	}
	if rep.Create.GrowthBytes <= 0 {
		t.Errorf("a create grew the database by %.0f B", rep.Create.GrowthBytes)
	}
	if len(rep.Counts) < 6 || rep.Counts[0].Total != 3100 || !strings.Contains(out.String(), "exact count") {
		t.Errorf("counts: %+v", rep.Counts)
	}
	for _, c := range rep.Counts {
		if c.Total < 0 || c.Ms <= 0 {
			t.Errorf("count %s: %+v", c.Name, c)
		}
	}
}
