//go:build unix

package vault

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// newKeyPage maps one anonymous private page and locks it into memory. When the system refuses
// the lock (RLIMIT_MEMLOCK of 0 in some containers) the page is still used, unlocked, and the
// returned error says so for the log.
func newKeyPage() (*keyPage, error) {
	size := max(os.Getpagesize(), numSlots*fernetKeyLen)
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return &keyPage{mem: make([]byte, numSlots*fernetKeyLen)}, fmt.Errorf("vault: mapping the key buffer: %w", err)
	}
	p := &keyPage{mem: mem[:numSlots*fernetKeyLen], unmap: func() error {
		clear(mem)
		_ = unix.Munlock(mem)
		return unix.Munmap(mem)
	}}
	dontDump(mem)
	if err := unix.Mlock(mem); err != nil {
		return p, fmt.Errorf("vault: locking the key buffer in memory (it may be swapped out): %w", err)
	}
	p.locked = true
	return p, nil
}
