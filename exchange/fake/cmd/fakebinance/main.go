// Command fakebinance runs QuantDeck's fake Binance spot exchange on 127.0.0.1 for manual
// testing: it prints the REST and websocket URLs and a demo API key and secret, then serves
// until interrupted. The key is random for each run and only works against this process,
// unless FAKEBINANCE_API_KEY and FAKEBINANCE_API_SECRET give a fixed one (handy when the key is
// stored in QuantDeck's vault); a secret from the environment is not printed.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/quantdeck/quantdeck/exchange/fake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "fakebinance:", err)
		os.Exit(1)
	}
}

// Environment variables for a fixed demo key.
const (
	envKey    = "FAKEBINANCE_API_KEY"
	envSecret = "FAKEBINANCE_API_SECRET"
)

// run serves until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("fakebinance", flag.ContinueOnError)
	fs.SetOutput(out)
	port := fs.Int("port", 0, "port on 127.0.0.1 (0 picks a free one)")
	symbols := fs.String("symbols", "BTCUSDT,ETHUSDT,SOLUSDT,BNBUSDT", "symbols to list; SYMBOL=PRICE sets a starting price or adds a ...USDT symbol")
	drift := fs.Bool("drift", true, "move prices by a small random walk")
	tick := fs.Duration("tick", time.Second, "how often prices drift")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed for the drift")
	ping := fs.Duration("ping", 20*time.Second, "websocket ping interval")
	pongTimeout := fs.Duration("pong-timeout", time.Minute, "drop a websocket that leaves a ping unanswered this long")
	testnet := fs.Bool("testnet", false, "behave like the spot testnet (no /sapi endpoints)")
	usdt := fs.String("usdt", "10000", "starting USDT balance of the demo key")
	commission := fs.String("commission", "0.001", "fee rate on every fill")
	if err := fs.Parse(args); err != nil {
		return err
	}
	specs, err := parseSymbols(*symbols)
	if err != nil {
		return err
	}
	srv, err := fake.New(fake.Options{
		Symbols: specs, Drift: *drift, TickInterval: *tick, Seed: *seed, PingInterval: *ping,
		PongTimeout: *pongTimeout, Testnet: *testnet, Addr: fmt.Sprintf("127.0.0.1:%d", *port),
		Commission: *commission,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	key, secret, fixed := getenv(envKey), getenv(envSecret), true
	if key == "" || secret == "" {
		key, secret, fixed = randomHex(32), randomHex(32), false
	}
	balances := map[string]string{"USDT": *usdt}
	for _, sp := range specs {
		if r, ok := srv.Rules(sp.Symbol); ok && r.Base != "USDT" {
			balances[r.Base] = "0"
		}
	}
	if err := srv.AddKey(key, secret, fake.TradeOnly(), balances); err != nil {
		return err
	}
	fmt.Fprintf(out, "fake Binance spot exchange (demo only, not a real market)\n")
	fmt.Fprintf(out, "  REST       %s\n  websocket  %s\n", srv.URL(), srv.WSURL())
	fmt.Fprintf(out, "  demo key   %s\n", key)
	if fixed {
		fmt.Fprintf(out, "  demo secret (from %s)\n", envSecret)
	} else {
		fmt.Fprintf(out, "  demo secret %s\n", secret)
	}
	fmt.Fprintf(out, "  balances   %s USDT (trade-only key, no withdrawals)\n\n", *usdt)
	fmt.Fprintf(out, "Point QuantDeck at it:\n  QUANTDECK_EXCHANGE=binance-testnet QUANTDECK_BINANCE_REST_URL=%s QUANTDECK_BINANCE_WS_URL=%s\n", srv.URL(), srv.WSURL())
	fmt.Fprintf(out, "Ctrl-C stops it.\n")
	<-ctx.Done()
	return nil
}

// parseSymbols turns "BTCUSDT,FOOUSDT=1.5" into specs: known symbols take the default filters,
// unknown ones (with a price) get generic ones.
func parseSymbols(list string) ([]fake.SymbolSpec, error) {
	defaults := map[string]fake.SymbolSpec{}
	for _, sp := range fake.DefaultSymbols() {
		defaults[sp.Symbol] = sp
	}
	var out []fake.SymbolSpec
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, price, hasPrice := strings.Cut(item, "=")
		name = strings.ToUpper(name)
		sp, known := defaults[name]
		if !known {
			if !hasPrice {
				return nil, fmt.Errorf("symbol %s is not a default symbol: give a starting price as %s=PRICE", name, name)
			}
			sp = fake.SymbolSpec{Symbol: name, TickSize: "0.0001", StepSize: "0.01", MinNotional: "5"}
		}
		if hasPrice {
			sp.Price = price
		}
		out = append(out, sp)
	}
	if len(out) == 0 {
		return nil, errors.New("no symbols given")
	}
	return out, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
