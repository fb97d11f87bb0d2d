package tui

import (
	"errors"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

func TestBotFormCreatesADCABot(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("n")
	h.wantView("New bot", "BTCUSDT", "Amount", "Interval", "Take profit %")
	h.wantNotView("Key label", "Lower price")
	h.wantView("ctrl+s save")
	h.wantNotView("save/submit")

	h.typeText("dca-btc")
	h.keys("tab", "tab", "tab", "tab") // symbol, strategy, mode, budget
	h.typeText("500")
	h.keys("tab")
	h.typeText("25")
	h.keys("tab")
	h.typeText("4 hours")
	h.wantView("✗ a duration like 30m, 4h or 24h")
	h.keys("ctrl+u")
	h.typeText("4h")
	h.wantNotView("✗ a duration")

	// The engine's verdict arrives after the pause in typing and is shown.
	h.eng.valErr = errors.New("amount 25 is below the minimum order value 50 USDT for BTCUSDT")
	h.fire("formTickMsg")
	h.wantView("✗ amount 25 is below the minimum order value 50 USDT", "BTCUSDT rules:", "tick 0.01", "min notional 5")
	h.keys("ctrl+s")
	h.wantView("fix this first")
	h.wantCalls()

	h.eng.valErr = nil
	h.keys("shift+tab", "backspace", "backspace")
	h.typeText("60")
	h.fire("formTickMsg")
	h.wantView("✓ valid")
	h.keys("ctrl+s")
	h.wantCalls("AddBot dca-btc")
	got := h.eng.added[0]
	if got.Symbol != "BTCUSDT" || got.Strategy != "dca" || got.Mode != engine.Paper || got.Params["amount"] != "60" || got.Params["interval"] != "4h" || got.Budget.String() != "500" {
		t.Fatalf("saved config = %+v", got)
	}
	if _, ok := got.Params["take_profit"]; ok {
		t.Fatal("an empty optional parameter was sent")
	}
	if h.m.screen != scrDashboard {
		t.Fatal("saving did not return to the dashboard")
	}
	h.wantView("bot dca-btc saved")
}

func TestBotFormGridAndLive(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.m.com.Exchange = "binance" // live trading needs a real exchange
	h.keys("n")
	h.typeText("grid-eth")
	h.keys("tab", "tab", "right") // strategy → grid
	h.wantView("Lower price", "Upper price", "Levels", "Quantity")
	h.wantNotView("Interval")
	h.keys("tab", "right") // mode → live
	h.wantView("Key label")
	h.keys("tab")
	h.typeText("main")
	h.keys("tab", "tab")
	h.typeText("2000")
	h.keys("tab")
	h.typeText("2500")
	h.keys("tab")
	h.typeText("1")
	h.wantView("✗ a whole number, at least 2")
	h.keys("backspace")
	h.typeText("10")
	h.keys("tab")
	h.typeText("0.01")
	h.keys("ctrl+s")
	h.wantView("Budget: a live bot needs a budget")
	h.typeText("1000") // the failed save put the cursor on the field to fix
	h.keys("ctrl+s")
	h.wantView("Save grid-eth as a LIVE bot?", "real orders")
	h.wantCalls()
	h.keys("y")
	h.wantCalls("AddBot grid-eth")
	got := h.eng.added[0]
	if got.Mode != engine.Live || got.KeyLabel != "main" || got.Params["levels"] != "10" || got.Params["lower"] != "2000" {
		t.Fatalf("saved config = %+v", got)
	}
}

func TestBotFormEditAndErrors(t *testing.T) {
	snap := testSnapshot(4, 5, 0)
	stopAll(&snap)
	h := newDashboardHarness(t, snap)
	h.m.snap.Bots[0].Config.Params["future_param"] = "7"
	h.keys("tab", "e")
	h.wantView("Edit bot bot-00")
	h.wantNotView("› Name") // the name of an existing bot is not editable
	h.eng.err = errors.New("bot is running")
	h.keys("ctrl+s")
	h.wantView("could not save bot-00: bot is running")
	if got := h.eng.updated[0].Params; got["future_param"] != "7" || got["amount"] != "25" {
		t.Fatalf("editing would drop parameters the form does not show: %v", got)
	}
	h.keys("esc")
	if h.m.screen != scrDashboard {
		t.Fatal("esc did not leave the form")
	}
}

func TestFieldChecks(t *testing.T) {
	tests := []struct {
		check func(string) error
		in    string
		ok    bool
	}{
		{common.CheckName, "dca-btc_1", true},
		{common.CheckName, "bad name", false},
		{common.CheckSymbol, "BTCUSDT", true},
		{common.CheckSymbol, "BTC", false},
		{common.CheckSymbol, "btcusdt", false},
		{common.CheckPositive, "0.5", true},
		{common.CheckPositive, "0", false},
		{common.CheckPositive, "-1", false},
		{common.CheckPositive, "abc", false},
		{common.CheckNonNeg, "0", true},
	}
	for _, tc := range tests {
		if err := tc.check(tc.in); (err == nil) != tc.ok {
			t.Errorf("check(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

// FuzzFieldChecks feeds user input to every form check: none may panic, and whatever a check
// accepts must survive the parse the engine will do.
func FuzzFieldChecks(f *testing.F) {
	for _, s := range []string{"25", "4h", "2,5,10", "-1", "1e9", "0.000000001", "BTCUSDT", "💥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []func(string) error{common.CheckName, common.CheckSymbol, common.CheckPositive, common.CheckNonNeg} {
			_ = c(s)
		}
		for _, spec := range strategy.Specs() {
			for _, p := range spec.Params {
				_ = p.Check(s)
			}
		}
		if common.CheckPositive(s) == nil {
			if err := common.CheckNonNeg(s); err != nil {
				t.Fatalf("%q is positive but not non-negative: %v", s, err)
			}
		}
	})
}

func TestLiveKeyIsChosenFromTheVault(t *testing.T) {
	v := &fakeVault{exists: true, unlocked: true, creds: []vault.Credential{
		{Label: "main", Exchange: "binance", CreatedAt: fixedNow},
		{Label: "spare", Exchange: "binance", CreatedAt: fixedNow},
		{Label: "testnet", Exchange: "binance-testnet", CreatedAt: fixedNow},
		{Label: "risky", Exchange: "binance", CreatedAt: fixedNow, Perms: exchange.Permissions{CanWithdraw: true}},
	}}
	h := newHarness(t, testSnapshot(2, 1, 0), v)
	h.m.com.Exchange = "binance"
	h.keys("n")
	h.typeText("live-one")
	h.keys("tab", "tab", "tab", "right", "tab") // mode → live, then the key field
	h.wantView("[main]", "spare", "←/→ the vault's keys for binance")
	h.wantNotView("testnet", "risky")
	h.keys("right")
	h.wantView("[spare]")

	// No key for the exchange: the field says how to add one.
	h = newHarness(t, testSnapshot(2, 1, 0), &fakeVault{exists: true, unlocked: true})
	h.m.com.Exchange = "binance"
	h.keys("o", "tab", "tab", "right")
	h.wantView("no binance key: esc, then r adds one")
}

// TestEditingABotThatHoldsKeepsSymbolAndStrategy: a bot's position belongs to its symbol and
// strategy, so the form refuses to move a bot that holds something to another of either.
func TestEditingABotThatHoldsKeepsSymbolAndStrategy(t *testing.T) {
	tests := []struct {
		name     string
		position string
		keys     []string
		text     string
		want     []string
		saved    bool
	}{
		{"another symbol is refused", "0.00171828", []string{"ctrl+u"}, "ETHUSDT",
			[]string{"bot-00 holds 0.00171828 on BTCUSDT, so its symbol cannot change", "position first, or create a new bot"}, false},
		{"another strategy is refused", "0.5", []string{"tab", "right"}, "",
			[]string{"bot-00 holds 0.5 on BTCUSDT, so its strategy cannot change"}, false},
		{"other parameters may change", "0.5", []string{"tab", "tab", "tab", "tab", "ctrl+u"}, "450", nil, true},
		{"a bot that holds nothing may move", "0", []string{"ctrl+u"}, "SOLUSDT", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := testSnapshot(4, 5, 0)
			stopAll(&snap)
			snap.Bots[0].Position = d(tc.position)
			h := newDashboardHarness(t, snap)
			h.keys("tab", "e")
			h.wantView("Edit bot bot-00")
			h.keys(tc.keys...)
			if tc.text != "" {
				h.typeText(tc.text)
			}
			h.fire("formTickMsg")
			h.wantView(tc.want...)
			h.keys("ctrl+s")
			if tc.saved {
				h.wantCalls("UpdateBot bot-00")
				return
			}
			h.wantCalls()
			h.wantView("cannot change")
		})
	}
}

// TestNoLiveOnTheSimulatedMarket: a cockpit on the simulated market has no live account, so the
// bot form and the ticket say so at once instead of saving a live bot that fails when started.
func TestNoLiveOnTheSimulatedMarket(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("n")
	h.typeText("live-sim")
	h.keys("tab", "tab", "tab", "right") // mode → live
	h.wantView("live trading needs QUANTDECK_EXCHANGE=binance or binance-testnet", "use paper")
	h.keys("ctrl+s")
	h.wantCalls()
	if h.m.confirm != nil {
		t.Fatal("a live bot on the simulated market went to confirmation")
	}
	h.keys("esc", "y", "o") // leave the form, discarding what was typed
	h.typeText("0.001")
	h.keys("tab", "tab", "right") // mode → live
	h.wantView("live trading needs QUANTDECK_EXCHANGE=binance")
	h.keys("ctrl+s")
	if h.m.confirm != nil {
		t.Fatal("a live order on the simulated market went to confirmation")
	}
	h.wantCalls()
}

// TestNewBotNameMustBeFree: a name already in the bots table is refused as it is typed, not
// after ctrl+s; editing keeps the bot's own name.
func TestNewBotNameMustBeFree(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("n")
	h.typeText("bot-01")
	h.wantView("✗ already a bot: pick another name")
	h.keys("ctrl+s")
	h.wantCalls()
	h.typeText("b")
	h.wantNotView("already a bot")

	snap := testSnapshot(4, 5, 0)
	stopAll(&snap)
	h = newDashboardHarness(t, snap)
	h.keys("tab", "e")
	h.fire("formTickMsg")
	h.wantView("Edit bot bot-00", "✓ valid")
	h.wantNotView("already a bot")
}

// TestEscAsksBeforeDiscardingTypedInput: esc leaves an untouched form at once, but asks before
// throwing away what was typed in the bot form or the order ticket.
func TestEscAsksBeforeDiscardingTypedInput(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("n", "esc")
	if h.m.screen != scrDashboard || h.m.confirm != nil {
		t.Fatal("esc on an untouched form should leave at once")
	}
	h.keys("n")
	h.typeText("half-done")
	h.keys("esc")
	if h.m.screen != scrForm || h.m.confirm == nil {
		t.Fatal("esc on a form with typed input left without asking")
	}
	h.wantView("Discard what you typed in this form?")
	h.keys("n")
	if h.m.screen != scrForm || !strings.Contains(h.View(), "half-done") {
		t.Fatal("answering no did not keep the form and what was typed")
	}
	h.keys("esc", "y")
	if h.m.screen != scrDashboard {
		t.Fatal("answering yes did not leave the form")
	}

	h.keys("o")
	h.typeText("0.5")
	h.keys("esc")
	if h.m.screen != scrTicket || h.m.confirm == nil {
		t.Fatal("esc on a ticket with a quantity left without asking")
	}
	h.keys("y")
	if h.m.screen != scrDashboard {
		t.Fatal("answering yes did not leave the ticket")
	}
	h.wantCalls()
}
