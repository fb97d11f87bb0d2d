//go:build darwin || dragonfly || freebsd || netbsd || openbsd || aix || linux || solaris || zos

package cli

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/quantdeck/quantdeck/vault"
)

// readNoEcho reads one line from terminal f with echo off, as term.ReadPassword does, but
// through readLine: term.ReadPassword collects the line by appending, and every array it
// outgrows is left in memory holding the first characters of the passphrase; readLine clears
// each one it outgrows.
func readNoEcho(f *os.File) (vault.Secret, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, fmt.Errorf("reading the terminal mode: %w", err)
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
		return nil, fmt.Errorf("turning echo off: %w", err)
	}
	defer unix.IoctlSetTermios(fd, ioctlSetTermios, old) //nolint:errcheck // best effort, as term.ReadPassword
	return readLine(f)
}
