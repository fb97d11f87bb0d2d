package instance

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// LockFile is the lock's name inside the data directory.
const LockFile = "quantdeck.lock"

// ErrRunning means another QuantDeck process holds the data directory. The error returned by
// Acquire is a *RunningError that matches it with errors.Is.
var ErrRunning = errors.New("another QuantDeck process is using this data directory")

// RunningError names the process holding the lock, as far as it wrote itself down.
type RunningError struct {
	Home    string
	PID     int    // 0 when unknown
	Command string // e.g. "quantdeck serve"; "" when unknown
}

func (e *RunningError) Error() string {
	who := "another QuantDeck process"
	switch {
	case e.PID > 0 && e.Command != "":
		who = fmt.Sprintf("another QuantDeck process (pid %d, %s)", e.PID, e.Command)
	case e.PID > 0:
		who = fmt.Sprintf("another QuantDeck process (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is using %s: use it (for `quantdeck serve`: its control socket or SSH), stop it, "+
		"or point QUANTDECK_HOME elsewhere", who, e.Home)
}

// Is makes errors.Is(err, ErrRunning) true.
func (e *RunningError) Is(target error) bool { return target == ErrRunning }

// Lock is the held data-directory lock. The operating system releases it when the process
// ends, however it ends.
type Lock struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// Acquire takes the exclusive lock on home/quantdeck.lock, creating home (0700) and the file
// (0600) when missing. When another process (or another Acquire in this one) holds it, it
// returns a *RunningError (errors.Is(err, ErrRunning)) without waiting.
func Acquire(home string) (*Lock, error) {
	if home == "" {
		return nil, errors.New("instance: no data directory given")
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("instance: creating data directory %s: %w", home, err)
	}
	path := filepath.Join(home, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: opening %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("instance: protecting %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			b, _ := io.ReadAll(io.LimitReader(f, 512))
			pid, cmd := parseHolder(string(b))
			return nil, &RunningError{Home: home, PID: pid, Command: cmd}
		}
		return nil, fmt.Errorf("instance: locking %s: %w", path, err)
	}
	// Write who holds it, for the message another process shows. Only the program name and
	// its command, never further arguments.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(formatHolder(os.Getpid(), holderCommand(os.Args))), 0)
		_ = f.Sync()
	}
	return &Lock{f: f, path: path}, nil
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// Close releases the lock. It is safe to call more than once.
func (l *Lock) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("instance: releasing %s: %w", l.path, err)
	}
	return nil
}

func holderCommand(args []string) string {
	if len(args) == 0 {
		return ""
	}
	cmd := filepath.Base(args[0])
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		cmd += " " + args[1]
	}
	return cmd
}

func formatHolder(pid int, cmd string) string {
	return fmt.Sprintf("%d\n%s\n", pid, cmd)
}

// parseHolder reads what formatHolder wrote; anything else yields zero values. The text comes
// from a file another process wrote, so it is cleaned before it reaches a message.
func parseHolder(s string) (int, string) {
	line, rest, _ := strings.Cut(s, "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, ""
	}
	cmd, _, _ := strings.Cut(rest, "\n")
	cmd = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return -1
		}
		return r
	}, cmd)
	if len(cmd) > 64 {
		cmd = cmd[:64]
	}
	return pid, strings.TrimSpace(cmd)
}
