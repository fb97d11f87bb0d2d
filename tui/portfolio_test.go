package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestPortfolioShowsEachAccount: P opens the portfolio with paper and live side by side on a
// wide terminal: free, locked, value, mark, average entry and unrealised PnL per asset.
func TestPortfolioShowsEachAccount(t *testing.T) {
	snap := testSnapshot(4, 5, 0)
	snap.Bots[1].Config.Symbol, snap.Bots[1].Position, snap.Bots[1].AvgEntry = "BTCUSDT", d("0.01234"), d("60000")
	h := newDashboardHarness(t, snap)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	h.keys("P")
	if h.m.screen != scrPortfolio {
		t.Fatalf("P opened screen %v, want the portfolio", h.m.screen)
	}
	// BTC: 0.01234 held, bots bought at 60,000 on average (bot-01; bot-00 holds nothing), the
	// mark is the last price 64,123.45: unrealised (64,123.45 − 60,000) × 0.01234 = +50.88.
	h.wantView("PAPER equity ≈ 10,791.27", "LIVE equity ≈ 250.00", "BTC", "0.01234", "64,123.45", "60,000.00", "+50.88", "9,876.54", "123.46")
	h.keys("esc")
	if h.m.screen != scrDashboard {
		t.Fatal("esc did not leave the portfolio")
	}
}
