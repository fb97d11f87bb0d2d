package engine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/fake"
	"github.com/quantdeck/quantdeck/store"
)

// The crash test runs the engine in a child process (this test binary, re-executed with
// crashChildEnv set) trading live through the Binance adapter against the fake exchange, and
// kills it with SIGKILL: at random moments, and at chosen points (after the intent row is
// written; after the attempt is written, before anything is signed; after a signed send is
// recorded, before the request leaves; after the exchange answered, before the journal
// heard). Some orders are delivered late, at the end of their receive window. Then it checks
// the journal against the fake's own records.

const (
	crashChildEnv = "QUANTDECK_ENGINE_CRASH_CHILD"
	crashKey      = "crash-test-key"
	crashSecret   = "crash-test-secret"
	crashRuns     = 32
	// crashRecvWindow is the receive window the crash tests sign with.
	crashRecvWindow = 1500 * time.Millisecond
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

// staticCreds lends a fixed test key.
type staticCreds struct{ key, secret string }

func (c staticCreds) Use(_ context.Context, fn func(apiKey, apiSecret []byte) error) error {
	return fn([]byte(c.key), []byte(c.secret))
}

// liveOnFake is a resumed engine on the system clock, trading live through the Binance adapter
// against a funded fake exchange on loopback (no rate limits), all closed when t ends.
func liveOnFake(t *testing.T) (*fake.Server, *Engine, *binance.Client) {
	t.Helper()
	fx, err := fake.New(fake.Options{WeightLimit: -1, OrderLimit10s: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fx.Close)
	if err := fx.AddKey(crashKey, crashSecret, fake.TradeOnly(), map[string]string{"USDT": "100000"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, c, err := crashEngine(ctx, t.TempDir(), fx.URL(), fx.WSURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	return fx, e, c
}

func crashLimits() Limits {
	return Limits{OrdersPerSecond: 200, Burst: 50, InFlightWindow: 300 * time.Millisecond, PollInterval: 200 * time.Millisecond,
		ResolveBackoff: 10 * time.Millisecond, ResolveMaxBackoff: 100 * time.Millisecond, SnapshotInterval: time.Second}
}

func crashEngine(ctx context.Context, dir, rest, ws string) (*Engine, *binance.Client, error) {
	db, err := store.Open(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	// A short receive window keeps the waits for late requests short.
	c, err := binance.New(binance.Config{Name: "binance", RESTURL: rest, WSURL: ws, Creds: staticCreds{crashKey, crashSecret},
		RecvWindow: crashRecvWindow})
	if err != nil {
		return nil, nil, err
	}
	e, err := New(Config{DB: db, Market: c, ExchangeName: "binance", Symbols: []string{"BTCUSDT"},
		Live:   func(string) (exchange.Trader, error) { return c, nil },
		KeyOK:  func(context.Context, string) error { return nil },
		Limits: crashLimits()})
	return e, c, err
}

// crashChild is the process that gets killed.
func crashChild() int {
	ctx := context.Background()
	e, _, err := crashEngine(ctx, os.Getenv("CRASH_DIR"), os.Getenv("CRASH_REST"), os.Getenv("CRASH_WS"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	seed, _ := strconv.ParseUint(os.Getenv("CRASH_SEED"), 10, 64)
	rng := rand.New(rand.NewPCG(seed, 7))
	at := 1 + rng.IntN(3) // die at the at-th pass through the chosen point
	die := func(point string) func(string) {
		var mu sync.Mutex
		n := 0
		return func(clientID string) {
			mu.Lock()
			n++
			hit := n == at
			mu.Unlock()
			if hit {
				fmt.Fprintf(os.Stderr, "KILL %s %s\n", point, clientID)
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // never returns
			}
		}
	}
	switch os.Getenv("CRASH_POINT") {
	case "after-intent":
		e.hooks.afterIntent = die("after-intent")
	case "after-mark":
		e.hooks.afterMark = die("after-mark")
	case "after-record":
		e.hooks.afterRecord = die("after-record")
	case "after-ack":
		e.hooks.afterAck = die("after-ack")
	}
	go func() {
		if err := e.Resume(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "child: resume:", err)
		}
		fmt.Println("resumed")
	}()
	if err := e.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child: run:", err)
		return 1
	}
	return 0
}

func TestCrashRecovery(t *testing.T) {
	fx, err := fake.New(fake.Options{WeightLimit: -1, OrderLimit10s: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer fx.Close()
	start := map[string]string{"USDT": "1000000", "BTC": "10"}
	if err := fx.AddKey(crashKey, crashSecret, fake.TradeOnly(), start); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := fx.Rules("BTCUSDT")
	reg := NewRegistry(db, nil)
	for _, cfg := range []BotConfig{
		{Name: "dca", Symbol: "BTCUSDT", Strategy: "dca", Mode: Live, KeyLabel: "k", Budget: d("1000000"),
			Params: map[string]string{"amount": "20", "interval": "1s", "take_profit": "0.05"}},
		{Name: "grid", Symbol: "BTCUSDT", Strategy: "grid", Mode: Live, KeyLabel: "k", Budget: d("1000000"),
			Params: map[string]string{"lower": "59900", "upper": "60100", "levels": "9", "quantity": "0.001"}},
	} {
		if err := reg.Add(ctx, cfg, rules); err != nil {
			t.Fatal(err)
		}
		if err := reg.SetDesired(ctx, cfg.Name, true); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	// Move the price so grid orders fill and the take-profit triggers now and then.
	stopPrices := make(chan struct{})
	pricesDone := make(chan struct{})
	go func() {
		defer close(pricesDone)
		rng := rand.New(rand.NewPCG(1, 2))
		p := 60000.0
		tk := time.NewTicker(5 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stopPrices:
				return
			case <-tk.C:
				p += float64(rng.IntN(21)-10) * 2
				p = min(max(p, 59850), 60150)
				fx.SetPrice("BTCUSDT", strconv.FormatFloat(p, 'f', 2, 64))
			}
		}
	}()

	kills := map[string]int{}
	points := []string{"", "after-intent", "after-mark", "after-record", "after-ack"}
	for i := 0; i < crashRuns; i++ {
		point := points[i%len(points)]
		switch i % 4 {
		case 0:
			// The next order lands at the last moment its receive window allows, whether
			// this run lives that long or the next one reconciles it.
			fx.DeliverLateNext(1)
		case 1:
			fx.DropOrderResponseNext(1)
		case 2:
			fx.ServerErrorAfterApplyNext(1)
		case 3:
			fx.PartialFillNext(2)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"=1", "CRASH_DIR="+dir, "CRASH_REST="+fx.URL(), "CRASH_WS="+fx.WSURL(),
			"CRASH_POINT="+point, "CRASH_SEED="+strconv.Itoa(i))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { // drain stdout
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
			}
		}()
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		life := time.Duration(300+rand.IntN(900)) * time.Millisecond
		if point != "" {
			life = 4 * time.Second // time to reach the kill point; killed anyway after
		}
		select {
		case <-exited:
		case <-time.After(life):
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: child ended without SIGKILL (%v): %s", i, cmd.ProcessState, stderr.String())
		}
		if strings.Contains(stderr.String(), "KILL ") {
			kills[point]++
		} else {
			kills["random"]++
		}
		if strings.Contains(stderr.String(), "DATA RACE") || strings.Contains(stderr.String(), "panic:") {
			t.Fatalf("run %d: child failed:\n%s", i, stderr.String())
		}
	}
	close(stopPrices)
	<-pricesDone
	t.Logf("kills: %v", kills)
	for _, p := range points[1:] {
		if kills[p] == 0 {
			t.Fatalf("the kill point %s was never reached: %v", p, kills)
		}
	}

	// Restart once more, reconcile, and cancel everything so both sides are final.
	e, _, err := crashEngine(ctx, dir, fx.URL(), fx.WSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.EngageKillSwitch(ctx, "crash test: final check"); err != nil {
		t.Fatal(err)
	}
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.EngageKillSwitch(ctx, "crash test: final check"); err != nil {
		t.Fatal(err)
	}
	e.pollOnce(ctx, false)
	// Every late request has expired by now: the journal must have waited for it. One still
	// held would be an order the journal declared never placed while it could still land.
	fx.DeliverDue()
	if n := fx.Held(); n > 0 {
		t.Errorf("%d late requests could still land after reconciliation", n)
	}
	checkCrashInvariants(t, e, fx, start)
}

func checkCrashInvariants(t *testing.T, e *Engine, fx *fake.Server, start map[string]string) {
	ctx := context.Background()
	// 1. No client order id was sent twice as a new order.
	sent := map[string]int{}
	for _, id := range fx.NewOrderIDs() {
		sent[id]++
		if sent[id] > 1 {
			t.Errorf("client order id %s was sent %d times as a new order", id, sent[id])
		}
	}
	// 2. Every order the exchange holds is in the journal, final, with the exchange's state.
	held := fx.Orders(crashKey)
	if len(held) < 20 {
		t.Fatalf("only %d orders reached the exchange: the test traded too little to prove anything", len(held))
	}
	onExchange := map[string]bool{}
	for _, o := range held {
		onExchange[o.ClientID] = true
		rec, err := e.j.Order(ctx, o.ClientID)
		if err != nil {
			t.Errorf("order %s (%s) on the exchange: %v", o.ClientID, o.Status, err)
			continue
		}
		if want := strategy.StateOf(o.Status); rec.State != want || !rec.Executed.Equal(o.ExecutedQty) {
			t.Errorf("order %s: journal %s executed %s, exchange %s executed %s", o.ClientID, rec.State, rec.Executed, o.Status, o.ExecutedQty)
		}
	}
	// 3. Every journal row is final, and one the exchange never saw is marked never placed.
	rows, err := e.j.Orders(ctx, OrderFilter{Limit: math.MaxInt32})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !r.State.Final() {
			t.Errorf("journal row %s still %s after reconciliation", r.ClientID, r.State)
		}
		if !onExchange[r.ClientID] && r.State != OrderRejected {
			t.Errorf("journal row %s is %s but the exchange never had it", r.ClientID, r.State)
		}
	}
	// 4. Balances from the journal's fills match the exchange's.
	want := map[string]decimal.Decimal{}
	for a, v := range start {
		want[a] = d(v)
	}
	fills, err := e.j.Fills(ctx, "", 0, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fills {
		value, _ := f.Qty.Mul(f.Price)
		if f.Side == exchange.Buy {
			want["BTC"], _ = want["BTC"].Add(f.Qty)
			want["USDT"], _ = want["USDT"].Sub(value)
		} else {
			want["BTC"], _ = want["BTC"].Sub(f.Qty)
			want["USDT"], _ = want["USDT"].Add(value)
		}
		want[f.FeeAsset], _ = want[f.FeeAsset].Sub(f.Fee)
	}
	for asset, b := range fx.Balances(crashKey) {
		total, _ := b.Free.Add(b.Locked)
		if !total.Equal(want[asset]) {
			t.Errorf("%s: exchange holds %s, the journal's fills say %s", asset, total, want[asset])
		}
	}
	t.Logf("%d orders on the exchange, %d journal rows, %d fills", len(held), len(rows), len(fills))
}

// The dropped-response trap and other ambiguous failures, against the fake exchange through
// the real adapter: every order ends up placed exactly once and journaled with its state.
func TestAmbiguousFailuresAgainstFakeExchange(t *testing.T) {
	tests := []struct {
		name       string
		inject     func(*fake.Server)
		wantSends  int // new-order requests for the one client id
		wantPlaced int
		wantState  OrderState
	}{
		{"response dropped after the order was placed", func(f *fake.Server) { f.DropOrderResponseNext(1) }, 1, 1, OrderFilled},
		{"500 after the order was placed", func(f *fake.Server) { f.ServerErrorAfterApplyNext(1) }, 1, 1, OrderFilled},
		{"500 before anything happened: resent with the same id", func(f *fake.Server) { f.ServerErrorNext(1) }, 2, 1, OrderFilled},
		{"no fault", func(*fake.Server) {}, 1, 1, OrderFilled},
		{"-1007 on a 400 after the order was placed: looked up, found", func(f *fake.Server) {
			f.AnswerOrderNext(400, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.", true)
		}, 1, 1, OrderFilled},
		{"-1006 on a 400 before anything happened: resent with the same id", func(f *fake.Server) {
			f.AnswerOrderNext(400, -1006, "An unexpected response was received from the message bus. Execution status unknown.", false)
		}, 2, 1, OrderFilled},
		{"an unknown code after the order was placed: looked up, found", func(f *fake.Server) {
			f.AnswerOrderNext(400, -1999, "A code QuantDeck has never seen.", true)
		}, 1, 1, OrderFilled},
		{"delivered late, after the old in-flight window: found, never resent", func(f *fake.Server) { f.DeliverLateNext(1) }, 1, 1, OrderFilled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx, e, c := liveOnFake(t)
			ctx := context.Background()
			// Warm the rules and the clock so the fault hits the order itself.
			if _, err := e.Rules(ctx, "BTCUSDT"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Balances(ctx); err != nil {
				t.Fatal(err)
			}
			tc.inject(fx)
			// A marketable limit order: it fills at once, and the adapter sends nothing else first.
			v, err := e.PlaceManual(ctx, ManualOrder{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit, Price: d("61000"), Quantity: d("0.001"), Mode: Live, KeyLabel: "k"})
			if err != nil {
				t.Fatal(err)
			}
			if v.State != tc.wantState {
				t.Fatalf("state %s (%s), want %s", v.State, v.Reason, tc.wantState)
			}
			sends := 0
			for _, id := range fx.NewOrderIDs() {
				if id == v.ClientID {
					sends++
				}
			}
			placed := 0
			for _, o := range fx.Orders(crashKey) {
				if o.ClientID == v.ClientID {
					placed++
				}
			}
			if sends != tc.wantSends || placed != tc.wantPlaced {
				for _, r := range fx.Requests() {
					t.Logf("%s %s %d %d %s", r.Method, r.Path, r.Status, r.Code, r.ClientOrderID)
				}
				t.Fatalf("sent %d times, placed %d times; want %d and %d", sends, placed, tc.wantSends, tc.wantPlaced)
			}
			fills, err := e.Fills(ctx, "", 10) // the answer's fill, though only staged when PlaceManual returned
			if err != nil {
				t.Fatal(err)
			}
			if len(fills) != 1 || !fills[0].Qty.Equal(d("0.001")) {
				t.Fatalf("fills %+v, want one of 0.001", fills)
			}
		})
	}
}
