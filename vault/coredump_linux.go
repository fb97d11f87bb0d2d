package vault

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// DisableCoreDumps keeps key material out of core files: the core size limit drops to zero and
// the process is marked non-dumpable (which also keeps other same-user processes from attaching
// to it with ptrace). Call it once at start.
func DisableCoreDumps() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("vault: disabling core dumps: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("vault: marking the process non-dumpable: %w", err)
	}
	return nil
}
