package sshd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExposed means a file QuantDeck's SSH server trusts (authorized_keys, the host key) or its
// directory can be read or changed by other users, or belongs to someone else.
var ErrExposed = errors.New("file is not private to this user")

// checkPrivateFile refuses a file that other users could read or write, or that another user
// owns: whoever can read the host key can impersonate the server, and whoever can write
// authorized_keys can let themselves in.
func checkPrivateFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sshd: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("sshd: %s is not a regular file: %w", path, ErrExposed)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("sshd: %s has mode %04o: %w; run `chmod 600 %s`", path, perm, ErrExposed, path)
	}
	if !ownedByMe(fi) {
		return fmt.Errorf("sshd: %s belongs to another user: %w", path, ErrExposed)
	}
	return nil
}

// ensurePrivateDir creates the data directory (0700) when missing and refuses one that other
// users may write to, since they could then replace authorized_keys.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sshd: creating data directory %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("sshd: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("sshd: data directory %s has mode %04o: %w; run `chmod 700 %s`", dir, perm, ErrExposed, dir)
	}
	if !ownedByMe(fi) {
		return fmt.Errorf("sshd: data directory %s belongs to another user: %w", dir, ErrExposed)
	}
	return nil
}

// createExclusive writes data to path (0600) only when path does not exist yet. It writes a
// temporary file first and links it into place, so a crash never leaves a half-written file
// and a concurrent creator never gets overwritten. created is false when path already existed.
func createExclusive(path string, data []byte) (created bool, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return false, fmt.Errorf("sshd: creating %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, fmt.Errorf("sshd: creating %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("sshd: writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("sshd: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("sshd: writing %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("sshd: creating %s: %w", path, err)
	}
	return true, nil
}
