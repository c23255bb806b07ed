package importer

// SetLoadFlushEvery makes loads flush their index rows every n customers
// (so a small file exercises several flushes) until restore is called.
func SetLoadFlushEvery(n int) (restore func()) {
	prev := loadFlushEvery
	loadFlushEvery = n
	return func() { loadFlushEvery = prev }
}
