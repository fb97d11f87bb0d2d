package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// Key and secret of the live stage of TestKeysEndToEnd, on a fake Binance on loopback.
const (
	sessionKey    = "e2eSessionKeyQ7w8E9r0T1y2U3i4O5p6"
	sessionSecret = "e2eSessionSecretM1n2B3v4C5x6Z7a8S9"
)

// hexSignature matches a Binance request signature (lowercase hex HMAC-SHA256) anywhere.
var hexSignature = regexp.MustCompile(`[0-9a-f]{64}`)

// liveSession adds a Binance key checked by a fake exchange, adds a live grid bot, runs
// `quantdeck serve` with the vault passphrase and an API token until the bot's orders rest on
// the exchange (every one of them signed with the stored secret), reads every API route, stops
// serve with SIGTERM and returns what it printed and answered, plus the token, for the caller
// to grep the data directory with.
func liveSession(t *testing.T, home, pass string) (outs []cliResult, token string) {
	t.Helper()
	srv, err := fake.New(fake.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if err := srv.AddKey(sessionKey, sessionSecret, fake.TradeOnly(), map[string]string{"USDT": "10000"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPrice("BTCUSDT", "60000"); err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(mustQD(t, 0, home, "", nil, "token").stdout)
	addr := freeAddr(t)
	env := []string{
		"QUANTDECK_EXCHANGE=binance", "QUANTDECK_BINANCE_REST_URL=" + srv.URL(), "QUANTDECK_BINANCE_WS_URL=" + srv.WSURL(),
		"QUANTDECK_SYMBOLS=BTCUSDT", "QUANTDECK_API_ADDR=" + addr, "QUANTDECK_API_TOKEN=" + token,
		"QUANTDECK_SSH=true", "QUANTDECK_SSH_ADDR=" + freeAddr(t),
	}
	withEnv := func(extra ...string) []string { return append(append([]string{}, env...), extra...) }

	r := mustQD(t, 0, home, sessionKey+"\n"+sessionSecret+"\n", withEnv(withPass(pass)...), "keys", "add", "--label", "live", "--exchange", "binance")
	outs = append(outs, r)
	r = mustQD(t, 0, home, "", withEnv(), "bots", "add", "--name", "g", "--symbol", "BTCUSDT", "--strategy", "grid",
		"--set", "lower=59000", "--set", "upper=61000", "--set", "levels=5", "--set", "quantity=0.001",
		"--budget", "500", "--live", "--key", "live")
	outs = append(outs, r)
	outs = append(outs, mustQD(t, 0, home, "", withEnv(), "bots", "start", "g"))

	cmd := exec.Command(quantdeckBin, "serve")
	cmd.Dir = filepath.Dir(home)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(home), "QUANTDECK_HOME=" + home},
		withEnv(withPass(pass)...)...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-waitDone
		}
	}()

	deadline := time.Now().Add(30 * time.Second)
	for open := 0; open < 2; {
		_ = srv.SetPrice("BTCUSDT", "60000") // a fresh tick for the bot
		open = 0
		for _, o := range srv.Orders(sessionKey) {
			if o.Status == exchange.StatusNew {
				open++
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the live grid placed %d resting orders, want 2:\n%s", open, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	assertPrivate(t, home)

	api := cliResult{}
	for _, path := range []string{"/v1/status", "/v1/bots", "/v1/bots/g", "/v1/orders?bot=g", "/v1/balances", "/v1/prices", "/metrics"} {
		code, body := apiGet(t, addr, path, token)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		api.stdout += body
	}
	if code, _ := apiGet(t, addr, "/v1/status", "not-the-token-"+strings.Repeat("x", 32)); code != http.StatusUnauthorized {
		t.Fatalf("a wrong token got %d", code)
	}
	outs = append(outs, api)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waitDone:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop:\n%s", out.String())
	}
	signed := 0
	for _, q := range srv.Requests() {
		if q.Path == "/api/v3/order" && q.Method == http.MethodPost && q.Status == http.StatusOK {
			signed++
		}
	}
	if signed < 2 {
		t.Fatalf("the exchange accepted %d signed orders, want at least 2", signed)
	}
	outs = append(outs, cliResult{stderr: out.String()})
	return outs, token
}

// assertPrivate checks, while serve runs, that the data directory and everything in it is
// its owner's alone: directories 0700; the database with its -wal and -shm, the log, the
// lock, the control socket, the SSH host key and authorized_keys 0600.
func assertPrivate(t *testing.T, home string) {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
		seen[filepath.Base(path)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"quantdeck.db", "quantdeck.db-wal", "quantdeck.db-shm", "quantdeck.log",
		"quantdeck.lock", "control.sock", "authorized_keys", "ssh_host_ed25519_key"} {
		if !seen[name] {
			t.Errorf("no %s in %s while serve runs (seen %v)", name, home, seen)
		}
	}
}

func apiGet(t *testing.T, addr, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// assertNowhere fails if any needle, or anything shaped like a request signature, appears in
// any file of the data directory (the database with its -wal and -shm, the log, the lock, the
// SSH files) or in the outputs. The database and the log must exist.
func assertNowhere(t *testing.T, home string, outputs []cliResult, needles ...string) {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		files[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"quantdeck.db", "quantdeck.log"} {
		if len(files[filepath.Join(home, name)]) == 0 {
			t.Fatalf("expected %s in %s", name, home)
		}
	}
	for i, r := range outputs {
		files[fmt.Sprintf("output %d", i)] = []byte(r.stdout + r.stderr)
	}
	for name, b := range files {
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s contains the plaintext %q", name, n)
			}
		}
		if m := hexSignature.Find(b); m != nil {
			t.Errorf("%s contains what looks like a request signature: %q", name, m)
		}
	}
}
