package vault

import "golang.org/x/sys/unix"

// dontDump keeps the page out of core dumps even if dumps are enabled again later.
func dontDump(mem []byte) { _ = unix.Madvise(mem, unix.MADV_DONTDUMP) }
