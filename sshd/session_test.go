package sshd_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/quantdeck/quantdeck/sshd"
)

// attached starts a server with one authorized key and returns a connected client.
func attached(t *testing.T, newModel sshd.ModelFunc) (*testServer, *gossh.Client) {
	t.Helper()
	home := t.TempDir()
	signer, line := newClientKey(t, "me@laptop")
	ts := startServer(t, home, newModel)
	authorize(t, home, line)
	c, err := dial(ts.addr, ts.hostKey(t), gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ts, c
}

func TestSessionShowsCockpitAndTakesKeys(t *testing.T) {
	_, c := attached(t, standInModel)
	sc := openScreen(t, c, "xterm-256color", 100, 30, nil)
	sc.waitFor(t, "standin user=trader size=100x30 typed=[]")
	sc.typeKeys(t, "ab")
	sc.waitFor(t, "typed=[ab]")

	if err := sc.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	sc.waitFor(t, "size=120x40")

	sc.typeKeys(t, "q")
	if err := sc.waitEnd(t); err != nil {
		t.Fatalf("quitting the cockpit ended the session with %v, want exit 0", err)
	}
	out := sc.out.String()
	if !strings.Contains(out, "\x1b[?1049h") || !strings.Contains(out, "\x1b[?1049l") {
		t.Error("the session did not enter and then leave the alternate screen")
	}
	if i, j := strings.LastIndex(out, "\x1b[?1049l"), strings.LastIndex(out, "detached; the engine keeps running"); j < i {
		t.Errorf("no farewell after leaving the alternate screen: %q", out)
	}
}

func TestSessionsHaveTheirOwnSizeAndColours(t *testing.T) {
	_, c := attached(t, standInModel)
	colour := openScreen(t, c, "xterm-256color", 100, 30, nil)
	plain := openScreen(t, c, "xterm-256color", 80, 24, map[string]string{"NO_COLOR": "1"})
	dumb := openScreen(t, c, "dumb", 40, 5, nil)

	colour.waitFor(t, "size=100x30")
	plain.waitFor(t, "size=80x24")
	dumb.waitFor(t, "size=40x5")
	colour.waitFor(t, "\x1b[91mCOLOUR")
	for name, sc := range map[string]*screen{"NO_COLOR": plain, "TERM=dumb": dumb} {
		sc.waitFor(t, "COLOUR")
		if out := sc.out.String(); strings.Contains(out, "\x1b[91m") || strings.Contains(out, "\x1b[38;") {
			t.Errorf("%s session got colour escapes: %q", name, out)
		}
	}
	// Resizing one session leaves the others alone.
	if err := plain.sess.WindowChange(10, 60); err != nil {
		t.Fatal(err)
	}
	plain.waitFor(t, "size=60x10")
	if strings.Contains(colour.out.String(), "size=60x10") {
		t.Error("a resize of one session reached another")
	}
}

func TestSessionNeedsTerminalAndNoCommand(t *testing.T) {
	_, c := attached(t, standInModel)
	t.Run("no pty", func(t *testing.T) {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		out, err := sess.CombinedOutput("")
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
			t.Fatalf("err = %v, want exit status 1", err)
		}
		if !strings.Contains(string(out), "ssh -t") {
			t.Errorf("output %q does not say how to get a terminal", out)
		}
	})
	t.Run("command", func(t *testing.T) {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		out, err := sess.CombinedOutput("cat /etc/passwd")
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
			t.Fatalf("err = %v, want exit status 1", err)
		}
		if strings.Contains(string(out), "root:") || !strings.Contains(string(out), "not supported") {
			t.Errorf("output %q, want a refusal", out)
		}
	})
	t.Run("port forwarding", func(t *testing.T) {
		if _, err := c.Dial("tcp", "127.0.0.1:1"); err == nil {
			t.Fatal("the server opened a direct-tcpip channel")
		}
		if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
			ln.Close()
			t.Fatal("the server accepted a remote port forward")
		}
	})
}

func TestModelFactoryErrorIsShown(t *testing.T) {
	_, c := attached(t, func(context.Context, sshd.Session) (tea.Model, error) {
		return nil, errors.New("vault: database is locked by another process")
	})
	sc := openScreen(t, c, "xterm", 80, 24, nil)
	err := sc.waitEnd(t)
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	if !strings.Contains(sc.out.String(), "database is locked") {
		t.Errorf("screen %q does not show why the cockpit could not open", sc.out.String())
	}
}

func TestDisconnectEndsOnlyThatSession(t *testing.T) {
	ended := make(chan struct{}, 4)
	factory := func(ctx context.Context, s sshd.Session) (tea.Model, error) {
		context.AfterFunc(ctx, func() { ended <- struct{}{} })
		return standIn{sess: s}, nil
	}
	ts, c := attached(t, factory)
	stay := openScreen(t, c, "xterm", 80, 24, nil)
	stay.waitFor(t, "size=80x24")

	signer, line := newClientKey(t, "other@laptop")
	authorize(t, ts.home, line)
	other, err := dial(ts.addr, ts.hostKey(t), gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	leave := openScreen(t, other, "xterm", 70, 20, nil)
	leave.waitFor(t, "size=70x20")
	other.Close() // drop the connection without quitting

	<-ended // the dropped session's context ends...
	stay.typeKeys(t, "x")
	stay.waitFor(t, "typed=[x]") // ...and the other session is untouched.
}

func TestServeStopsSessionsCleanly(t *testing.T) {
	ts, c := attached(t, standInModel)
	sc := openScreen(t, c, "xterm", 80, 24, nil)
	sc.waitFor(t, "size=80x24")
	ts.stop(t)
	sc.waitEnd(t)
	out := sc.out.String()
	if !strings.Contains(out, "\x1b[?1049l") {
		t.Error("the client's screen was not restored on shutdown")
	}
	if !strings.Contains(out, "shutting down") {
		t.Errorf("the client was not told why the session ended: %q", out)
	}
}

// stuck is a model whose Update blocks until released, like a cockpit with a bug.
type stuck struct {
	standIn
	entered chan<- struct{}
	release <-chan struct{}
}

func (m stuck) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		m.entered <- struct{}{}
		<-m.release
	}
	next, cmd := m.standIn.Update(msg)
	m.standIn = next.(standIn)
	return m, cmd
}

func TestServeStopsDespiteAStuckSession(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{}, 1)
	defer close(release)
	home := t.TempDir()
	signer, line := newClientKey(t, "me@laptop")
	ts := startServer(t, home, func(_ context.Context, s sshd.Session) (tea.Model, error) {
		return stuck{standIn: standIn{sess: s}, entered: entered, release: release}, nil
	}, func(s *sshd.Server) { s.SetShutdownGrace(100 * time.Millisecond) })
	authorize(t, home, line)
	c, err := dial(ts.addr, ts.hostKey(t), gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := openScreen(t, c, "xterm", 80, 24, nil)
	sc.waitFor(t, "size=80x24")
	sc.typeKeys(t, "k")
	<-entered  // the model blocks in Update from now on
	ts.stop(t) // fails the test if Serve does not return
	if !strings.Contains(ts.logs.String(), "sessions still running") {
		t.Error("the stuck session was not reported")
	}
}

// boom panics in Update on any key.
type boom struct{ standIn }

func (m boom) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		panic("cockpit bug")
	}
	next, cmd := m.standIn.Update(msg)
	return boom{next.(standIn)}, cmd
}

func TestPanickingSessionLeavesServerRunning(t *testing.T) {
	tests := []struct {
		name    string
		factory sshd.ModelFunc
		trigger string // keys that make the session panic; "" when it panics on open
	}{
		{"factory panics", func(context.Context, sshd.Session) (tea.Model, error) { panic("cannot build") }, ""},
		{"update panics", func(_ context.Context, s sshd.Session) (tea.Model, error) { return boom{standIn{sess: s}}, nil }, "k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, c := attached(t, tt.factory)
			sc := openScreen(t, c, "xterm", 80, 24, nil)
			if tt.trigger != "" {
				sc.waitFor(t, "size=80x24")
				sc.typeKeys(t, tt.trigger)
			}
			err := sc.waitEnd(t)
			var exit *gossh.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
				t.Fatalf("session ended with %v, want exit status 1", err)
			}
			sc.waitFor(t, "engine keeps running")
			// The server still serves new connections.
			signer, line := newClientKey(t, "next@laptop")
			authorize(t, ts.home, line)
			next, err := dial(ts.addr, ts.hostKey(t), gossh.PublicKeys(signer))
			if err != nil {
				t.Fatalf("the server stopped serving after a panic: %v", err)
			}
			next.Close()
		})
	}
}

func TestSessionLearnsItsTerminalBackground(t *testing.T) {
	tests := []struct {
		name, bg, want string
	}{
		{"black", "0000/0000/0000", "dark=true"},
		{"white", "ffff/ffff/ffff", "dark=false"},
		{"light grey", "d0d0/d0d0/d0d0", "dark=false"},
		{"no answer", "", "dark=true"}, // the dark default
	}
	_, c := attached(t, standInModel)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := openTerminal(t, c, "xterm-256color", 80, 24, nil, tt.bg)
			sc.waitFor(t, "size=80x24")
			sc.waitFor(t, tt.want)
		})
	}
}

func TestSilentTerminalKeepsItsKeys(t *testing.T) {
	_, c := attached(t, standInModel)
	sc := openTerminal(t, c, "xterm-256color", 80, 24, nil, "")
	// Typed before the background query gives up: the keys wait for the cockpit.
	sc.typeKeys(t, "ab")
	sc.waitFor(t, "size=80x24")
	sc.typeKeys(t, "c")
	sc.waitFor(t, "typed=[abc]")
}

func TestClosingASessionEndsItsCockpit(t *testing.T) {
	ended := make(chan struct{}, 2)
	ts, c := attached(t, func(ctx context.Context, s sshd.Session) (tea.Model, error) {
		context.AfterFunc(ctx, func() { ended <- struct{}{} })
		return standIn{sess: s}, nil
	})
	// Two sessions on one connection, as ssh does with a shared (ControlMaster) connection.
	closing := openScreen(t, c, "xterm", 80, 24, nil)
	closing.waitFor(t, "size=80x24")
	staying := openScreen(t, c, "xterm", 70, 20, nil)
	staying.waitFor(t, "size=70x20")

	closing.sess.Close()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the cockpit of a closed session kept running")
	}
	staying.typeKeys(t, "x")
	staying.waitFor(t, "typed=[x]")
	if !ts.logs.waitFor("client went away", 10*time.Second) {
		t.Errorf("the closed session was not logged: %s", ts.logs.String())
	}
}
