//go:build !(darwin || dragonfly || freebsd || netbsd || openbsd || aix || linux || solaris || zos)

package cli

import (
	"os"

	"golang.org/x/term"

	"github.com/quantdeck/quantdeck/vault"
)

// readNoEcho reads one line from terminal f with echo off.
func readNoEcho(f *os.File) (vault.Secret, error) {
	b, err := term.ReadPassword(int(f.Fd()))
	return vault.Secret(b), err
}
