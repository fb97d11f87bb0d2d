package instance

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a stand-in for the API's local handler.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.calls = append(r.calls, req.Method+" "+req.URL.EscapedPath())
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.Contains(req.URL.Path, "/nope/"):
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": "no bot named nope (see quantdeck bots list)"})
	case req.URL.Path == "/v1/status":
		json.NewEncoder(w).Encode(map[string]any{"version": "t"})
	default:
		json.NewEncoder(w).Encode(map[string]string{"ok": "yes"})
	}
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// startControl serves h on a fresh home and returns a stop function that waits for the end.
func startControl(t *testing.T, home string, h http.Handler) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeControl(ctx, home, h) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := net.Dial("unix", SocketPath(home)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("control socket never came up: %v", <-done)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("ServeControl: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func TestControlSocketAndClient(t *testing.T) {
	home := t.TempDir()
	rec := &recorder{}
	stop := startControl(t, home, rec)

	fi, err := os.Lstat(SocketPath(home))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Mode().Type() != os.ModeSocket {
		t.Errorf("control socket mode %v, want a 0600 socket", fi.Mode())
	}
	if m, _ := filepath.Glob(filepath.Join(home, ".control-*")); len(m) != 0 {
		t.Errorf("temporary directories left: %v", m)
	}

	c, err := Dial(home)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.StartBot(ctx, "dca btc/1"); err != nil {
		t.Fatal(err)
	}
	if err := c.StopBot(ctx, "grid"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx)
	if err != nil || st["version"] != "t" {
		t.Fatalf("Status: %v %v", st, err)
	}
	err = c.StartBot(ctx, "nope")
	var re *RemoteError
	if !errors.As(err, &re) || re.Status != 404 || !strings.Contains(re.Msg, "no bot named nope") {
		t.Errorf("refusal: %v", err)
	}
	want := []string{"POST /v1/bots/dca%20btc%2F1/start", "POST /v1/bots/grid/stop", "POST /v1/seal", "GET /v1/status", "POST /v1/bots/nope/start"}
	if got := rec.seen(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("requests\n got %v\nwant %v", got, want)
	}

	stop()
	if _, err := os.Lstat(SocketPath(home)); !os.IsNotExist(err) {
		t.Errorf("socket left after shutdown: %v", err)
	}
	if _, err := Dial(home); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial after shutdown: %v, want ErrNotRunning", err)
	}
}

// TestStaleSocket: a socket left by a crashed process reads as "not running" and is replaced
// by the next ServeControl.
func TestStaleSocket(t *testing.T) {
	home := t.TempDir()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: SocketPath(home), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	c, err := Dial(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Seal(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("call on a stale socket: %v, want ErrNotRunning", err)
	}
	rec := &recorder{}
	startControl(t, home, rec)
	if _, err := c.Seal(context.Background()); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestServeControlRefusesNonSocket(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(SocketPath(home), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := ServeControl(context.Background(), home, http.NotFoundHandler())
	if err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("ServeControl over a regular file: %v", err)
	}
	if _, err := Dial(home); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial on a regular file: %v", err)
	}
}

func TestServeControlRefusesLongPath(t *testing.T) {
	home := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	err := ServeControl(context.Background(), home, http.NotFoundHandler())
	if err == nil || !strings.Contains(err.Error(), "shorter QUANTDECK_HOME") {
		t.Fatalf("long path: %v", err)
	}
}

func TestErrorMessage(t *testing.T) {
	cases := []struct {
		code int
		body string
		want string
	}{
		{409, `{"error":"kill switch is engaged"}`, "kill switch is engaged"},
		{409, `{"error":"a\nb\u001b"}`, "a b "},
		{404, `not json`, "does not offer"},
		{500, ``, "answered 500"},
	}
	for _, c := range cases {
		if got := errorMessage(c.code, []byte(c.body)); !strings.Contains(got, c.want) {
			t.Errorf("errorMessage(%d, %q) = %q, want %q", c.code, c.body, got, c.want)
		}
	}
}

func FuzzErrorMessage(f *testing.F) {
	f.Add(409, []byte(`{"error":"x"}`))
	f.Add(500, []byte(`{"error":""}`))
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		msg := errorMessage(code, body)
		if msg == "" || len(msg) > 600 || strings.ContainsAny(msg, "\n\r\x1b") {
			t.Fatalf("errorMessage(%d, %q) = %q", code, body, msg)
		}
	})
}

// TestPeerListenerDropsOtherUsers: a connection whose peer uid differs, or cannot be read, is
// closed before any request is read; the owner's connection is accepted.
func TestPeerListenerDropsOtherUsers(t *testing.T) {
	unknown := func(*net.UnixConn) (int, error) { return 0, errors.New("getsockopt: bad file descriptor") }
	unsupported := func(*net.UnixConn) (int, error) { return 0, errPeerCredUnsupported }
	for _, c := range []struct {
		name   string
		uid    int
		uidOf  func(*net.UnixConn) (int, error)
		accept bool
	}{
		{"owner", os.Getuid(), nil, true},
		{"other user", os.Getuid() + 1, nil, false},
		{"peer not identified", os.Getuid(), unknown, false},
		{"system without peer credentials", os.Getuid(), unsupported, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s")
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			pl := &peerListener{Listener: ln, uid: c.uid, uidOf: c.uidOf}
			accepted := make(chan net.Conn, 1)
			acceptDone := make(chan struct{})
			go func() {
				defer close(acceptDone)
				if conn, err := pl.Accept(); err == nil {
					accepted <- conn
				}
			}()
			client, err := net.Dial("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			if c.accept {
				(<-accepted).Close()
			} else {
				client.SetReadDeadline(time.Now().Add(5 * time.Second))
				if n, err := client.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("read %d, %v; want the connection closed", n, err)
				}
			}
			ln.Close()
			<-acceptDone
			if !c.accept && len(accepted) != 0 {
				t.Error("a connection from another uid was handed to the server")
			}
		})
	}
}
