package tui

import (
	"errors"
	"testing"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

func TestTicketRoundsAndConfirms(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("o")
	h.wantView("Order ticket", "BTCUSDT", "[BUY]", "[LIMIT]", "64123.45") // price starts at the last
	h.wantView("in BTC", "USDT per BTC", "ctrl+s review and place")       // units from the symbol's rules
	// Focus starts on the quantity.
	h.typeText("0.0123456")
	h.keys("tab", "ctrl+u")
	h.typeText("64000.129")
	h.wantView("Preview", "BUY 0.01234 BTCUSDT @ 64,000.12", "notional ≈ 789.76 USDT")

	h.keys("enter") // price → mode
	h.keys("enter") // mode is the last visible field: review
	h.wantView("Place LIMIT BUY 0.01234 BTCUSDT @ 64,000.12?", "Notional ≈ 789.76 USDT. Mode PAPER.")
	h.wantCalls()
	h.keys("y")
	h.wantCalls("PlaceManual BUY LIMIT 0.01234 BTCUSDT 64000.12")
	if h.eng.placed[0].Mode != engine.Paper {
		t.Fatal("a ticket placed a non-paper order without choosing live")
	}
	if h.m.screen != scrDashboard {
		t.Fatal("placing did not return to the dashboard")
	}
	h.wantView("order placed: BUY 0.01234 BTCUSDT (acked, PAPER)")
}

func TestTicketRules(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		text []string
		want string
	}{
		{"below min notional", nil, []string{"0.00005"}, "this order is worth 3.21 USDT, below BTCUSDT's minimum order value of 5.00"},
		{"zero after rounding", nil, []string{"0.000001"}, "a quantity of 0.000001 is less than BTCUSDT's step of 0.00001 BTC"},
		{"market uses the ask and hides the price", []string{"shift+tab", "right", "tab"}, []string{"0.001"}, "notional ≈ 64.12 USDT"},
		{"sell rounds the price up", []string{"shift+tab", "shift+tab", "right", "tab", "tab"}, []string{"0.001", "\t", "64000.121"}, "SELL 0.00100 BTCUSDT @ 64,000.13"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newDashboardHarness(t, testSnapshot(4, 5, 0))
			h.keys("o")
			h.keys(tc.keys...)
			for _, s := range tc.text {
				if s == "\t" {
					h.keys("tab", "ctrl+u")
					continue
				}
				h.typeText(s)
			}
			h.wantView(tc.want)
		})
	}
}

func TestTicketLiveAndFailure(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.m.com.Exchange = "binance" // live trading needs a real exchange
	h.keys("o")
	h.typeText("0.001")
	h.keys("tab", "tab", "right") // mode → live
	h.wantView("Key label")
	h.keys("tab")
	h.typeText("main")
	h.eng.err = errors.New("insufficient balance")
	h.keys("enter")
	h.wantView("Place LIMIT BUY 0.00100 BTCUSDT", "Real money, key main.")
	h.keys("y")
	h.wantView("the order was not placed: insufficient balance")
	h.wantNotView("✓ enter on the last field") // a failure is not followed by a go-ahead
	if h.m.screen != scrTicket {
		t.Fatal("a failed order left the ticket: the user loses what they typed")
	}
	if got := h.eng.placed[0]; got.Mode != engine.Live || got.KeyLabel != "main" || got.Side != exchange.Buy {
		t.Fatalf("placed %+v", got)
	}
}

// TestTicketMarketOrderNeedsAPrice: a market order on a symbol without a price (outside the
// watchlist) has an unknown value, so the ticket refuses to review it instead of asking the
// user to confirm "notional ≈ 0.00".
func TestTicketMarketOrderNeedsAPrice(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("o", "shift+tab", "shift+tab", "shift+tab", "ctrl+u")
	h.typeText("XRPUSDT")
	h.keys("tab", "tab", "right", "tab")
	h.typeText("100")
	h.wantView("no price for XRPUSDT", "place a limit order instead")
	h.wantNotView("notional ≈ 0.00")
	h.keys("ctrl+s")
	if h.m.confirm != nil {
		t.Fatal("a market order of unknown value went to confirmation")
	}
	h.wantCalls()
	// A limit order there is fine: its value is the user's price. BTCUSDT's price, filled in
	// when the ticket opened, did not stay behind for XRPUSDT.
	h.keys("shift+tab", "left", "tab", "tab")
	h.wantNotView("64123.45")
	h.typeText("0.5")
	h.wantView("BUY 100.00000 XRPUSDT @ 0.50", "notional ≈ 50.00")
}

// TestTicketPriceFollowsTheSymbol: the price filled in from the last trade follows a change of
// symbol; a price the user typed stays.
func TestTicketPriceFollowsTheSymbol(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("o")
	h.wantView("64123.45")
	h.keys("shift+tab", "shift+tab", "shift+tab", "ctrl+u") // quantity → symbol
	h.typeText("ETHUSDT")
	h.wantView("61012.34")
	h.wantNotView("64123.45")
	h.keys("tab", "tab", "tab", "tab", "ctrl+u") // symbol → price
	h.typeText("3000")
	h.keys("shift+tab", "shift+tab", "shift+tab", "shift+tab", "backspace")
	h.typeText("T") // ETHUSDT again, edited
	h.wantView("3000")
}

// TestTicketRefusesWhatTheEngineWould: an order the account cannot pay for, or any order while
// the kill switch is engaged, gets its reason in numbers and no review: ctrl+s asks nothing.
func TestTicketRefusesWhatTheEngineWould(t *testing.T) {
	tests := []struct {
		name   string
		killed bool
		keys   []string
		text   []string
		want   string
	}{
		{"buy beyond the free quote", false, nil, []string{"1"}, "not enough USDT: this order needs 64,123.45, the paper account has 9,876.54"},
		{"sell beyond the free base", false, []string{"shift+tab", "shift+tab", "right", "tab", "tab"}, []string{"0.5"}, "not enough BTC: this order needs 0.50000, the paper account has 0.01234 free"},
		{"kill switch engaged", true, nil, []string{"0.001"}, "the kill switch is engaged: no order can be placed"},
		{"below the minimum order value", false, nil, []string{"0.00005"}, "this order is worth 3.21 USDT, below BTCUSDT's minimum order value of 5.00"},
		{"less than a step", false, nil, []string{"0.000001"}, "a quantity of 0.000001 is less than BTCUSDT's step of 0.00001 BTC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := testSnapshot(4, 5, 0)
			snap.KillSwitch = tc.killed
			h := newDashboardHarness(t, snap)
			h.keys("o")
			h.keys(tc.keys...)
			for _, s := range tc.text {
				h.typeText(s)
			}
			h.wantView(tc.want)
			h.wantNotView("✓ enter on the last field")
			h.keys("ctrl+s")
			if h.m.confirm != nil {
				t.Fatalf("an order that can only fail was offered for confirmation: %q", h.m.confirm.Prompt)
			}
			h.wantCalls()
		})
	}
}
