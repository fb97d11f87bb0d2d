//go:build unix && !linux

package vault

// dontDump does nothing where madvise has no "leave out of core dumps" advice; DisableCoreDumps
// covers it.
func dontDump([]byte) {}
