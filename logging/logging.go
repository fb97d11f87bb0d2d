// Package logging owns QuantDeck's log file: JSON lines in quantdeck.log inside QUANTDECK_HOME,
// readable by the owner only, written through a handler that redacts anything that looks like
// a secret before it reaches the file.
package logging

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// FileName is the log's name inside the data directory.
const FileName = "quantdeck.log"

// Open appends JSON log lines to quantdeck.log in home (created 0700 and 0600 when missing; an
// existing log others can read is narrowed to 0600). Close the returned io.Closer on exit.
func Open(home string) (*slog.Logger, io.Closer, error) {
	return OpenLevel(home, slog.LevelInfo)
}

// OpenLevel is Open with a minimum level.
func OpenLevel(home string, level slog.Leveler) (*slog.Logger, io.Closer, error) {
	if home == "" {
		return nil, nil, errors.New("logging: no data directory given")
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, nil, fmt.Errorf("logging: creating %s: %w", home, err)
	}
	path := filepath.Join(home, FileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("logging: opening %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("logging: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("logging: %s is not a regular file: %w", path, fs.ErrInvalid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("logging: %s is readable by others and could not be fixed: %w; run `chmod 600 %s`", path, err, path)
		}
	}
	h := NewRedactingHandler(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: level}))
	return slog.New(h), f, nil
}
