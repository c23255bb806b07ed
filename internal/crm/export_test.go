package crm

// SetNewID replaces how new customers' ids are drawn until the returned
// restore runs (tests of id clashes between nodes).
func SetNewID(f func() int64) (restore func()) {
	old := newID
	newID = f
	return func() { newID = old }
}
