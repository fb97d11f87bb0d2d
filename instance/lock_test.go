package instance

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestAcquireIsExclusiveAndReleased(t *testing.T) {
	home := filepath.Join(t.TempDir(), "data")
	l, err := Acquire(home)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{home: 0o700, l.Path(): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
	_, err = Acquire(home)
	var re *RunningError
	if !errors.Is(err, ErrRunning) || !errors.As(err, &re) {
		t.Fatalf("second Acquire: %v, want ErrRunning", err)
	}
	if re.PID != os.Getpid() || re.Command == "" || re.Home != home {
		t.Errorf("holder %+v, want pid %d with a command", re, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(os.Getpid())) || !strings.Contains(msg, "QUANTDECK_HOME") {
		t.Errorf("message %q should name the pid and the way out", msg)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	l2, err := Acquire(home)
	if err != nil {
		t.Fatalf("Acquire after Close: %v", err)
	}
	l2.Close()
}

// The helper process holds the lock until its stdin closes.
func TestHelperHoldLock(t *testing.T) {
	home := os.Getenv("QUANTDECK_TEST_LOCK_HOME")
	if home == "" {
		return // only meaningful as a subprocess of TestAcquireAcrossProcesses
	}
	l, err := Acquire(home)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("locked")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	l.Close()
	os.Exit(0)
}

func TestAcquireAcrossProcesses(t *testing.T) {
	for _, end := range []string{"close", "kill"} {
		t.Run(end, func(t *testing.T) {
			home := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
			cmd.Env = append(os.Environ(), "QUANTDECK_TEST_LOCK_HOME="+home)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "locked" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("helper said %q, %v", line, err)
			}
			_, err = Acquire(home)
			var re *RunningError
			if !errors.As(err, &re) || !errors.Is(err, ErrRunning) {
				t.Fatalf("Acquire while another process holds it: %v", err)
			}
			if re.PID != cmd.Process.Pid {
				t.Errorf("holder pid %d, want %d", re.PID, cmd.Process.Pid)
			}
			if end == "kill" {
				cmd.Process.Signal(syscall.SIGKILL)
			} else {
				stdin.Close()
			}
			_ = cmd.Wait()
			l, err := Acquire(home)
			if err != nil {
				t.Fatalf("Acquire after the holder ended (%s): %v", end, err)
			}
			l.Close()
		})
	}
}

func TestParseHolder(t *testing.T) {
	cases := []struct {
		in      string
		pid     int
		command string
	}{
		{formatHolder(42, "quantdeck serve"), 42, "quantdeck serve"},
		{"", 0, ""},
		{"x\nquantdeck", 0, ""},
		{"-5\nquantdeck", 0, ""},
		{"7\n\x1b[31mred\x07\n", 7, "[31mred"},
		{"9\n" + strings.Repeat("a", 100), 9, strings.Repeat("a", 64)},
	}
	for _, c := range cases {
		pid, cmd := parseHolder(c.in)
		if pid != c.pid || cmd != c.command {
			t.Errorf("parseHolder(%q) = %d, %q; want %d, %q", c.in, pid, cmd, c.pid, c.command)
		}
	}
	if got := holderCommand([]string{"/usr/bin/quantdeck", "serve", "--passphrase-file", "/x"}); got != "quantdeck serve" {
		t.Errorf("holderCommand = %q", got)
	}
	if got := holderCommand([]string{"/usr/bin/quantdeck", "--flag"}); got != "quantdeck" {
		t.Errorf("holderCommand = %q", got)
	}
}

func FuzzParseHolder(f *testing.F) {
	f.Add(formatHolder(1, "quantdeck serve"))
	f.Add("12345\n\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		pid, cmd := parseHolder(s)
		if pid < 0 || len(cmd) > 64 {
			t.Fatalf("parseHolder(%q) = %d, %q", s, pid, cmd)
		}
		for _, r := range cmd {
			if r < 0x20 || r > 0x7e {
				t.Fatalf("control or non-ASCII character kept: %q", cmd)
			}
		}
	})
}
