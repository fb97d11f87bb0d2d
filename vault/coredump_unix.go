//go:build unix && !linux

package vault

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// DisableCoreDumps keeps key material out of core files by dropping the core size limit to
// zero. Call it once at start.
func DisableCoreDumps() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("vault: disabling core dumps: %w", err)
	}
	return nil
}
