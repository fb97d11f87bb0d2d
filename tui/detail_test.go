package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

func TestBotDetail(t *testing.T) {
	snap := testSnapshot(4, 5, 10)
	// bot-00's orders and fills sit inside its chart's price range.
	for i := range snap.Orders {
		snap.Orders[i].Price = snap.Orders[i].Price.Pad(2)
	}
	h := newDashboardHarness(t, snap)
	h.send(tea.WindowSizeMsg{Width: 100, Height: 40})
	h.keys("tab", "enter")
	if h.m.screen != scrDetail {
		t.Fatal("enter on a bot did not open its detail")
	}
	h.wantView("bot-00", "DCA · BTCUSDT", "PAPER", "▶ running", "params   amount 25 · interval 4h",
		"position 0.00000 @ avg 64,000.00", "pnl      −18.50", "120.00 spent of 500.00", "▸ Orders", "acked",
		"█", "┤", "legend: █ rising  ░ falling  B/S fills  ┄ b/s open orders")
	v := h.View()
	if !strings.Contains(v, "B") || !strings.Contains(v, "┄") {
		t.Fatalf("the chart marks neither fills nor open orders:\n%s", v)
	}
	h.keys("tab")
	h.wantView("▸ Fills", "fee 0.0000004 BTC")
	h.keys("tab")
	h.wantView("▸ History", "INFO  started")

	// Events about this bot refresh it; events about others do not.
	calls := len(h.eng.Calls())
	h.eng.mu.Lock()
	h.eng.snap.Fills = append([]engine.FillView{{Bot: "bot-00", Symbol: "BTCUSDT", Side: exchange.Buy, Price: d("63210.98"),
		Qty: d("0.001"), FeeAsset: "BTC", Time: fixedNow}}, h.eng.snap.Fills...)
	h.eng.mu.Unlock()
	h.emit(engine.FillEvent{Fill: engine.FillView{Bot: "bot-03"}})
	h.wantNotView("63,210.98")
	h.emit(engine.FillEvent{Fill: engine.FillView{Bot: "bot-00"}})
	if len(h.eng.Calls()) != calls {
		t.Fatal("unexpected engine calls while refreshing")
	}
	h.wantView("63,210.98") // the refresh for this bot completed

	h.keys("shift+tab", "shift+tab", "c", "y")
	h.wantCalls("Cancel qd-0000")
	h.keys("x")
	h.wantCalls("Cancel qd-0000", "StopBot bot-00")
	h.keys("o")
	h.wantView("Order ticket", "BTCUSDT")
	h.keys("esc")
	if h.m.screen != scrDashboard {
		t.Fatal("esc from the ticket should return to the dashboard")
	}
}

func TestBotDetailNarrowAndGone(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(2, 2, 0))
	h.keys("tab", "enter")
	for _, line := range strings.Split(h.View(), "\n") {
		if w := len([]rune(line)); w > 200 {
			t.Fatalf("detail line too long at 80 columns: %q", line)
		}
	}
	h.wantView("bot-00", "params")
	snap := testSnapshot(2, 2, 0)
	snap.Bots = snap.Bots[1:]
	h.emit(engine.SnapshotEvent{Snapshot: snap})
	h.flush()
	h.wantView("bot-00 no longer exists")
}

func TestChartMarksShapesNotColours(t *testing.T) {
	st := common.NewStyles(asciiRenderer())
	candles := testCandles(30)
	orders := []engine.OrderView{{Side: exchange.Sell, Price: candles[29].H, State: engine.OrderAcked}}
	fills := []engine.FillView{{Side: exchange.Buy, Price: candles[10].C, Time: candles[10].Open}}
	lines := common.RenderChart(st, common.Chart{Candles: candles, Orders: orders, Fills: fills, MA: true, Lower: candles[5].L, Upper: candles[20].H}, 60, 14)
	if len(lines) != 14 {
		t.Fatalf("%d lines, want 14", len(lines))
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"█", "░", "│", "B", "s", "┄", "┤", "═", "·", ":", "vol ┤", "▁", "14:", "14:2"} {
		if !strings.Contains(all, want) {
			t.Fatalf("chart lacks %q:\n%s", want, all)
		}
	}
	if got := common.RenderChart(st, common.Chart{}, 60, 12); !strings.Contains(strings.Join(got, ""), "no price history yet") {
		t.Fatal("an empty chart does not say why")
	}
	if common.RenderChart(st, common.Chart{Candles: candles}, 10, 2) != nil {
		t.Fatal("a chart too small to read should not be drawn")
	}
}

func TestHelpListsEveryBinding(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(1, 1, 0))
	h.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	h.keys("?")
	if h.m.screen != scrHelp {
		t.Fatal("? did not open help")
	}
	for _, g := range h.m.keys.HelpGroups() {
		h.wantView(g.Title)
		for _, b := range g.Bindings {
			h.wantView(b.Help().Key, b.Help().Desc)
		}
	}
	h.wantView("tmux")
	h.keys("?")
	if h.m.screen != scrDashboard {
		t.Fatal("? again did not close help")
	}
}

// TestDetailOrderFilledText: an order sized by its quote amount has no base quantity, so the
// orders tab shows what it bought rather than "0.00029/quote".
func TestDetailOrderFilledText(t *testing.T) {
	snap := testSnapshot(2, 1, 0)
	snap.Orders = []engine.OrderView{
		{ClientID: "q1", Bot: "bot-00", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market,
			Executed: d("0.00029"), AvgPrice: d("68336.57"), State: engine.OrderFilled, Created: fixedNow},
		{ClientID: "l1", Bot: "bot-00", Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.Limit,
			Price: d("70000"), Quantity: d("0.001"), Executed: d("0.0004"), State: engine.OrderPartial, Created: fixedNow},
	}
	h := newDashboardHarness(t, snap)
	h.keys("tab", "enter")
	h.wantView("~68,336.57  filled 0.00029  filled", "70,000.00  filled 0.00040/0.00100  partial")
	h.wantNotView("/quote")
}

// TestDetailPagesThroughLongLists: page down and page up move through a bot's orders by ten.
func TestDetailPagesThroughLongLists(t *testing.T) {
	snap := testSnapshot(2, 1, 0)
	snap.Orders = nil
	for i := 0; i < 40; i++ {
		snap.Orders = append(snap.Orders, engine.OrderView{ClientID: fmt.Sprintf("o-%02d", i), Bot: "bot-00", Symbol: "BTCUSDT",
			Side: exchange.Buy, Type: exchange.Limit, Price: d(fmt.Sprintf("%d", 60000+i)), Quantity: d("0.001"), State: engine.OrderCancelled, Created: fixedNow})
	}
	h := newDashboardHarness(t, snap)
	h.keys("tab", "enter")
	h.send(tea.KeyMsg{Type: tea.KeyPgDown})
	h.send(tea.KeyMsg{Type: tea.KeyPgDown})
	h.wantSelected("60,020.00")
	h.send(tea.KeyMsg{Type: tea.KeyPgUp})
	h.wantSelected("60,010.00")
	for i := 0; i < 5; i++ {
		h.send(tea.KeyMsg{Type: tea.KeyPgDown})
	}
	h.wantSelected("60,039.00")
}

// TestDetailShortListGivesItsLinesToTheChart: a bot with few orders leaves no empty lines under
// them; the chart grows instead, at every size.
func TestDetailShortListGivesItsLinesToTheChart(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {160, 48}} {
		h := newDashboardHarness(t, testSnapshot(4, 5, 0))
		h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		h.keys("tab", "enter", "tab", "tab") // the history: one line
		h.wantView("▸ History", "INFO  started")
		blank := 0
		for _, l := range strings.Split(h.View(), "\n") {
			if strings.TrimSpace(l) == "" {
				blank++
			}
		}
		if blank > 2 {
			t.Fatalf("%dx%d: %d empty lines under a one-line list:\n%s", sz[0], sz[1], blank, h.View())
		}
	}
}
