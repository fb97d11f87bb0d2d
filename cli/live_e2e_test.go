package cli

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
)

// TestLiveTradingEndToEnd trades live through the real wiring (app.Open: store, vault,
// Binance adapter, engine) against the fake Binance on loopback, and checks every step against
// the exchange's own records: orders by client id, fills by trade id, requests as received.
func TestLiveTradingEndToEnd(t *testing.T) {
	r := newLiveRig(t)
	r.open()

	t.Log("step 1: vault, a checked trade-only key, resume")
	r.addCheckedKey()

	t.Log("step 2: live grid and DCA bots trade at the exchange; a dropped answer duplicates nothing")
	r.startGrid()
	r.dcaBuyWithDroppedAnswer()
	r.gridCycle()

	t.Log("step 3: the kill switch cancels at the exchange what QuantDeck placed, and nothing else")
	r.killSwitch()

	t.Log("step 4: a restart reconciles what happened while QuantDeck was down")
	r.restart()

	t.Log("step 5: an IP ban stops every request until it ends; trading resumes after it")
	r.ipBan()

	t.Log("step 6: a sealed vault signs nothing; unsealing reconciles and resumes the bots")
	r.sealAndUnseal()

	t.Log("step 7: a fill made while every connection is down is still recorded")
	r.droppedStreams()

	t.Log("step 8: the DCA's take-profit sells what it holds in one market order the exchange accepts")
	r.dcaTakeProfit()

	r.waitFor("the journal to agree with the exchange", func() bool { return r.mismatch() == "" })
	r.waitFor("the cockpit's live balances and price to match the exchange", r.snapshotMatches)
	r.noDuplicateSends()
	home := r.st.Home
	r.closeRuntime()
	assertNowhere(t, home, nil, liveKey, liveSecret, withdrawSecret)
}

// addCheckedKey creates the vault, asks the fake what two keys may do, refuses the one that
// can withdraw, stores the trade-only one and resumes the engine.
func (r *liveRig) addCheckedKey() {
	t, ctx := r.t, r.ctx
	if err := r.rt.Vault.Create(ctx, []byte(livePass), config.MinKDFIterations); err != nil {
		t.Fatal(err)
	}
	checker, err := app.PermissionChecker(r.st, "binance")
	if err != nil {
		t.Fatal(err)
	}
	perms, err := checker.CheckPermissions(ctx, []byte(withdrawKey), []byte(withdrawSecret))
	if err != nil {
		t.Fatalf("checking the withdrawal key: %v", err)
	}
	if _, err := vetPermissions(io.Discard, "binance", perms); err == nil || !perms.CanWithdraw {
		t.Fatalf("a key that can withdraw was not refused (permissions %+v)", perms)
	}
	perms, err = checker.CheckPermissions(ctx, []byte(liveKey), []byte(liveSecret))
	if err != nil {
		t.Fatalf("checking the trade key: %v", err)
	}
	if !perms.Checked || !perms.CanTrade || perms.CanWithdraw {
		t.Fatalf("trade-only key reported as %+v", perms)
	}
	if _, err := vetPermissions(io.Discard, "binance", perms); err != nil {
		t.Fatalf("a trade-only key was refused: %v", err)
	}
	checks := 0
	for _, q := range r.srv.Requests() {
		if q.Path == "/sapi/v1/account/apiRestrictions" && q.Status == http.StatusOK {
			checks++
		}
	}
	if checks != 2 {
		t.Fatalf("the exchange answered %d permission checks, want 2", checks)
	}
	if _, err := r.rt.Vault.AddCredential(ctx, liveLabel, "binance", []byte(liveKey), []byte(liveSecret), perms); err != nil {
		t.Fatal(err)
	}
	if err := r.rt.Engine.Resume(ctx); err != nil {
		t.Fatalf("resume: %v", err)
	}
}

// startGrid adds both bots and starts the grid: its ladder buys below the price appear at the
// exchange with the client ids the journal holds.
func (r *liveRig) startGrid() {
	t, ctx := r.t, r.ctx
	grid := liveBot("grid", "grid", "500", map[string]string{"lower": "59000", "upper": "61000", "levels": "5", "quantity": "0.001"})
	dca := liveBot("dca", "dca", "200", map[string]string{"amount": "20", "interval": "1h", "take_profit": "1"})
	for _, b := range []engine.BotConfig{grid, dca} {
		if err := r.rt.Engine.AddBot(ctx, b); err != nil {
			t.Fatalf("adding %s: %v", b.Name, err)
		}
	}
	if err := r.rt.Engine.StartBot(ctx, "grid"); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the grid's buys at 59000 and 59500 on the exchange", func() bool { return r.openAt("BUY@59000", "BUY@59500") })
	for _, o := range r.fakeOpen() {
		if o.Type != exchange.Limit || !o.Quantity.Equal(decimal.MustParse("0.001")) {
			t.Fatalf("grid order on the exchange is %s %s, want a limit order for 0.001", o.Type, o.Quantity)
		}
	}
}

// dcaBuyWithDroppedAnswer starts the DCA bot while the exchange applies its market buy and drops
// the connection instead of answering: the order must exist once, and the journal must learn
// its true (filled) state by asking.
func (r *liveRig) dcaBuyWithDroppedAnswer() {
	t, ctx := r.t, r.ctx
	sent := len(r.srv.NewOrderIDs())
	r.srv.DropOrderResponseNext(1)
	if err := r.rt.Engine.StartBot(ctx, "dca"); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the DCA buy to be journaled as filled", func() bool {
		rows := r.journal("dca", false)
		return len(rows) == 1 && rows[0].State == engine.OrderFilled
	})
	v := r.journal("dca", false)[0]
	if ids := r.srv.NewOrderIDs()[sent:]; len(ids) != 1 || ids[0] != v.ClientID {
		t.Fatalf("new-order requests after the trap: %v, want exactly [%s]", ids, v.ClientID)
	}
	dropped := false
	for _, q := range r.srv.Requests() {
		dropped = dropped || (q.ClientOrderID == v.ClientID && q.Status == 0)
	}
	if !dropped {
		t.Fatalf("the exchange answered %s: the trap did not fire", v.ClientID)
	}
	o, ok := r.fakeOrders()[v.ClientID]
	if !ok || o.Status != exchange.StatusFilled || o.Type != exchange.Market || len(o.Fills) == 0 {
		t.Fatalf("DCA order at the exchange: %+v", o)
	}
	if v.ExchangeID != o.ExchangeID || !v.Executed.Equal(o.ExecutedQty) {
		t.Fatalf("journal has #%d executed %s, the exchange #%d executed %s", v.ExchangeID, v.Executed, o.ExchangeID, o.ExecutedQty)
	}
	r.waitFor("the DCA fills recorded by trade id", func() bool { return r.mismatch() == "" })
	if !r.logged("dca", "outcome unknown") {
		t.Fatalf("the engine never noticed the lost answer\n%s", r.dump())
	}
}

// gridCycle moves the price through the grid: the filled buy's sell is placed (with its answer
// dropped too), then that sell fills and the buy is placed again.
func (r *liveRig) gridCycle() {
	t := r.t
	sent := len(r.srv.NewOrderIDs())
	r.srv.DropOrderResponseNext(1) // the grid's re-placed sell is the next order
	r.setPrice("59400")
	r.waitFor("the buy at 59500 filled and its sell at 60000 on the book", func() bool {
		_, filled := r.row("grid", exchange.Buy, "59500", engine.OrderFilled)
		return filled && r.openAt("BUY@59000", "SELL@60000")
	})
	sell, _ := r.row("grid", exchange.Sell, "60000", engine.OrderAcked)
	if ids := r.srv.NewOrderIDs()[sent:]; len(ids) != 1 || ids[0] != sell.ClientID {
		t.Fatalf("new-order requests for the sell: %v, want exactly [%s]", ids, sell.ClientID)
	}
	if !r.logged("grid", "outcome unknown") {
		t.Fatalf("the sell's answer was not lost: the trap did not fire\n%s", r.dump())
	}
	// The sell fills in two trades: half when the price first crosses it, the rest later.
	r.srv.PartialFillNext(1)
	r.setPrice("60100")
	r.price = "59990" // below the sell: the ticks that follow leave the rest on the book
	r.waitFor("the sell journaled as partially filled", func() bool {
		v, ok := r.row("grid", exchange.Sell, "60000", engine.OrderPartial)
		return ok && v.Executed.IsPos() && v.Executed.Cmp(v.Quantity) < 0 && r.mismatch() == ""
	})
	r.setPrice("60100")
	r.waitFor("the sell at 60000 filled and the buy at 59500 placed again", func() bool {
		_, filled := r.row("grid", exchange.Sell, "60000", engine.OrderFilled)
		return filled && r.openAt("BUY@59000", "BUY@59500")
	})
	r.waitFor("every fill recorded by trade id", func() bool { return r.mismatch() == "" })
	if o := r.fakeOrders()[sell.ClientID]; len(o.Fills) != 2 {
		t.Fatalf("the sell filled in %d trades at the exchange, want 2", len(o.Fills))
	}
	r.noDuplicateSends()
}

// killSwitch engages the switch with an order on the book that QuantDeck did not place.
func (r *liveRig) killSwitch() {
	t, ctx := r.t, r.ctx
	other, err := binance.New(binance.Config{Name: "binance", RESTURL: r.srv.URL(), WSURL: r.srv.WSURL(),
		Creds: plainCreds{liveKey, liveSecret}})
	if err != nil {
		t.Fatal(err)
	}
	const foreign = "web-order-1"
	if _, err := other.PlaceOrder(ctx, exchange.OrderRequest{ClientID: foreign, Symbol: liveSymbol, Side: exchange.Buy,
		Type: exchange.Limit, TimeInForce: exchange.GTC, Quantity: decimal.MustParse("0.001"), Price: decimal.MustParse("50000")}); err != nil {
		t.Fatal(err)
	}
	ours := r.fakeOpen()
	if len(ours) != 2 {
		t.Fatalf("%d QuantDeck orders open before the kill switch, want 2", len(ours))
	}
	if err := r.rt.Engine.EngageKillSwitch(ctx, "end-to-end drill"); err != nil {
		t.Fatalf("engaging the kill switch: %v", err)
	}
	all := r.fakeOrders()
	for id := range ours {
		if o := all[id]; o.Status != exchange.StatusCanceled {
			t.Fatalf("order %s is %s at the exchange after the kill switch, want CANCELED", id, o.Status)
		}
	}
	if o := all[foreign]; o.Status != exchange.StatusNew {
		t.Fatalf("the kill switch touched an order QuantDeck did not place: %s", o.Status)
	}
	if rows := r.journal("", true); len(rows) != 0 {
		t.Fatalf("%d journal rows still open after the kill switch\n%s", len(rows), r.dump())
	}
	snap := r.rt.Engine.Snapshot()
	if !snap.KillSwitch || r.bot("grid").State != engine.BotStopped || r.bot("dca").State != engine.BotStopped {
		t.Fatalf("after the kill switch: engaged %v, grid %s, dca %s", snap.KillSwitch, r.bot("grid").State, r.bot("dca").State)
	}
	sent := len(r.srv.NewOrderIDs())
	if err := r.rt.Engine.StartBot(ctx, "grid"); !errors.Is(err, engine.ErrKillSwitch) {
		t.Fatalf("starting a bot under the kill switch: %v, want %v", err, engine.ErrKillSwitch)
	}
	_, err = r.rt.Engine.PlaceManual(ctx, engine.ManualOrder{Symbol: liveSymbol, Side: exchange.Buy, Type: exchange.Market,
		Quantity: decimal.MustParse("0.001"), Mode: engine.Live, KeyLabel: liveLabel})
	if !errors.Is(err, engine.ErrKillSwitch) {
		t.Fatalf("a live order under the kill switch: %v, want %v", err, engine.ErrKillSwitch)
	}
	if n := len(r.srv.NewOrderIDs()); n != sent {
		t.Fatalf("%d orders reached the exchange while the kill switch was engaged", n-sent)
	}
	if err := r.rt.Engine.ReleaseKillSwitch(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"grid", "dca"} {
		if err := r.rt.Engine.StartBot(ctx, name); err != nil {
			t.Fatalf("starting %s after the release: %v", name, err)
		}
	}
	// At 60100 the grid buys at every level below the price again; the DCA's interval has not
	// passed, so it places nothing.
	r.waitFor("the grid's buys back on the exchange", func() bool { return r.openAt("BUY@59000", "BUY@59500", "BUY@60000") })
	if n := len(r.journal("dca", false)); n != 1 {
		t.Fatalf("the DCA bot has %d orders after starting again, want its first buy only", n)
	}
}

// restart lets a buy fill and its sell go on the book, closes QuantDeck, fills that sell while
// it is down and opens it again on the same home: the fill is reconciled before any bot
// starts, the bots that were running run again, and nothing is sent twice.
func (r *liveRig) restart() {
	t, ctx := r.t, r.ctx
	r.setPrice("59900")
	r.waitFor("the buy at 60000 filled and its sell at 60500 on the book", func() bool {
		return r.openAt("BUY@59000", "BUY@59500", "SELL@60500")
	})
	sell, _ := r.row("grid", exchange.Sell, "60500", engine.OrderAcked)
	r.closeRuntime()
	r.setPrice("60600") // the sell fills while nobody watches
	if o := r.fakeOrders()[sell.ClientID]; o.Status != exchange.StatusFilled {
		t.Fatalf("the sell is %s at the exchange, want FILLED", o.Status)
	}
	r.open()
	if err := r.rt.Vault.Unlock(ctx, []byte(livePass)); err != nil {
		t.Fatal(err)
	}
	// The first reconciliation fails (the exchange refuses every signed lookup for its
	// timestamp): the bots must wait for it instead of trading blind.
	sent, before := len(r.srv.NewOrderIDs()), len(r.srv.Requests())
	const refusals = 4 // two per lookup (the adapter resynchronises its clock and tries once more)
	r.srv.ClockSkewNext(refusals)
	if err := r.rt.Engine.Resume(ctx); err == nil {
		t.Fatal("resume succeeded although no order could be looked up")
	}
	for _, name := range []string{"grid", "dca"} {
		if s := r.bot(name).State; s != engine.BotError {
			t.Fatalf("bot %s is %s while its orders are not reconciled, want error", name, s)
		}
	}
	r.waitFor("the exchange's refusals used up", func() bool {
		n := 0
		for _, q := range r.srv.Requests()[before:] {
			if q.Code == -1021 {
				n++
			}
		}
		return n == refusals
	})
	if n := len(r.srv.NewOrderIDs()); n != sent {
		t.Fatalf("%d orders were sent before the journal was reconciled", n-sent)
	}
	if err := r.rt.Engine.Resume(ctx); err != nil {
		t.Fatalf("resume after the restart: %v", err)
	}
	if _, ok := r.row("grid", exchange.Sell, "60500", engine.OrderFilled); !ok {
		t.Fatalf("the sell filled while QuantDeck was down is not journaled as filled\n%s", r.dump())
	}
	if m := r.mismatch(); m != "" {
		t.Fatalf("after Resume the journal disagrees with the exchange:\n%s\n%s", m, r.dump())
	}
	for _, name := range []string{"grid", "dca"} {
		if s := r.bot(name).State; s != engine.BotRunning {
			t.Fatalf("bot %s is %s after the restart, want running\n%s", name, s, r.dump())
		}
	}
	// The bot's position is what its fills at the exchange left it, the fill made while
	// QuantDeck was down included.
	if pos, want := r.bot("grid").Position, r.heldAtExchange("grid"); !pos.Equal(want) {
		t.Fatalf("grid position after the restart is %s, the exchange's fills say %s", pos, want)
	}
	// The ladder's buys stay as they were, and the level below the filled sell buys again.
	r.waitFor("the ladder's buys kept and the buy below the sold level placed", func() bool {
		return r.openIncludes("BUY@59000", "BUY@59500", "BUY@60000") && r.mismatch() == ""
	})
	r.noDuplicateSends()
}

// ipBan has the exchange answer one request with 418: until the ban ends no request may reach
// the exchange, the engine reports the ban, and afterwards it catches up with a fill that
// happened during the ban.
func (r *liveRig) ipBan() {
	t := r.t
	before := len(r.srv.Requests())
	r.srv.RateLimitNext(1, http.StatusTeapot, 3*time.Second)
	var banAt time.Time
	var banned exchange.RateState
	r.waitFor("the engine to report the ban", func() bool {
		for _, q := range r.srv.Requests()[before:] {
			if q.Status == http.StatusTeapot && banAt.IsZero() {
				banAt = q.Time
			}
		}
		banned = r.rt.Engine.Snapshot().Health.Rate
		return !banAt.IsZero() && banned.Banned
	})
	seen := time.Now()
	if d := banned.BannedUntil.Sub(banAt); d < 2*time.Second || d > 4*time.Second {
		t.Fatalf("ban reported until %s, %s after the 418; want about 3 s", banned.BannedUntil, d)
	}
	// A call that needs the exchange fails at once, without reaching it.
	var rl *exchange.RateLimitError
	if _, err := r.rt.Engine.Rules(r.ctx, "SOLUSDT"); !errors.As(err, &rl) || !rl.Banned {
		t.Fatalf("reading new rules during the ban: %v, want the IP ban", err)
	}
	// So does a key check from the cockpit: Binance counts bans per IP, not per client.
	if _, err := r.rt.Checker.CheckPermissions(r.ctx, []byte(liveKey), []byte(liveSecret)); !errors.As(err, &rl) || !rl.Banned {
		t.Fatalf("checking a key during the ban: %v, want the IP ban", err)
	}
	r.setPrice("59900") // the buy at 60000 fills during the ban
	r.waitFor("the fill during the ban recorded and its sell placed after the ban", func() bool {
		_, filled := r.row("grid", exchange.Buy, "60000", engine.OrderFilled)
		return filled && r.openIncludes("BUY@59000", "BUY@59500", "SELL@60500") && r.mismatch() == ""
	})
	if rs := r.rt.Engine.Snapshot().Health.Rate; rs.Banned || time.Now().Before(banned.BannedUntil) {
		t.Fatalf("still reported banned after the ban: %+v", rs)
	}
	if _, err := r.rt.Engine.Rules(r.ctx, "SOLUSDT"); err != nil {
		t.Fatalf("reading rules after the ban: %v", err)
	}
	sell, _ := r.row("grid", exchange.Sell, "60500", engine.OrderAcked)
	for _, q := range r.srv.Requests()[before:] {
		if q.Time.After(seen) && q.Time.Before(banned.BannedUntil) {
			t.Fatalf("%s %s reached the exchange at %s, during the ban (until %s)", q.Method, q.Path,
				q.Time.Format("15:04:05.000"), banned.BannedUntil.Format("15:04:05.000"))
		}
		if q.ClientOrderID == sell.ClientID && q.Time.Before(banned.BannedUntil) {
			t.Fatalf("the sell was sent at %s, before the ban ended at %s", q.Time, banned.BannedUntil)
		}
	}
}

// sealAndUnseal seals the vault as `quantdeck seal` does while an order fills: nothing signed
// may reach the exchange until the vault is unlocked again, and then the fill is reconciled,
// the bots run again and no order is placed twice.
func (r *liveRig) sealAndUnseal() {
	t, ctx := r.t, r.ctx
	sell, ok := r.row("grid", exchange.Sell, "60500", engine.OrderAcked)
	if !ok {
		t.Fatalf("no open sell at 60500 before sealing\n%s", r.dump())
	}
	if err := r.rt.Engine.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	r.rt.Vault.Seal()
	sealed := len(r.srv.Requests())
	for _, name := range []string{"grid", "dca"} {
		if s := r.bot(name).State; s == engine.BotRunning {
			t.Fatalf("live bot %s still runs with the vault sealed", name)
		}
	}
	r.setPrice("59400") // the buy at 59500 fills while the vault is sealed
	// Watch for longer than a poll round: the engine keeps polling, but
	// without a key it can sign nothing.
	quiet := time.Now().Add(engine.DefaultLimits().PollInterval + 500*time.Millisecond)
	r.waitFor("a poll round with the vault sealed", func() bool {
		for _, q := range r.srv.Requests()[sealed:] {
			if signedPath(q.Path) {
				t.Fatalf("%s %s reached the exchange with the vault sealed", q.Method, q.Path)
			}
		}
		return time.Now().After(quiet)
	})
	if err := r.rt.Vault.Unlock(ctx, []byte(livePass)); err != nil {
		t.Fatal(err)
	}
	if err := r.rt.Engine.Resume(ctx); err != nil {
		t.Fatalf("resume after unsealing: %v", err)
	}
	if _, ok := r.row("grid", exchange.Buy, "59500", engine.OrderFilled); !ok {
		t.Fatalf("the buy filled while sealed is not journaled as filled\n%s", r.dump())
	}
	for _, name := range []string{"grid", "dca"} {
		if s := r.bot(name).State; s != engine.BotRunning {
			t.Fatalf("bot %s is %s after unsealing, want running\n%s", name, s, r.dump())
		}
	}
	r.waitFor("the ladder's open orders kept, not placed again", func() bool {
		return r.openIncludes("BUY@59000", "SELL@60500") && r.fakeOpen()[sell.ClientID].ExchangeID == sell.ExchangeID &&
			r.mismatch() == ""
	})
	r.noDuplicateSends()
	// The account's client, and with it its one order update stream, outlives the seal:
	// unsealing opens no second stream.
	a, errA := r.rt.LiveTrader(liveLabel)
	b, errB := r.rt.LiveTrader(liveLabel)
	if errA != nil || errB != nil || a != b {
		t.Fatalf("each use of the key builds a new client (%v, %v)", errA, errB)
	}
	for _, q := range r.srv.Requests()[sealed:] {
		if q.Path == "/ws-api/v3" {
			t.Fatalf("unsealing opened another order update stream")
		}
	}
}

// droppedStreams cuts every websocket (market data and order updates) as a network failure
// would, and fills an order before the connections are back: the engine still learns of the
// fill, from the order update stream's lookups after reconnecting or from its polling.
func (r *liveRig) droppedStreams() {
	t := r.t
	reconnects := r.rt.Engine.Snapshot().Health.Reconnects
	r.srv.DropStreams()
	r.setPrice("58900") // the buy at 59000 fills while nothing listens
	r.waitFor("the fill made while disconnected recorded and the market stream back", func() bool {
		_, filled := r.row("grid", exchange.Buy, "59000", engine.OrderFilled)
		h := r.rt.Engine.Snapshot().Health
		return filled && h.Stream == exchange.StreamLive && h.Reconnects > reconnects && r.mismatch() == ""
	})
	if pos, want := r.bot("grid").Position, r.heldAtExchange("grid"); !pos.Equal(want) {
		t.Fatalf("grid position is %s, the exchange's fills say %s", pos, want)
	}
	r.noDuplicateSends()
}

// dcaTakeProfit lifts the price past the DCA's take-profit (1 % above its entry): it sells
// what its buy left it after the commission, rounded down to the step size, and books a profit.
func (r *liveRig) dcaTakeProfit() {
	t := r.t
	held := r.heldAtExchange("dca")
	r.setPrice("60800")
	r.waitFor("the take-profit filled at the exchange", func() bool {
		rows := r.journal("dca", false)
		return len(rows) == 2 && rows[0].Side == exchange.Sell && rows[0].State == engine.OrderFilled && r.mismatch() == ""
	})
	tp := r.journal("dca", false)[0]
	o := r.fakeOrders()[tp.ClientID]
	rules, _ := r.srv.Rules(liveSymbol)
	left, err := held.Sub(o.ExecutedQty)
	if err != nil || o.Type != exchange.Market || left.IsNeg() || left.Cmp(rules.StepSize) >= 0 {
		t.Fatalf("take-profit sold %s of %s held (%s), want all but less than a step of %s", o.ExecutedQty, held, o.Type, rules.StepSize)
	}
	if d := r.bot("dca"); !d.RealizedPnL.IsPos() || d.Sells != 1 {
		t.Fatalf("after the take-profit the DCA bot shows %d sells and %s realized", d.Sells, d.RealizedPnL)
	}
}
