//go:build !unix

package vault

// DisableCoreDumps does nothing on systems without core dump limits.
func DisableCoreDumps() error { return nil }
