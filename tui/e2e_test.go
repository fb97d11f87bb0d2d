package tui

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
)

// screen collects everything the program writes to its terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// text is the output from byte offset from on, without escape sequences.
func (s *screen) text(from int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buf.Bytes()
	if from > len(b) {
		from = len(b)
	}
	return ansi.Strip(string(b[from:]))
}

func (s *screen) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Len()
}

// waitFor polls the output written since from until it matches, up to a deadline.
func (s *screen) waitFor(t *testing.T, from int, what string, match func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if out := s.text(from); match(out) {
			return out
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not synchronisation
	}
	t.Fatalf("the cockpit never showed %s; the screen since then:\n%s", what, tail(s.text(from), 3000))
	return ""
}

func (s *screen) waitText(t *testing.T, from int, text string) {
	t.Helper()
	s.waitFor(t, from, "«"+text+"»", func(out string) bool { return strings.Contains(out, text) })
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// answerer replies to the queries a terminal emulator answers (background colour, cursor
// position) the way a real terminal does, so the program does not wait for them to time out.
type answerer struct{ tty io.Writer }

func (a answerer) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("\x1b]11;?")) {
		_, _ = a.tty.Write([]byte("\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\"))
	}
	if bytes.Contains(p, []byte("\x1b[6n")) {
		_, _ = a.tty.Write([]byte("\x1b[1;1R"))
	}
	return len(p), nil
}

// built is the binary built once for every end-to-end test of the run.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

// buildQuantDeck builds the real binary (once per test run).
func buildQuantDeck(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "quantdeck-e2e-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "quantdeck")
		gobin := "go"
		if root := os.Getenv("GOROOT"); root != "" {
			gobin = filepath.Join(root, "bin", "go")
		}
		built.out, built.err = exec.Command(gobin, "build", "-o", built.bin, "github.com/quantdeck/quantdeck").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("building quantdeck: %v\n%s", built.err, built.out)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

var lastBTC = regexp.MustCompile(`BTCUSDT +([0-9,]+\.[0-9]+)`)

// cockpit is the real binary running in a pseudo-terminal.
type cockpit struct {
	t      *testing.T
	cmd    *exec.Cmd
	ptmx   *os.File
	scr    *screen
	exited chan error
	copied chan struct{}
	done   bool
}

func startCockpit(t *testing.T, bin, home string, env ...string) *cockpit {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = filepath.Dir(home)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(home), "TERM=xterm-256color",
		"QUANTDECK_HOME=" + home, "QUANTDECK_KDF_ITERATIONS=600000", "QUANTDECK_SIM_SPEED=50",
		"QUANTDECK_SYMBOLS=BTCUSDT,ETHUSDT",
	}, env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 110})
	if err != nil {
		t.Fatal(err)
	}
	c := &cockpit{t: t, cmd: cmd, ptmx: ptmx, scr: &screen{}, exited: make(chan error, 1), copied: make(chan struct{})}
	go func() {
		defer close(c.copied)
		_, _ = io.Copy(io.MultiWriter(c.scr, answerer{ptmx}), ptmx) // ends once the terminal closes
	}()
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(c.stop)
	return c
}

func (c *cockpit) stop() {
	if !c.done {
		_ = c.cmd.Process.Kill()
		<-c.exited
		c.done = true
	}
	c.ptmx.Close()
	<-c.copied
}

func (c *cockpit) send(keys string) {
	c.t.Helper()
	if _, err := c.ptmx.WriteString(keys); err != nil {
		c.t.Fatalf("typing %q: %v", keys, err)
	}
}

// wait waits for the program to exit and fails on a non-zero exit.
func (c *cockpit) wait(why string) {
	c.t.Helper()
	select {
	case err := <-c.exited:
		c.done = true
		// What it wrote last (its exit line) may still be on its way through the terminal:
		// the copy ends once the terminal is closed and read to the end.
		select {
		case <-c.copied:
		case <-time.After(5 * time.Second):
		}
		if err != nil {
			c.t.Fatalf("quantdeck exited with %v after %s:\n%s", err, why, tail(c.scr.text(0), 2000))
		}
	case <-time.After(20 * time.Second):
		c.t.Fatalf("quantdeck did not exit after %s", why)
	}
}

// createVaultAndBot creates the vault, waits for moving prices, adds a paper DCA bot and
// starts it, up to its first order.
func (c *cockpit) createVaultAndBot(name string) {
	t, scr := c.t, c.scr
	t.Helper()
	scr.waitText(t, 0, "Create the vault")
	c.send("correct horse battery\r")
	scr.waitText(t, 0, "type it again")
	at := scr.mark()
	c.send("correct horse battery\r")
	scr.waitText(t, at, "Watchlist")
	scr.waitText(t, at, "SIMULATED")

	// Prices move: two different BTCUSDT prices on screen.
	scr.waitFor(t, at, "two different BTCUSDT prices", func(out string) bool {
		seen := map[string]bool{}
		for _, m := range lastBTC.FindAllStringSubmatch(out, -1) {
			seen[m[1]] = true
		}
		return len(seen) >= 2
	})

	at = scr.mark()
	c.send("n")
	scr.waitText(t, at, "New bot")
	c.send(name + "\t\t\t\t500\t20\t1m")
	scr.waitText(t, at, "✓ valid")
	at = scr.mark()
	c.send("\x13") // ctrl+s
	scr.waitText(t, at, "bot "+name+" saved")

	at = scr.mark()
	c.send("\t") // focus the bots pane
	scr.waitText(t, at, "▸ Bots")
	c.send("s")
	scr.waitText(t, at, name+" started")
	scr.waitText(t, at, "▶ running")
	scr.waitFor(t, at, "the bot's first order", regexp.MustCompile(name+` +BTCUSDT +BUY`).MatchString)
}

// TestCockpitEndToEnd drives the real binary in a pseudo-terminal over a fresh data directory:
// create the vault, watch simulated prices move, create a paper DCA bot, start it, see its
// first order, stop it, open help and quit.
func TestCockpitEndToEnd(t *testing.T) {
	dir := t.TempDir()
	bin := buildQuantDeck(t)
	c := startCockpit(t, bin, filepath.Join(dir, "home"))
	c.createVaultAndBot("e2e-dca")
	scr := c.scr

	at := scr.mark()
	c.send("x")
	scr.waitText(t, at, "e2e-dca stopped")
	scr.waitText(t, at, "■ stopped")

	at = scr.mark()
	c.send("?")
	scr.waitText(t, at, "QuantDeck help")
	scr.waitText(t, at, "kill switch")
	at = scr.mark()
	c.send("\x1b")
	scr.waitText(t, at, "Watchlist")

	c.send("q") // no bot running: quits at once
	c.wait("q")
}

// TestCockpitSignalsKeepBotsForTheNextStart drops the terminal (SIGHUP, as when an SSH
// connection dies) or stops the process (SIGTERM) with a bot running: the cockpit exits
// cleanly and the next start, unlocked from the environment, shows the bot running again.
func TestCockpitSignalsKeepBotsForTheNextStart(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			bin := buildQuantDeck(t)
			home := filepath.Join(t.TempDir(), "home")
			c := startCockpit(t, bin, home)
			c.createVaultAndBot("sig-dca")
			if err := c.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			c.wait(sig.String())

			c2 := startCockpit(t, bin, home, "QUANTDECK_VAULT_PASSPHRASE=correct horse battery")
			c2.scr.waitText(t, 0, "Watchlist")
			c2.scr.waitFor(t, 0, "sig-dca running after the restart", regexp.MustCompile(`sig-dca +dca +BTCUSDT +PAPER ▶ running`).MatchString)
			if strings.Contains(c2.scr.text(0), "Unlock the vault") {
				t.Fatal("QUANTDECK_VAULT_PASSPHRASE was set but the cockpit still asked for the passphrase")
			}
			c2.send("q")
			c2.scr.waitText(t, 0, "1 bot is running. Quit the cockpit?")
			c2.send("y")
			c2.wait("q, y")
			if !strings.Contains(c2.scr.text(0), "1 bot was running and resumes at the next start") { // the command's exit line
				t.Fatal("quitting with a bot running did not say it resumes at the next start")
			}
		})
	}
}
