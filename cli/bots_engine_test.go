package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/instance"
)

// botsEnv is the environment `quantdeck bots` runs with in these tests: the simulated market
// and the same watchlist as the running host.
var botsEnv = []string{"QUANTDECK_EXCHANGE=sim", "QUANTDECK_SYMBOLS=BTCUSDT,ETHUSDT"}

var addDCA = []string{"bots", "add", "--name", "dca-eth", "--symbol", "ethusdt", "--strategy", "dca",
	"--set", "amount=25", "--set", "interval=1h", "--budget", "500"}

func botNamed(s engine.Snapshot, name string) (engine.BotView, bool) {
	for _, b := range s.Bots {
		if b.Config.Name == name {
			return b, true
		}
	}
	return engine.BotView{}, false
}

// While a cockpit or serve runs, `bots add` and `bots remove` go to its engine through the
// control socket: the engine has the bot (or has dropped it) the moment the command returns,
// with nothing polling the store, and the engine's own checks answer a bad bot.
func TestBotsWritesReachTheRunningEngine(t *testing.T) {
	se := newServeEnv(t, serveVars(t))
	st, _, err := se.Source.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lock, err := instance.Acquire(st.Home)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	a, err := openApp(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	stop, _, err := a.StartBackground(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	waitForSocket(t, st.Home)

	r := mustQD(t, 0, st.Home, "", botsEnv, addDCA...)
	if !strings.Contains(r.stdout, "Added bot dca-eth") {
		t.Fatalf("bots add: %s", r)
	}
	b, ok := botNamed(a.Engine.Snapshot(), "dca-eth")
	if !ok || b.State != engine.BotStopped || b.Config.Symbol != "ETHUSDT" || b.Config.Budget.String() != "500" ||
		b.Config.Params["amount"] != "25" || b.Config.Mode != engine.Paper {
		t.Fatalf("the running engine does not have the bot as added: %+v (found %v)", b, ok)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"same name again", addDCA, "already exists"},
		{"outside the engine's watchlist", []string{"bots", "add", "--name", "sol", "--symbol", "SOLUSDT", "--strategy", "dca",
			"--set", "amount=25", "--set", "interval=1h", "--budget", "500"}, "not in the watchlist"},
		{"a parameter the strategy refuses", []string{"bots", "add", "--name", "g", "--symbol", "BTCUSDT", "--strategy", "grid",
			"--set", "lower=70000", "--set", "upper=60000", "--set", "levels=10", "--set", "quantity=0.001"}, "bots add:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustQD(t, 1, st.Home, "", botsEnv, tc.args...)
			if !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want %q in the refusal: %s", tc.want, r)
			}
		})
	}
	if n := len(a.Engine.Snapshot().Bots); n != 1 {
		t.Fatalf("%d bots in the engine after the refusals, want 1", n)
	}

	r = mustQD(t, 0, st.Home, "", botsEnv, "bots", "remove", "dca-eth")
	if !strings.Contains(r.stdout, "Removed bot dca-eth from the running QuantDeck") {
		t.Fatalf("bots remove: %s", r)
	}
	if _, ok := botNamed(a.Engine.Snapshot(), "dca-eth"); ok {
		t.Fatal("the running engine still has the removed bot")
	}
}

// With no engine running, `bots add` writes the store: the bot is there, stopped, when a host
// next opens the data directory.
func TestBotsAddWritesTheStoreWhenNoEngineRuns(t *testing.T) {
	home := newHome(t)
	mustQD(t, 0, home, "", botsEnv, addDCA...)
	st := config.Settings{Home: home, Exchange: "sim", Symbols: []string{"BTCUSDT", "ETHUSDT"}}
	a, err := openApp(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, ok := botNamed(a.Engine.Snapshot(), "dca-eth")
	if !ok || b.State != engine.BotStopped || b.Config.Budget.String() != "500" {
		t.Fatalf("the stored bot: %+v (found %v)", b, ok)
	}
}

// waitForSocket waits until the control socket for home answers.
func waitForSocket(t *testing.T, home string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := instance.Dial(home)
		if err == nil {
			_, err = c.Status(context.Background())
			c.Close()
			if err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the control socket does not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// With no engine running, `bots add` checks the symbol against the watchlist as the cockpit
// last left it (QUANTDECK_SYMBOLS with the runtime edits), which is what the next engine
// streams: a symbol watched at runtime is accepted, one removed at runtime is refused.
func TestBotsAddWithoutEngineUsesTheSavedWatchlist(t *testing.T) {
	home := newHome(t)
	ctx := context.Background()
	st := config.Settings{Home: home, Exchange: "sim", Symbols: []string{"BTCUSDT", "ETHUSDT"}}
	a, err := openApp(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.Watch(ctx, "SOLUSDT"); err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.Unwatch(ctx, "ETHUSDT"); err != nil {
		t.Fatal(err)
	}
	a.Close()

	mustQD(t, 0, home, "", botsEnv, "bots", "add", "--name", "dca-sol", "--symbol", "solusdt", "--strategy", "dca",
		"--set", "amount=25", "--set", "interval=1h", "--budget", "500")
	r := mustQD(t, 1, home, "", botsEnv, addDCA...)
	if !strings.Contains(r.stderr, "ETHUSDT is not in the watchlist (BTCUSDT,SOLUSDT)") {
		t.Fatalf("a symbol removed at runtime: %s", r)
	}
}
