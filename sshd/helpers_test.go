package sshd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	gossh "golang.org/x/crypto/ssh"

	"github.com/quantdeck/quantdeck/sshd"
)

// standIn is a tiny cockpit: it shows who is attached, the window size it was told, what was
// typed, and one coloured word rendered with the session's own renderer.
type standIn struct {
	sess  sshd.Session
	w, h  int
	typed string
}

func (m standIn) Init() tea.Cmd { return nil }

func (m standIn) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyMsg:
		if msg.String() == "q" {
			return m, tea.Quit
		}
		m.typed += msg.String()
	}
	return m, nil
}

func (m standIn) View() string {
	colour := m.sess.Renderer.NewStyle().Foreground(lipgloss.Color("9")).Render("COLOUR")
	return fmt.Sprintf("standin user=%s size=%dx%d typed=[%s]\n%s\ndark=%v", m.sess.User, m.w, m.h, m.typed, colour,
		m.sess.Renderer.HasDarkBackground())
}

func standInModel(_ context.Context, s sshd.Session) (tea.Model, error) {
	return standIn{sess: s}, nil
}

// newClientKey returns a fresh client key and its authorized_keys line.
func newClientKey(t testing.TB, comment string) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment
	return signer, line
}

// authorize appends lines to home/authorized_keys.
func authorize(t testing.TB, home string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(home, sshd.AuthorizedKeysFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := fmt.Fprintln(f, l); err != nil {
			t.Fatal(err)
		}
	}
}

// testServer is a running sshd on a loopback port.
type testServer struct {
	srv    *sshd.Server
	addr   string
	home   string
	cancel context.CancelFunc
	done   chan error
	logs   *lockedBuffer
}

// startServer starts a server for home on 127.0.0.1 with a random port and stops it when the
// test ends.
func startServer(t testing.TB, home string, newModel sshd.ModelFunc, setup ...func(*sshd.Server)) *testServer {
	t.Helper()
	logs := &lockedBuffer{}
	srv, err := sshd.New(sshd.Config{
		Addr:     "127.0.0.1:0",
		Home:     home,
		NewModel: newModel,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{srv: srv, addr: ln.Addr().String(), home: home, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { ts.done <- srv.ServeListener(ctx, ln) }()
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

// stop cancels the server and waits for Serve to return.
func (ts *testServer) stop(t testing.TB) {
	t.Helper()
	ts.cancel()
	select {
	case err, ok := <-ts.done:
		if ok && err != nil {
			t.Errorf("ServeListener returned %v, want nil", err)
		}
		if ok {
			close(ts.done)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop within 10s")
	}
}

func (ts *testServer) hostKey(t testing.TB) gossh.PublicKey {
	t.Helper()
	pk, _, _, _, err := gossh.ParseAuthorizedKey([]byte(ts.srv.HostKey()))
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// dial connects with the given auth methods, pinning the server's host key.
func dial(addr string, hostKey gossh.PublicKey, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "trader",
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(hostKey),
		Timeout:         10 * time.Second,
	})
}

// screen is one interactive session: what the server wrote, and a way to type.
type screen struct {
	sess  *gossh.Session
	stdin io.WriteCloser
	out   *lockedBuffer
	ended chan error
}

// openScreen requests a pty of the given size and a shell, as `ssh host` does, from a terminal
// with a black background.
func openScreen(t testing.TB, c *gossh.Client, term string, w, h int, env map[string]string) *screen {
	t.Helper()
	return openTerminal(t, c, term, w, h, env, "0000/0000/0000")
}

// openTerminal is openScreen for a terminal whose background is bg (an X11 "rgb:" value).
// Like a real terminal it answers the background-colour and device-attributes queries; with
// bg "" it answers nothing, as a minimal terminal would.
func openTerminal(t testing.TB, c *gossh.Client, term string, w, h int, env map[string]string, bg string) *screen {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	if err := sess.RequestPty(term, h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	tty := &answering{out: out, stdin: stdin, bg: bg}
	sess.Stdout = tty
	sess.Stderr = out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	sc := &screen{sess: sess, stdin: stdin, out: out, ended: make(chan error, 1)}
	go func() { sc.ended <- sess.Wait() }()
	t.Cleanup(func() { sess.Close() })
	return sc
}

// answering records what the server writes and answers its terminal queries: the background
// colour (OSC 11) and the primary device attributes (DA1), which every terminal answers.
type answering struct {
	out      *lockedBuffer
	stdin    io.Writer
	bg       string
	mu       sync.Mutex
	answered int
}

func (a *answering) Write(p []byte) (int, error) {
	n, err := a.out.Write(p)
	if a.bg == "" {
		return n, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := a.out.String()
	for asked := strings.Count(seen, "\x1b[c"); a.answered < asked; a.answered++ {
		reply := "\x1b[?62;22c"
		if strings.Contains(seen, "\x1b]11;?") {
			reply = "\x1b]11;rgb:" + a.bg + "\x1b\\" + reply
		}
		if _, err := io.WriteString(a.stdin, reply); err != nil {
			return n, err
		}
	}
	return n, err
}

func (sc *screen) typeKeys(t testing.TB, s string) {
	t.Helper()
	if _, err := io.WriteString(sc.stdin, s); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls the screen until it shows want, failing after a deadline.
func (sc *screen) waitFor(t testing.TB, want string) {
	t.Helper()
	if !sc.out.waitFor(want, 15*time.Second) {
		t.Fatalf("screen never showed %q; got:\n%q", want, sc.out.String())
	}
}

// waitEnd waits for the session to end and returns its exit error.
func (sc *screen) waitEnd(t testing.TB) error {
	t.Helper()
	select {
	case err := <-sc.ended:
		return err
	case <-time.After(15 * time.Second):
		t.Fatalf("session did not end; screen:\n%q", sc.out.String())
		return nil
	}
}

// lockedBuffer is a concurrency-safe buffer that wakes waiters on every write.
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor reports whether the buffer contains want before the timeout, waking on each write.
func (b *lockedBuffer) waitFor(want string, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		if strings.Contains(b.buf.String(), want) {
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
			return strings.Contains(b.String(), want)
		}
	}
}

// isAuthError reports whether err is the client's "unable to authenticate" handshake failure.
func isAuthError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
}
