package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/store"
)

type botsHarness struct {
	home     string
	tool     *botTool
	out, err *bytes.Buffer
	locked   bool     // pretend another process holds the data directory
	remote   []string // calls that reached the running engine
}

func newBotsHarness(t *testing.T) *botsHarness {
	t.Helper()
	h := &botsHarness{home: t.TempDir(), out: &bytes.Buffer{}, err: &bytes.Buffer{}}
	vars := map[string]string{config.EnvHome: h.home, config.EnvExchange: "sim"}
	env := &Env{
		Stdin: strings.NewReader(""), Stdout: h.out, Stderr: h.err,
		Source: &config.Source{Getenv: func(k string) string { return vars[k] }, Dir: h.home},
	}
	h.tool = &botTool{
		env:      env,
		rulesFor: exchangeRules, // the simulated market's real rules
		lock: func(home string) (io.Closer, error) {
			if h.locked {
				return nil, &instance.RunningError{Home: home, PID: 42}
			}
			return instance.Acquire(home)
		},
		viaEngine: func(_ context.Context, _, name string, start bool) error {
			h.remote = append(h.remote, map[bool]string{true: "start ", false: "stop "}[start]+name)
			return nil
		},
		addViaEngine: func(_ context.Context, _ string, cfg engine.BotConfig) error {
			h.remote = append(h.remote, "add "+cfg.Name)
			return nil
		},
		removeViaEngine: func(_ context.Context, _, name string) error {
			h.remote = append(h.remote, "remove "+name)
			return nil
		},
	}
	return h
}

func (h *botsHarness) run(args ...string) error {
	h.out.Reset()
	h.err.Reset()
	return h.tool.run(context.Background(), args)
}

func (h *botsHarness) desired(t *testing.T, name string) string {
	t.Helper()
	db, err := store.Open(context.Background(), h.home)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(`SELECT desired FROM bots WHERE name = ?`, name).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBotsAddValidates(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		usage   bool
	}{
		{"dca ok", []string{"--name", "dca1", "--symbol", "btcusdt", "--strategy", "dca", "--set", "amount=25", "--set", "interval=1h", "--budget", "500"}, "", false},
		{"grid ok", []string{"--name", "grid1", "--symbol", "BTCUSDT", "--strategy", "grid", "--set", "lower=60000", "--set", "upper=70000", "--set", "levels=10", "--set", "quantity=0.001"}, "", false},
		{"amount below min notional", []string{"--name", "x", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount=1", "--set", "interval=1h"}, "below BTCUSDT's minimum order value", false},
		{"quantity off step", []string{"--name", "x", "--symbol", "BTCUSDT", "--strategy", "grid", "--set", "lower=60000", "--set", "upper=70000", "--set", "levels=10", "--set", "quantity=0.0010001"}, "not a multiple of BTCUSDT's step size", false},
		{"unknown parameter", []string{"--name", "x", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount=25", "--set", "interval=1h", "--set", "amout=3"}, "unknown dca parameter amout", false},
		{"symbol outside the watchlist", []string{"--name", "x", "--symbol", "DOGEUSDT", "--strategy", "dca", "--set", "amount=25", "--set", "interval=1h"}, "not in the watchlist (BTCUSDT,ETHUSDT,SOLUSDT,BNBUSDT)", false},
		{"live on the simulated market", []string{"--name", "x", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount=25", "--set", "interval=1h", "--budget", "100", "--live", "--key", "main"}, "only trades on paper", false},
		{"key without live", []string{"--name", "x", "--symbol", "BTCUSDT", "--strategy", "dca", "--key", "main"}, "add --live", true},
		{"missing name", []string{"--symbol", "BTCUSDT", "--strategy", "dca"}, "needs --name", true},
		{"bad --set", []string{"--name", "x", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount"}, "PARAM=VALUE", true},
		{"negative budget", []string{"--name", "x", "--symbol", "BTCUSDT", "--strategy", "dca", "--budget", "-5"}, "not an amount", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newBotsHarness(t)
			err := h.run(append([]string{"add"}, tc.args...)...)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("add: %v", err)
				}
				if !strings.Contains(h.out.String(), "Added bot") {
					t.Fatalf("stdout = %q", h.out.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error()+h.err.String(), tc.wantErr) {
				t.Fatalf("err = %v (stderr %q), want %q", err, h.err.String(), tc.wantErr)
			}
			if got := errors.Is(err, ErrUsage); got != tc.usage {
				t.Fatalf("usage error = %v, want %v (%v)", got, tc.usage, err)
			}
		})
	}
}

func TestBotsLifecycleWithoutEngine(t *testing.T) {
	h := newBotsHarness(t)
	must := func(args ...string) string {
		t.Helper()
		if err := h.run(args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return h.out.String()
	}
	must("add", "--name", "d1", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount=25", "--set", "interval=1h", "--budget", "500")
	if err := h.run("add", "--name", "d1", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount=25", "--set", "interval=1h"); !errors.Is(err, engine.ErrBotExists) {
		t.Fatalf("duplicate add: err = %v, want ErrBotExists", err)
	}
	out := must("list")
	for _, want := range []string{"NAME", "d1", "BTCUSDT", "dca", "paper", "stopped", "0/500"} {
		if !strings.Contains(out, want) {
			t.Fatalf("list output lacks %q:\n%s", want, out)
		}
	}
	must("start", "d1")
	if got := h.desired(t, "d1"); got != "running" {
		t.Fatalf("desired after start = %q, want running", got)
	}
	var bots []botJSON
	if err := json.Unmarshal([]byte(must("list", "--json")), &bots); err != nil {
		t.Fatal(err)
	}
	if len(bots) != 1 || bots[0].Name != "d1" || bots[0].Budget != "500" || bots[0].Params["amount"] != "25" || bots[0].Reason != "starts with the engine" {
		t.Fatalf("list --json = %+v", bots)
	}
	if err := h.run("remove", "d1"); !errors.Is(err, engine.ErrBotRunning) {
		t.Fatalf("remove a wanted bot: err = %v, want ErrBotRunning", err)
	}
	must("stop", "d1")
	if got := h.desired(t, "d1"); got != "stopped" {
		t.Fatalf("desired after stop = %q, want stopped", got)
	}
	must("remove", "d1")
	if out := must("list"); !strings.Contains(out, "No bots yet") {
		t.Fatalf("list after remove:\n%s", out)
	}
	if err := h.run("start", "ghost"); !errors.Is(err, engine.ErrNoBot) {
		t.Fatalf("start unknown: err = %v, want ErrNoBot", err)
	}
	if len(h.remote) != 0 {
		t.Fatalf("reached a running engine that does not exist: %v", h.remote)
	}
}

// With an engine running on the same data, add, start, stop and remove go to it and the store
// is left alone.
func TestBotsStartStopReachRunningEngine(t *testing.T) {
	h := newBotsHarness(t)
	if err := h.run("add", "--name", "g1", "--symbol", "BTCUSDT", "--strategy", "grid", "--set", "lower=60000", "--set", "upper=70000", "--set", "levels=5", "--set", "quantity=0.001"); err != nil {
		t.Fatal(err)
	}
	h.locked = true
	if err := h.run("start", "g1"); err != nil {
		t.Fatal(err)
	}
	if err := h.run("stop", "g1"); err != nil {
		t.Fatal(err)
	}
	if err := h.run("add", "--name", "g2", "--symbol", "BTCUSDT", "--strategy", "grid", "--set", "lower=60000", "--set", "upper=70000", "--set", "levels=5", "--set", "quantity=0.001"); err != nil {
		t.Fatal(err)
	}
	if err := h.run("remove", "g1"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"start g1", "stop g1", "add g2", "remove g1"}; strings.Join(h.remote, ",") != strings.Join(want, ",") {
		t.Fatalf("engine calls = %v, want %v", h.remote, want)
	}
	if got := h.desired(t, "g1"); got != "stopped" {
		t.Fatalf("store changed behind the engine's back: desired = %q", got)
	}
	h.locked = false
	if err := h.run("list"); err != nil {
		t.Fatal(err)
	}
	if out := h.out.String(); strings.Contains(out, "g2") || !strings.Contains(out, "g1") {
		t.Fatalf("store changed behind the engine's back: list =\n%s", out)
	}
}

func TestBotsUsage(t *testing.T) {
	h := newBotsHarness(t)
	if err := h.run(); !errors.Is(err, ErrUsage) {
		t.Fatalf("no command: err = %v, want ErrUsage", err)
	}
	if err := h.run("frobnicate"); !errors.Is(err, ErrUsage) {
		t.Fatalf("unknown command: err = %v, want ErrUsage", err)
	}
	if err := h.run("-h"); err != nil || !strings.Contains(h.out.String(), "quantdeck bots") {
		t.Fatalf("-h: err = %v, out = %q", err, h.out.String())
	}
	if err := h.run("start"); !errors.Is(err, ErrUsage) {
		t.Fatalf("start without a name: err = %v, want ErrUsage", err)
	}
}

// FuzzBotsAdd feeds arbitrary flag values to `bots add`: it must refuse or accept without
// panicking, and anything it accepts must be a valid bot.
func FuzzBotsAdd(f *testing.F) {
	f.Add("d1", "BTCUSDT", "dca", "amount=25", "interval=1h", "500")
	f.Add("g", "btcusdt", "grid", "lower=1", "upper=2", "-1")
	f.Add("", "", "", "=", "a=b=c", "1e400")
	f.Fuzz(func(t *testing.T, name, symbol, strategy, set1, set2, budget string) {
		h := newBotsHarness(t)
		rules, err := exchangeRules(context.Background(), config.Settings{Exchange: "sim"}, "BTCUSDT")
		if err != nil {
			t.Fatal(err)
		}
		h.tool.rulesFor = func(context.Context, config.Settings, string) (exchange.Rules, error) { return rules, nil }
		err = h.run("add", "--name", name, "--symbol", symbol, "--strategy", strategy, "--set", set1, "--set", set2, "--budget", budget)
		if err != nil {
			return
		}
		bots := listJSON(t, h)
		if len(bots) != 1 || bots[0].Name != name {
			t.Fatalf("accepted %q but listed %+v", name, bots)
		}
	})
}

func listJSON(t *testing.T, h *botsHarness) []botJSON {
	t.Helper()
	if err := h.run("list", "--json"); err != nil {
		t.Fatal(err)
	}
	var bots []botJSON
	if err := json.Unmarshal(h.out.Bytes(), &bots); err != nil {
		t.Fatal(err)
	}
	return bots
}

// TestBotsStartStopJSON checks `bots start|stop --json` on both paths: recorded for the next
// start, and done by a running engine.
func TestBotsStartStopJSON(t *testing.T) {
	h := newBotsHarness(t)
	if err := h.run("add", "--name", "d1", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount=25", "--set", "interval=1h"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		locked bool
		args   []string
		want   startStopJSON
	}{
		{false, []string{"start", "--json", "d1"}, startStopJSON{Name: "d1", Desired: "running", AppliedBy: "next_start"}},
		{false, []string{"stop", "--json", "d1"}, startStopJSON{Name: "d1", Desired: "stopped", AppliedBy: "next_start"}},
		{true, []string{"start", "--json", "d1"}, startStopJSON{Name: "d1", Desired: "running", AppliedBy: "engine"}},
		{true, []string{"stop", "--json", "d1"}, startStopJSON{Name: "d1", Desired: "stopped", AppliedBy: "engine"}},
	}
	for _, c := range cases {
		h.locked = c.locked
		if err := h.run(c.args...); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		var got startStopJSON
		dec := json.NewDecoder(bytes.NewReader(h.out.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%v: output %q is not the JSON answer: %v", c.args, h.out.String(), err)
		}
		if got != c.want {
			t.Errorf("%v (engine running: %v) = %+v, want %+v", c.args, c.locked, got, c.want)
		}
	}
	h.locked = false
	if err := h.run("start", "--json", "ghost"); !errors.Is(err, engine.ErrNoBot) || h.out.Len() != 0 {
		t.Fatalf("start --json of an unknown bot: err = %v, stdout %q", err, h.out.String())
	}
}

func TestVersionHelp(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inStdout string
	}{
		{[]string{"version"}, 0, "quantdeck " + Version},
		{[]string{"version", "-h"}, 0, "Usage: quantdeck version"},
		{[]string{"version", "--help"}, 0, "Usage: quantdeck version"},
		{[]string{"version", "extra"}, 2, ""},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
		if code := Run(context.Background(), env, c.args); code != c.code || !strings.Contains(out.String(), c.inStdout) {
			t.Errorf("%v: exit %d stdout %q, want exit %d and %q", c.args, code, out.String(), c.code, c.inStdout)
		}
		if c.code == 0 && c.args[len(c.args)-1] != "version" && strings.Contains(out.String(), "quantdeck "+Version+"\n") {
			t.Errorf("%v printed the version instead of help", c.args)
		}
	}
}
