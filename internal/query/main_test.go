package query_test

import (
	"testing"

	"github.com/kehu/kehu/internal/pgtest"
)

// TestMain stops the private PostgreSQL cluster the tests of this package
// start. It is the only TestMain of package query's test binary.
func TestMain(m *testing.M) { pgtest.Main(m) }
