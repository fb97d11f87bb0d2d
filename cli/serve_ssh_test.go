package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govalues/decimal"
	gossh "golang.org/x/crypto/ssh"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/engine"
)

const sshPass = "correct horse battery staple"

// sshRig is `quantdeck serve --ssh` started sealed, in process, on a loopback port.
type sshRig struct {
	home   string
	rt     *app.App
	addr   string
	host   gossh.PublicKey
	signer gossh.Signer
}

func startSSHRig(t *testing.T) *sshRig {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	env, _, _ := sealEnv(home, "QUANTDECK_KDF_ITERATIONS=600000", "QUANTDECK_SIM_SEED=7")
	st, err := loadSettings(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := openApp(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	// A vault and a paper bot made earlier (keys add, bots add), then a sealed start.
	if err := rt.Vault.Create(ctx, []byte(sshPass), 600_000); err != nil {
		t.Fatal(err)
	}
	rt.Vault.Seal()
	err = rt.Engine.AddBot(ctx, engine.BotConfig{
		Name: "stacker", Symbol: "BTCUSDT", Strategy: "dca", Mode: engine.Paper,
		Params: map[string]string{"amount": "20", "interval": "1s"},
		Budget: decimal.MustNew(5000, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := unlockAndResume(ctx, rt, nil, newServeLog(io.Discard, rt.Log)); err != nil {
		t.Fatal(err)
	}

	srv, err := rt.NewSSHServer(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	signer, line := sshClientKey(t)
	if err := os.WriteFile(srv.AuthorizedKeysPath(), []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	host, _, _, _, err := gossh.ParseAuthorizedKey([]byte(srv.HostKey()))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ssh server: %v", err)
		}
		if err := rt.Close(); err != nil {
			t.Errorf("closing the runtime: %v", err)
		}
	})
	return &sshRig{home: home, rt: rt, addr: ln.Addr().String(), host: host, signer: signer}
}

func sshClientKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " me@laptop"
}

// sshTerm is one attached client: a connection with a pty and a shell, and what it received.
type sshTerm struct {
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.Writer
	out    *screenBuf
}

func (r *sshRig) attach(t *testing.T) *sshTerm {
	t.Helper()
	return r.attachTerm(t, "xterm-256color", 120, 40, nil)
}

// attachTerm attaches with a given terminal type, size and environment sent to the server.
func (r *sshRig) attachTerm(t *testing.T, term string, w, h int, env map[string]string) *sshTerm {
	t.Helper()
	c, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{
		User: "trader", Auth: []gossh.AuthMethod{gossh.PublicKeys(r.signer)},
		HostKeyCallback: gossh.FixedHostKey(r.host), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.RequestPty(term, h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &screenBuf{}
	sess.Stdout, sess.Stderr = out, out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return &sshTerm{client: c, sess: sess, stdin: stdin, out: out}
}

func (s *sshTerm) press(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(s.stdin, keys); err != nil {
		t.Fatal(err)
	}
}

// waitFor waits until what the client received since mark contains want.
func (s *sshTerm) waitFor(t *testing.T, mark int, want string) {
	t.Helper()
	if !s.out.waitFor(mark, want, 20*time.Second) {
		t.Fatalf("the cockpit never showed %q; received:\n%q", want, s.out.since(mark))
	}
}

var buysRE = regexp.MustCompile(`(\d+) buys`)

// lastBuys is the last "N buys" the client was shown.
func (s *sshTerm) lastBuys(mark int) int {
	m := buysRE.FindAllStringSubmatch(s.out.since(mark), -1)
	if len(m) == 0 {
		return -1
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

// botBuys is the engine's own count of the bot's buys.
func (r *sshRig) botBuys(name string) int {
	for _, b := range r.rt.Engine.Snapshot().Bots {
		if b.Config.Name == name {
			return b.Buys
		}
	}
	return -1
}

// waitBuys waits until the engine has recorded more than n buys for the bot.
func (r *sshRig) waitBuys(t *testing.T, name string, n int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if got := r.botBuys(name); got > n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never got past %d buys", name, n)
		}
		<-time.After(20 * time.Millisecond) // polling the engine with a deadline
	}
}

func TestSSHCockpitSurvivesDetach(t *testing.T) {
	rig := startSSHRig(t)
	const bot = "stacker"
	if got := rig.botBuys(bot); got != 0 {
		t.Fatalf("sealed start: %s has %d buys before anyone unlocked, want 0", bot, got)
	}

	// First session: sealed, so it asks for the passphrase; then start the paper bot.
	first := rig.attach(t)
	first.waitFor(t, 0, "Unlock the vault")
	first.press(t, sshPass+"\r")
	mark := first.out.len()
	first.waitFor(t, mark, "Watchlist")
	first.waitFor(t, mark, bot)
	first.press(t, "s")
	first.waitFor(t, mark, "▶ running")
	before := rig.waitBuys(t, bot, 0)

	// Drop the connection without quitting: the bot keeps trading with nobody attached.
	first.client.Close()
	detached := rig.waitBuys(t, bot, before)

	// Reattach: no passphrase this time, the bot is still running, with more buys than when
	// the first session left.
	second := rig.attach(t)
	second.waitFor(t, 0, "Watchlist")
	if strings.Contains(second.out.since(0), "Unlock the vault") {
		t.Error("a later session was asked for the passphrase although the vault is unlocked")
	}
	second.waitFor(t, 0, "▶ running")
	mark = second.out.len()
	second.press(t, "\t\r") // focus the bots pane, open the bot
	second.waitFor(t, mark, "buys")
	got := second.lastBuys(mark)
	t.Logf("buys: %d when the first session left, %d while detached, %d shown on reattach", before, detached, got)
	if got < detached || got <= before {
		t.Errorf("reattached session shows %d buys; want at least %d (more than the %d at detach)", got, detached, before)
	}

	// A simultaneous third session sees the same live state: stopping the bot there shows up
	// in the second session.
	third := rig.attach(t)
	third.waitFor(t, 0, "▶ running")
	if strings.Contains(third.out.since(0), "Unlock the vault") {
		t.Error("a simultaneous session was asked for the passphrase")
	}
	mark = second.out.len()
	third.press(t, "x")
	third.waitFor(t, 0, "stopped")
	second.waitFor(t, mark, "stopped")
	if s := rig.rt.Engine.Snapshot(); len(s.Bots) != 1 || s.Bots[0].State != engine.BotStopped {
		t.Errorf("engine state after stop from the third session: %+v", s.Bots)
	}

	// The passphrase typed in the first session was never echoed to a screen or logged.
	for name, out := range map[string]string{"first": first.out.since(0), "second": second.out.since(0), "third": third.out.since(0)} {
		if strings.Contains(out, sshPass) {
			t.Errorf("the %s session's screen shows the passphrase", name)
		}
	}
	logFile, err := os.ReadFile(filepath.Join(rig.home, "quantdeck.log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logFile), sshPass) {
		t.Error("the passphrase reached the log file")
	}
}

// screenBuf collects a client's output and wakes waiters on every write.
type screenBuf struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func (b *screenBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

func (b *screenBuf) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *screenBuf) since(mark int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf.Bytes()[mark:])
}

func (b *screenBuf) waitFor(mark int, want string, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		if strings.Contains(string(b.buf.Bytes()[mark:]), want) {
			b.mu.Unlock()
			return true
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// After `quantdeck seal` (the serve drops the vault key), the next session asks for the
// passphrase again, and unlocking there opens the cockpit.
func TestSSHSessionAfterSealAsksAgain(t *testing.T) {
	rig := startSSHRig(t)
	first := rig.attach(t)
	first.waitFor(t, 0, "Unlock the vault")
	first.press(t, sshPass+"\r")
	first.waitFor(t, 0, "Watchlist")
	if !rig.rt.Vault.Unlocked() {
		t.Fatal("unlocking in the session did not unlock the serve's vault")
	}

	// What the serve does for `quantdeck seal`.
	if err := rig.rt.Engine.Seal(context.Background()); err != nil {
		t.Fatal(err)
	}
	rig.rt.Vault.Seal()

	again := rig.attach(t)
	again.waitFor(t, 0, "Unlock the vault")
	again.press(t, "not the passphrase\r")
	again.waitFor(t, 0, "wrong passphrase")
	if rig.rt.Vault.Unlocked() {
		t.Fatal("a wrong passphrase unlocked the vault")
	}
	mark := again.out.len()
	again.press(t, sshPass+"\r")
	again.waitFor(t, mark, "Watchlist")
	if !rig.rt.Vault.Unlocked() {
		t.Fatal("unlocking after a seal did not unlock the serve's vault")
	}
}

var sgrRE = regexp.MustCompile(`\x1b\[([0-9;]*)m`)

// hasColour reports whether s sets a foreground or background colour.
func hasColour(s string) bool {
	for _, m := range sgrRE.FindAllStringSubmatch(s, -1) {
		for _, p := range strings.Split(m[1], ";") {
			n, err := strconv.Atoi(p)
			if err != nil {
				continue
			}
			if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
				return true
			}
		}
	}
	return false
}

// Each session renders with its own colour profile and size: NO_COLOR and TERM=dumb get no
// colour while another session gets colour, and a tiny window does not break a session.
func TestSSHSessionsColourAndSize(t *testing.T) {
	rig := startSSHRig(t)
	colour := rig.attachTerm(t, "xterm-256color", 100, 30, nil)
	noColour := rig.attachTerm(t, "xterm-256color", 80, 24, map[string]string{"NO_COLOR": "1"})
	dumb := rig.attachTerm(t, "dumb", 80, 24, nil)
	for _, s := range []*sshTerm{colour, noColour, dumb} {
		s.waitFor(t, 0, "Unlock the vault")
	}
	if !hasColour(colour.out.since(0)) {
		t.Error("the xterm-256color session got no colour")
	}
	if hasColour(noColour.out.since(0)) {
		t.Errorf("the NO_COLOR session got colour: %q", noColour.out.since(0))
	}
	if hasColour(dumb.out.since(0)) {
		t.Errorf("the TERM=dumb session got colour: %q", dumb.out.since(0))
	}

	for _, size := range [][2]int{{20, 6}, {1, 1}, {0, 0}} {
		if err := noColour.sess.WindowChange(size[1], size[0]); err != nil {
			t.Fatal(err)
		}
	}
	mark := noColour.out.len()
	if err := noColour.sess.WindowChange(24, 80); err != nil {
		t.Fatal(err)
	}
	noColour.waitFor(t, mark, "Unlock the vault")
	mark = noColour.out.len()
	noColour.press(t, sshPass+"\r")
	noColour.waitFor(t, mark, "Watchlist")
	if hasColour(noColour.out.since(mark)) {
		t.Error("the NO_COLOR session's dashboard has colour")
	}
}
