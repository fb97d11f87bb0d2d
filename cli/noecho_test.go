//go:build linux

package cli

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// readNoEcho turns echo off for the read only, returns the typed line whatever its length, and
// nothing typed reaches the screen.
func TestReadNoEcho(t *testing.T) {
	for _, typed := range []string{"a passphrase", strings.Repeat("long passphrase ", 20)} {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Fatal(err)
		}
		echoOn := func() bool {
			tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			return tio.Lflag&unix.ECHO != 0
		}
		if !echoOn() {
			t.Fatal("a new terminal starts with echo off")
		}
		type result struct {
			line string
			err  error
		}
		done := make(chan result, 1)
		go func() {
			b, err := readNoEcho(tty)
			done <- result{string(b), err}
		}()
		deadline := time.Now().Add(10 * time.Second)
		for echoOn() {
			if time.Now().After(deadline) {
				t.Fatal("echo never turned off")
			}
			time.Sleep(time.Millisecond) // polling the terminal mode, bounded by the deadline
		}
		if _, err := ptmx.Write([]byte(typed + "\n")); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.err != nil || r.line != typed {
			t.Fatalf("read %q, %v; want %q", r.line, r.err, typed)
		}
		if !echoOn() {
			t.Error("echo not restored after the read")
		}
		tty.Close() // the screen side now ends after whatever the terminal showed
		shown, _ := io.ReadAll(ptmx)
		ptmx.Close()
		if strings.Contains(string(shown), "passphrase") {
			t.Errorf("the terminal showed %q", shown)
		}
	}
}
