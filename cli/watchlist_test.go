package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/exchange/fake"
	"github.com/quantdeck/quantdeck/logging"
)

func startFake(t *testing.T, opts fake.Options) *fake.Server {
	t.Helper()
	srv, err := fake.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func binanceVars(srv *fake.Server) []string {
	return []string{"QUANTDECK_EXCHANGE=binance", "QUANTDECK_BINANCE_REST_URL=" + srv.URL(), "QUANTDECK_BINANCE_WS_URL=" + srv.WSURL()}
}

func readLog(t *testing.T, home string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, logging.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUnknownSymbolRefusedAtStart runs `quantdeck serve` with a watchlist symbol the market does
// not list: it must exit non-zero naming the symbol, in the terminal and in the log, before
// anything claims the bots resumed.
func TestUnknownSymbolRefusedAtStart(t *testing.T) {
	srv := startFake(t, fake.Options{})
	cases := []struct {
		name    string
		env     []string
		symbols string
		unknown []string
	}{
		{"simulated market", []string{"QUANTDECK_EXCHANGE=sim"}, "BTCUSDT,FOOBAR", []string{"FOOBAR"}},
		{"exchange on loopback", binanceVars(srv), "BTCUSDT,NOPEUSDT,ETHUSDT,ZZZUSDT", []string{"NOPEUSDT", "ZZZUSDT"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := newHome(t)
			r := mustQD(t, 1, home, "", append(c.env, "QUANTDECK_SYMBOLS="+c.symbols), "serve")
			log := readLog(t, home)
			for _, sym := range c.unknown {
				if !strings.Contains(r.stderr, sym) || !strings.Contains(log, sym) {
					t.Errorf("%s not named on the terminal and in the log:\n%s\nlog:\n%s", sym, r, log)
				}
			}
			for _, want := range []string{config.EnvSymbols, "not listed", "remove"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r)
				}
			}
			for _, known := range []string{"BTCUSDT", "ETHUSDT"} {
				if strings.Contains(r.stderr, known) {
					t.Errorf("a listed symbol %s is blamed:\n%s", known, r)
				}
			}
			if strings.Contains(r.stderr, "bots resumed") {
				t.Errorf("serve claimed the bots resumed:\n%s", r)
			}
		})
	}
}

// TestWatchlistCheckGivesWayToAnUnreachableExchange opens the real runtime against an exchange
// address nothing listens on: the symbols cannot be checked, so the start goes on (the stream
// keeps retrying) and the log says the check was skipped.
func TestWatchlistCheckGivesWayToAnUnreachableExchange(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	st := config.Settings{Home: newHome(t), Exchange: "binance", RESTURL: "http://" + addr, WSURL: "ws://" + addr, Symbols: []string{"BTCUSDT"}}
	rt, err := openApp(context.Background(), st)
	if err != nil {
		t.Fatalf("an unreachable exchange refused the start: %v", err)
	}
	rt.Close()
	if log := readLog(t, st.Home); !strings.Contains(log, "could not check a watchlist symbol") {
		t.Errorf("the skipped check is not logged:\n%s", log)
	}
}

// TestServeExitsWhenTheEngineStops runs `quantdeck serve` against the fake exchange with more
// symbols than one market connection carries: the engine's stream cannot start, and serve must
// log the cause, say so on the terminal and exit non-zero (so systemd restarts it) instead of
// serving an engine that no longer runs.
func TestServeExitsWhenTheEngineStops(t *testing.T) {
	var specs []fake.SymbolSpec
	var names []string
	for i := range 513 {
		sym := fmt.Sprintf("C%04dUSDT", i)
		specs = append(specs, fake.SymbolSpec{Symbol: sym, Price: "1.00"})
		names = append(names, sym)
	}
	srv := startFake(t, fake.Options{Symbols: specs, WeightLimit: -1})
	home := newHome(t)
	r := mustQD(t, 1, home, "", append(binanceVars(srv), "QUANTDECK_SYMBOLS="+strings.Join(names, ",")), "serve")
	const cause = "more than one connection carries"
	if !strings.Contains(r.stderr, "the engine stopped") || !strings.Contains(r.stderr, cause) {
		t.Errorf("stderr does not say the engine stopped and why:\n%s", r)
	}
	if log := readLog(t, home); !strings.Contains(log, "engine stopped") || !strings.Contains(log, cause) {
		t.Errorf("the log does not hold the cause:\n%s", log)
	}
}

// TestCockpitRefusesAnUnknownSymbol takes the cockpit's own path (a terminal, the real
// runtime): the unknown symbol stops it before the screen opens, named on the terminal.
func TestCockpitRefusesAnUnknownSymbol(t *testing.T) {
	vars := map[string]string{config.EnvHome: newHome(t), config.EnvExchange: "sim", config.EnvSymbols: "ETHUSDT,NOTAPAIR"}
	env, stdout, stderr := cockpitEnv(t, vars)
	env.IsTerminal = func(any) bool { return true }
	if code := Run(context.Background(), env, nil); code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr.String(), "NOTAPAIR is not listed on sim") || strings.Contains(stderr.String(), "ETHUSDT") {
		t.Fatalf("stderr does not name only the unknown symbol:\n%s", stderr)
	}
}
