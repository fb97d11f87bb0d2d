package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// The live end-to-end test trades on a fake Binance on loopback with this key; the test proves
// neither string ever reaches the log, the database or the output.
const (
	liveKey        = "e2eLiveTradeKeyA1b2C3d4E5f6G7h8J9k0"
	liveSecret     = "e2eLiveTradeSecretZ9y8X7w6V5u4T3s2R1"
	withdrawKey    = "e2eWithdrawKeyQ1w2E3r4T5y6U7i8O9p0"
	withdrawSecret = "e2eWithdrawSecretA0s9D8f7G6h5J4k3L2"
	livePass       = "live trading vault passphrase"
	liveLabel      = "main"
	liveSymbol     = "BTCUSDT"
	// liveWait bounds every wait: the engine polls live orders every 2 s.
	liveWait = 15 * time.Second
)

// liveRig is one fake Binance and one QuantDeck home, with the runtime open on that home, wired
// exactly as the cockpit and serve wire it.
type liveRig struct {
	t     *testing.T
	ctx   context.Context
	srv   *fake.Server
	st    config.Settings
	rt    *app.App
	price string // the BTCUSDT price every wait republishes, so the bots keep getting ticks
	// resumeWait is the first wait before the host retries a failed resume (0: its default).
	resumeWait time.Duration
	// keyCheckAfter is the clock of the host's periodic key re-check (nil: time.After).
	keyCheckAfter func(time.Duration) <-chan time.Time
}

func newLiveRig(t *testing.T) *liveRig {
	t.Helper()
	srv, err := fake.New(fake.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	// No BTC to start with: every coin a bot sells, it bought (net of the commission the
	// exchange takes in BTC).
	if err := srv.AddKey(liveKey, liveSecret, fake.TradeOnly(), map[string]string{"USDT": "10000"}); err != nil {
		t.Fatal(err)
	}
	withdraw := fake.TradeOnly()
	withdraw.Withdraw = true
	if err := srv.AddKey(withdrawKey, withdrawSecret, withdraw, map[string]string{"USDT": "10000"}); err != nil {
		t.Fatal(err)
	}
	r := &liveRig{
		t: t, ctx: context.Background(), srv: srv, price: "60000",
		st: config.Settings{
			Home: newHome(t), Exchange: "binance", RESTURL: srv.URL(), WSURL: srv.WSURL(),
			Symbols: []string{liveSymbol, "ETHUSDT"},
		},
	}
	t.Cleanup(func() {
		if r.rt != nil {
			r.closeRuntime()
		}
	})
	return r
}

// open starts a runtime on the rig's home and waits for its market stream to deliver prices.
func (r *liveRig) open() {
	r.t.Helper()
	rt, err := app.Open(r.ctx, r.st, app.Options{Version: Version, ResumeRetryWait: r.resumeWait, KeyCheckAfter: r.keyCheckAfter})
	if err != nil {
		r.t.Fatalf("opening the runtime: %v", err)
	}
	r.rt = rt
	r.waitFor("the market stream to deliver prices", func() bool {
		return rt.Engine.Snapshot().Health.Stream == exchange.StreamLive && rt.Engine.Candles(liveSymbol) != nil &&
			r.srv.Subscribers("btcusdt@trade") > 0
	})
}

// closeRuntime shuts the runtime down as quitting the program does.
func (r *liveRig) closeRuntime() {
	r.t.Helper()
	rt := r.rt
	r.rt = nil
	if err := rt.Close(); err != nil {
		r.t.Errorf("closing the runtime: %v", err)
	}
}

// setPrice moves BTCUSDT at the fake: resting orders it crosses fill there.
func (r *liveRig) setPrice(p string) {
	r.t.Helper()
	r.price = p
	if err := r.srv.SetPrice(liveSymbol, p); err != nil {
		r.t.Fatal(err)
	}
}

// waitFor polls cond until it holds, republishing the price on every round so strategies get
// the ticks they act on; it fails the test with both sides' order books after liveWait.
func (r *liveRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(liveWait)
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out after %s waiting for %s\n%s", liveWait, what, r.dump())
		}
		if err := r.srv.SetPrice(liveSymbol, r.price); err != nil {
			r.t.Fatal(err)
		}
		<-tick.C
	}
}

// fakeOrders returns the orders the fake holds for the live key, by client id.
func (r *liveRig) fakeOrders() map[string]exchange.Order {
	out := map[string]exchange.Order{}
	for _, o := range r.srv.Orders(liveKey) {
		out[o.ClientID] = o
	}
	return out
}

// fakeOpen returns the live key's open orders at the fake that carry QuantDeck's client id
// prefix ("qd-"), by client id; orders placed elsewhere on the account are left out.
func (r *liveRig) fakeOpen() map[string]exchange.Order {
	out := map[string]exchange.Order{}
	for id, o := range r.fakeOrders() {
		if !o.Status.Final() && strings.HasPrefix(id, "qd-") {
			out[id] = o
		}
	}
	return out
}

// journal returns the journal's rows for bot ("" for all), newest first.
func (r *liveRig) journal(bot string, openOnly bool) []engine.OrderView {
	r.t.Helper()
	rows, err := r.rt.Engine.Orders(r.ctx, engine.OrderFilter{Bot: bot, OpenOnly: openOnly, Limit: 1000})
	if err != nil {
		r.t.Fatal(err)
	}
	return rows
}

// row returns the newest journal row of bot with side and price, in state unless state is "";
// ok is false when there is none.
func (r *liveRig) row(bot string, side exchange.Side, price string, state engine.OrderState) (engine.OrderView, bool) {
	for _, v := range r.journal(bot, false) {
		if v.Side == side && v.Price.Equal(decimal.MustParse(price)) && (state == "" || v.State == state) {
			return v, true
		}
	}
	return engine.OrderView{}, false
}

// openAt reports whether the fake has exactly the given open QuantDeck orders (side@price) and
// the journal's open rows are exactly those orders.
func (r *liveRig) openAt(want ...string) bool {
	open := r.fakeOpen()
	var got []string
	for _, o := range open {
		got = append(got, string(o.Side)+"@"+o.Price.Trim(0).String())
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		return false
	}
	rows := r.journal("", true)
	if len(rows) != len(open) {
		return false
	}
	for _, v := range rows {
		o, ok := open[v.ClientID]
		if !ok || v.ExchangeID != o.ExchangeID || v.State != engine.OrderAcked {
			return false
		}
	}
	return true
}

// openIncludes reports whether each given side@price is exactly one open QuantDeck order at
// the fake, acknowledged in the journal under the same exchange id.
func (r *liveRig) openIncludes(want ...string) bool {
	byLevel := map[string][]exchange.Order{}
	for _, o := range r.fakeOpen() {
		k := string(o.Side) + "@" + o.Price.Trim(0).String()
		byLevel[k] = append(byLevel[k], o)
	}
	acked := map[string]int64{}
	for _, v := range r.journal("", true) {
		if v.State == engine.OrderAcked {
			acked[v.ClientID] = v.ExchangeID
		}
	}
	for _, w := range want {
		os := byLevel[w]
		if len(os) != 1 || acked[os[0].ClientID] != os[0].ExchangeID {
			return false
		}
	}
	return true
}

// heldAtExchange is the base quantity a bot's orders left it according to the exchange's
// fills: bought less the commission taken in the base asset, less sold.
func (r *liveRig) heldAtExchange(bot string) decimal.Decimal {
	r.t.Helper()
	orders := r.fakeOrders()
	rules, _ := r.srv.Rules(liveSymbol)
	held := decimal.Zero
	for _, v := range r.journal(bot, false) {
		for _, f := range orders[v.ClientID].Fills {
			var err error
			if f.Side == exchange.Buy {
				held, err = held.Add(f.Qty)
				if err == nil && f.FeeAsset == rules.Base {
					held, err = held.Sub(f.Fee)
				}
			} else {
				held, err = held.Sub(f.Qty)
			}
			if err != nil {
				r.t.Fatal(err)
			}
		}
	}
	return held
}

// mismatch compares every journal row with the fake's record of the same client id, and the
// fills by trade id. It returns "" when the journal tells the truth.
func (r *liveRig) mismatch() string {
	r.t.Helper()
	fakeOrders := r.fakeOrders()
	var bad []string
	seen := map[string]bool{}
	for _, v := range r.journal("", false) {
		seen[v.ClientID] = true
		o, ok := fakeOrders[v.ClientID]
		if !ok {
			if v.State != engine.OrderRejected {
				bad = append(bad, fmt.Sprintf("%s is %s in the journal but unknown to the exchange", v.ClientID, v.State))
			}
			continue
		}
		want := map[exchange.OrderStatus]engine.OrderState{
			exchange.StatusNew: engine.OrderAcked, exchange.StatusPartiallyFilled: engine.OrderPartial,
			exchange.StatusFilled: engine.OrderFilled, exchange.StatusCanceled: engine.OrderCancelled,
			exchange.StatusExpired: engine.OrderCancelled,
		}[o.Status]
		if v.State != want || v.ExchangeID != o.ExchangeID || !v.Executed.Equal(o.ExecutedQty) {
			bad = append(bad, fmt.Sprintf("%s: journal %s #%d executed %s, exchange %s #%d executed %s",
				v.ClientID, v.State, v.ExchangeID, v.Executed, o.Status, o.ExchangeID, o.ExecutedQty))
		}
	}
	for id := range fakeOrders {
		if strings.HasPrefix(id, "qd-") && !seen[id] {
			bad = append(bad, fmt.Sprintf("%s is on the exchange but not in the journal", id))
		}
	}
	fills, err := r.rt.Engine.Fills(r.ctx, "", 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	recorded := map[int64]engine.FillView{}
	for _, f := range fills {
		if _, dup := recorded[f.TradeID]; dup {
			bad = append(bad, fmt.Sprintf("trade %d recorded twice", f.TradeID))
		}
		recorded[f.TradeID] = f
	}
	for id, o := range fakeOrders {
		if !strings.HasPrefix(id, "qd-") {
			continue
		}
		for _, f := range o.Fills {
			g, ok := recorded[f.TradeID]
			if !ok || g.ClientID != id || !g.Qty.Equal(f.Qty) || !g.Price.Equal(f.Price) || !g.Fee.Equal(f.Fee) {
				bad = append(bad, fmt.Sprintf("trade %d of %s (%s at %s) is not recorded as it happened", f.TradeID, id, f.Qty, f.Price))
			}
			delete(recorded, f.TradeID)
		}
	}
	for id, f := range recorded {
		if f.Mode == engine.Live {
			bad = append(bad, fmt.Sprintf("trade %d of %s is in the journal but not on the exchange", id, f.ClientID))
		}
	}
	return strings.Join(bad, "\n")
}

// noDuplicateSends fails the test if any client order id reached the exchange twice.
func (r *liveRig) noDuplicateSends() {
	r.t.Helper()
	seen := map[string]bool{}
	for _, id := range r.srv.NewOrderIDs() {
		if seen[id] {
			r.t.Fatalf("client order id %s was sent to the exchange twice\n%s", id, r.dump())
		}
		seen[id] = true
	}
}

// liveBot is a live bot on BTCUSDT trading with the stored key.
func liveBot(name, strategy, budget string, params map[string]string) engine.BotConfig {
	return engine.BotConfig{Name: name, Symbol: liveSymbol, Strategy: strategy, Params: params,
		Mode: engine.Live, KeyLabel: liveLabel, Budget: decimal.MustParse(budget)}
}

// logged reports whether the bot's history has a line containing text.
func (r *liveRig) logged(bot, text string) bool {
	evs, err := r.rt.Engine.BotEvents(r.ctx, bot, 200)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, e := range evs {
		if strings.Contains(e.Message, text) {
			return true
		}
	}
	for _, e := range r.rt.Engine.Snapshot().Log {
		if e.Bot == bot && strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}

// bot returns a bot as the engine shows it.
func (r *liveRig) bot(name string) engine.BotView {
	for _, b := range r.rt.Engine.Snapshot().Bots {
		if b.Config.Name == name {
			return b
		}
	}
	r.t.Fatalf("no bot %s", name)
	return engine.BotView{}
}

// dump describes both sides' orders and the recent engine log, for failure messages.
func (r *liveRig) dump() string {
	var b strings.Builder
	b.WriteString("exchange orders:\n")
	for _, o := range r.srv.Orders(liveKey) {
		fmt.Fprintf(&b, "  %s #%d %s %s %s@%s %s executed %s fills %d\n", o.ClientID, o.ExchangeID, o.Symbol, o.Side, o.Type,
			o.Price, o.Status, o.ExecutedQty, len(o.Fills))
	}
	if r.rt == nil {
		return b.String()
	}
	b.WriteString("journal:\n")
	rows, _ := r.rt.Engine.Orders(r.ctx, engine.OrderFilter{Limit: 1000})
	for _, v := range rows {
		fmt.Fprintf(&b, "  %s #%d %s %s %s@%s %s executed %s %s\n", v.ClientID, v.ExchangeID, v.Bot, v.Side, v.Type, v.Price,
			v.State, v.Executed, v.Reason)
	}
	b.WriteString("engine log:\n")
	for _, e := range r.rt.Engine.Snapshot().Log {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", e.Time.Format("15:04:05.000"), e.Level, e.Bot, e.Message)
	}
	return b.String()
}

// plainCreds lends a key the test holds, for an order placed outside QuantDeck.
type plainCreds struct{ key, secret string }

func (c plainCreds) Use(_ context.Context, fn func(apiKey, apiSecret []byte) error) error {
	return fn([]byte(c.key), []byte(c.secret))
}

// snapshotMatches reports whether the engine's snapshot shows the live account's balances as
// the exchange holds them, and the price the exchange last traded at.
func (r *liveRig) snapshotMatches() bool {
	snap := r.rt.Engine.Snapshot()
	shown := map[string]engine.BalanceView{}
	for _, b := range snap.Balances {
		if b.Mode == engine.Live {
			shown[b.Asset] = b
		}
	}
	held := r.srv.Balances(liveKey)
	n := 0
	for asset, b := range held {
		if b.Free.IsZero() && b.Locked.IsZero() {
			continue
		}
		n++
		if v, ok := shown[asset]; !ok || !v.Free.Equal(b.Free) || !v.Locked.Equal(b.Locked) {
			return false
		}
	}
	if n != len(shown) {
		return false
	}
	for _, p := range snap.Prices {
		if p.Symbol == liveSymbol {
			return p.Last.Equal(decimal.MustParse(r.price))
		}
	}
	return false
}

// signedPath reports whether a REST path needs the API key.
func signedPath(path string) bool {
	switch path {
	case "/api/v3/order", "/api/v3/openOrders", "/api/v3/allOrders", "/api/v3/account", "/api/v3/myTrades",
		"/sapi/v1/account/apiRestrictions":
		return true
	}
	return false
}
