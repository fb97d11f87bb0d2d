//go:build linux

package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ttySession drives the binary on a pseudo-terminal, like a user typing.
type ttySession struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	more chan struct{} // signalled on every read
	done chan struct{} // closed when the reader stops
	from int           // transcript offset already matched
}

func startTTY(t *testing.T, home string, env []string, args ...string) *ttySession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, quantdeckBin, args...)
	cmd.Dir = filepath.Dir(home)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(home), "TERM=dumb",
		"QUANTDECK_HOME=" + home, "QUANTDECK_KDF_ITERATIONS=600000",
	}, env...)
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("starting on a pty: %v", err)
	}
	s := &ttySession{t: t, pty: f, cmd: cmd, more: make(chan struct{}, 1), done: make(chan struct{})}
	go s.read()
	t.Cleanup(func() {
		// Killing the program closes the terminal's other end, which ends the reader.
		_ = cmd.Process.Kill()
		<-s.done
		f.Close()
	})
	return s
}

func (s *ttySession) read() {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		n, err := s.pty.Read(buf)
		if n > 0 {
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			select {
			case s.more <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

func (s *ttySession) transcript() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// expect waits until want appears after what was matched before.
func (s *ttySession) expect(want string) {
	s.t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		all := s.transcript()
		if i := strings.Index(all[s.from:], want); i >= 0 {
			s.from += i + len(want)
			return
		}
		select {
		case <-s.more:
		case <-s.done:
			if strings.Contains(s.transcript()[s.from:], want) {
				continue
			}
			s.t.Fatalf("program ended without %q; transcript:\n%s", want, s.transcript())
		case <-deadline.C:
			s.t.Fatalf("no %q after 20s; transcript:\n%s", want, s.transcript())
		}
	}
}

func (s *ttySession) send(line string) {
	s.t.Helper()
	if _, err := s.pty.Write([]byte(line + "\n")); err != nil {
		s.t.Fatal(err)
	}
}

// sendSecret waits until the program has turned echo off, as a typist would only start after
// the prompt, then types line. It fails if echo stays on: a secret would show on screen.
func (s *ttySession) sendSecret(line string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tio, err := unix.IoctlGetTermios(int(s.pty.Fd()), unix.TCGETS)
		if err != nil {
			s.t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("echo still on when a secret is asked for; transcript:\n%s", s.transcript())
		}
		time.Sleep(time.Millisecond) // polling the terminal mode, bounded by the deadline
	}
	s.send(line)
}

func (s *ttySession) wait() int {
	s.t.Helper()
	err := s.cmd.Wait()
	<-s.done
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return 0
}

// On a terminal: the first key asks for the new passphrase twice (re-asking when the entries
// differ), then key and secret, none of it echoed; remove asks for the passphrase (retrying a
// wrong one) and for confirmation.
func TestKeysOnATerminal(t *testing.T) {
	home := newHome(t)
	const key, secret = "TTYKEY0000000000000001", "TTYSECRET0000000000001"
	s := startTTY(t, home, nil, "keys", "add", "--label", "main")
	s.expect("New vault passphrase (at least 12 characters): ")
	s.sendSecret("too short")
	s.expect("passphrase too short")
	s.expect("New vault passphrase")
	s.sendSecret(pass1)
	s.expect("Repeat it: ")
	s.sendSecret(pass1 + "x")
	s.expect("The two entries differ")
	s.expect("New vault passphrase")
	s.sendSecret(pass1)
	s.expect("Repeat it: ")
	s.sendSecret(pass1)
	s.expect("API key: ")
	s.sendSecret(key)
	s.expect("API secret: ")
	s.sendSecret(secret)
	s.expect(`Stored key "main" for sim`)
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; transcript:\n%s", code, s.transcript())
	}
	first := s.transcript()

	s = startTTY(t, home, nil, "keys", "remove", "--label", "main")
	s.expect("Vault passphrase: ")
	s.sendSecret("a wrong passphrase")
	s.expect("Wrong passphrase; try again.")
	s.expect("waiting 500ms after 1 wrong passphrase(s)")
	s.expect("Vault passphrase: ")
	s.sendSecret(pass1)
	s.expect(`Remove key "main" (sim, 1 version(s)) from the vault? [y/N] `)
	s.send("y")
	s.expect(`Removed key "main"`)
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; transcript:\n%s", code, s.transcript())
	}
	assertNowhere(t, home, []cliResult{{stdout: first}, {stdout: s.transcript()}}, key, secret, pass1)
}
