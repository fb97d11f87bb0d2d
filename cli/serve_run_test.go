package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/vault"
)

const serveTestToken = "serve-test-token-0123456789-abcdefghijklmnop"

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// prepareHome adds a paper DCA bot (and, with a passphrase, a vault) before serve starts.
func prepareHome(t *testing.T, se *serveEnv, passphrase string) {
	t.Helper()
	st, _, err := se.Source.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt, err := openApp(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	err = rt.Engine.AddBot(ctx, engine.BotConfig{Name: "dca-btc", Symbol: "BTCUSDT", Strategy: "dca", Mode: engine.Paper,
		Params: map[string]string{"amount": "25", "interval": "1h"}, Budget: decimal.MustNew(500, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if passphrase != "" {
		if err := rt.Vault.Create(ctx, []byte(passphrase), config.MinKDFIterations); err != nil {
			t.Fatal(err)
		}
	}
}

type runningServe struct {
	se   *serveEnv
	url  string
	stop func() error
}

// startServe runs cmdServe in the background and waits until its API answers.
func startServe(t *testing.T, se *serveEnv, args ...string) *runningServe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmdServe(ctx, se.Env, args) }()
	rs := &runningServe{se: se, url: "http://" + se.get(config.EnvAPIAddr)}
	stopped := false
	var result error
	rs.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { rs.stop() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _ := rs.call(t, "GET", "/v1/status", ""); code == http.StatusOK {
			return rs
		}
		select {
		case err := <-done:
			stopped, result = true, err
			t.Fatalf("serve ended early: %v\nstderr: %s", err, se.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API never came up; stderr: %s", se.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (rs *runningServe) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, rs.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+serveTestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func (rs *runningServe) botState(t *testing.T) string {
	t.Helper()
	code, m := rs.call(t, "GET", "/v1/bots/dca-btc", "")
	if code != http.StatusOK {
		t.Fatalf("GET bot: %d %v", code, m)
	}
	return m["state"].(string)
}

func serveVars(t *testing.T) map[string]string {
	return map[string]string{
		config.EnvAPIToken: serveTestToken, config.EnvAPIAddr: freeAddr(t), config.EnvExchange: "sim",
		config.EnvSymbols: "BTCUSDT,ETHUSDT", config.EnvSimSeed: "7",
	}
}

// TestServeEndToEnd runs serve with the real engine on the simulated market and paper
// trading, drives it through the API and the control socket, and stops it like SIGTERM does.
func TestServeEndToEnd(t *testing.T) {
	se := newServeEnv(t, serveVars(t))
	prepareHome(t, se, "")
	home := se.get(config.EnvHome)
	rs := startServe(t, se)

	code, st := rs.call(t, "GET", "/v1/status", "")
	if code != 200 || st["exchange"] != "sim" || st["mode"] != "simulated" || st["bots_total"] != float64(1) || st["vault"] != "none" {
		t.Fatalf("status: %d %v", code, st)
	}
	if _, err := instance.Acquire(home); !errors.Is(err, instance.ErrRunning) {
		t.Errorf("a second process could take the data directory: %v", err)
	}
	if code, m := rs.call(t, "POST", "/v1/bots/dca-btc/start", ""); code != 200 || m["state"] != "running" {
		t.Fatalf("start through the API: %d %v", code, m)
	}
	// The control socket reaches the same engine without a token.
	c, err := instance.Dial(home)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StopBot(context.Background(), "dca-btc"); err != nil {
		t.Fatal(err)
	}
	if got := rs.botState(t); got != "stopped" {
		t.Errorf("after stop through the socket: %s", got)
	}
	if code, m := rs.call(t, "POST", "/v1/killswitch", `{"reason":"test"}`); code != 200 || m["engaged"] != true {
		t.Fatalf("kill switch: %d %v", code, m)
	}
	if err := c.StartBot(context.Background(), "dca-btc"); err == nil || !strings.Contains(err.Error(), "kill switch") {
		t.Errorf("start while the kill switch is engaged: %v", err)
	}
	if code, m := rs.call(t, "DELETE", "/v1/killswitch", ""); code != 200 || m["engaged"] != false {
		t.Fatalf("release: %d %v", code, m)
	}
	if err := c.StartBot(context.Background(), "dca-btc"); err != nil {
		t.Fatalf("start after release: %v", err)
	}
	if got := rs.botState(t); got != "running" {
		t.Errorf("after start through the socket: %s", got)
	}

	if err := rs.stop(); err != nil {
		t.Fatalf("serve on shutdown: %v", err)
	}
	if _, err := os.Stat(instance.SocketPath(home)); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
	l, err := instance.Acquire(home)
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	l.Close()
	out := se.stderr.String()
	for _, want := range []string{"control API listening", "control socket listening", "bots resumed", "serve: stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, serveTestToken) {
		t.Error("stderr contains the API token")
	}

	// The bot's desired state survives the restart: serve resumes it.
	se2 := newServeEnv(t, map[string]string{config.EnvHome: home, config.EnvAPIToken: serveTestToken,
		config.EnvAPIAddr: freeAddr(t), config.EnvSymbols: "BTCUSDT,ETHUSDT"})
	rs2 := startServe(t, se2)
	deadline := time.Now().Add(10 * time.Second)
	for rs2.botState(t) != "running" {
		if time.Now().After(deadline) {
			t.Fatalf("the running bot did not come back after a restart: %s", se2.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeSealedStart: with a vault and no passphrase, serve runs sealed (no bot can start);
// with the passphrase in the environment it unlocks, takes the variable out and resumes.
func TestServeSealedStart(t *testing.T) {
	const pass = "correct horse battery staple"
	vars := serveVars(t)
	se := newServeEnv(t, vars)
	prepareHome(t, se, pass)
	home := se.get(config.EnvHome)

	rs := startServe(t, se)
	if code, st := rs.call(t, "GET", "/v1/status", ""); code != 200 || st["vault"] != "sealed" {
		t.Fatalf("sealed start status: %d %v", code, st)
	}
	if code, m := rs.call(t, "POST", "/v1/bots/dca-btc/start", ""); code != http.StatusConflict {
		t.Errorf("start while sealed: %d %v, want 409", code, m)
	}
	if !strings.Contains(se.stderr.String(), "sealed") {
		t.Errorf("no sealed notice: %s", se.stderr.String())
	}
	if err := rs.stop(); err != nil {
		t.Fatal(err)
	}

	se2 := newServeEnv(t, map[string]string{config.EnvHome: home, config.EnvAPIToken: serveTestToken,
		config.EnvAPIAddr: freeAddr(t), config.EnvSymbols: "BTCUSDT,ETHUSDT", config.EnvVaultPassphrase: pass})
	rs2 := startServe(t, se2)
	if se2.get(config.EnvVaultPassphrase) != "" {
		t.Error("the passphrase variable is still in the environment")
	}
	if code, st := rs2.call(t, "GET", "/v1/status", ""); st["vault"] != "unlocked" {
		t.Fatalf("status with passphrase: %d %v", code, st)
	}
	if code, m := rs2.call(t, "POST", "/v1/bots/dca-btc/start", ""); code != 200 {
		t.Fatalf("start after unlock: %d %v", code, m)
	}
	// quantdeck seal's path: the control socket drops the key.
	c, err := instance.Dial(home)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if sealed, err := c.Seal(context.Background()); err != nil || sealed.SSHAddr != "" {
		t.Fatal(err)
	}
	if _, st := rs2.call(t, "GET", "/v1/status", ""); st["vault"] != "sealed" {
		t.Errorf("after seal: %v", st)
	}
	if err := rs2.stop(); err != nil {
		t.Fatal(err)
	}
	checkNoPlaintext(t, home, pass, se.stderr.String()+se2.stderr.String())
}

// checkNoPlaintext looks for the passphrase in the output and every file of the data directory.
func checkNoPlaintext(t *testing.T, home, secret, output string) {
	t.Helper()
	if strings.Contains(output, secret) {
		t.Error("the passphrase reached the output")
	}
	entries, err := os.ReadDir(home)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Type()&os.ModeSocket != 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(home, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			t.Errorf("%s contains the passphrase", e.Name())
		}
	}
}

// TestServeWrongPassphrase: a wrong passphrase stops serve before anything listens, says so
// without echoing it, and releases the data directory.
func TestServeWrongPassphrase(t *testing.T) {
	se := newServeEnv(t, serveVars(t))
	prepareHome(t, se, "correct horse battery staple")
	home := se.get(config.EnvHome)
	file := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(file, []byte("wrong horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := cmdServe(context.Background(), se.Env, []string{"--passphrase-file", file})
	if !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("serve: %v, want a wrong passphrase error", err)
	}
	if strings.Contains(err.Error()+se.stderr.String(), "wrong horse") {
		t.Error("the passphrase was echoed")
	}
	if _, err := os.Lstat(instance.SocketPath(home)); !os.IsNotExist(err) {
		t.Errorf("control socket exists: %v", err)
	}
	l, err := instance.Acquire(home)
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	l.Close()
}
