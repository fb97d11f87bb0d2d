package portfolio

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Portfolios is an engine that values each account from its balances and the journal's fills:
// average entries from what QuantDeck bought, and the UTC day's realised and unrealised PnL.
// The screen reads it when the engine has it and builds a plainer view from the snapshot
// otherwise. It does I/O, so it runs in a command, once on open and then with the clock.
type Portfolios interface {
	Portfolio(ctx context.Context) ([]engine.PortfolioAccount, error)
}

type portfolioLoadedMsg struct {
	accounts []engine.PortfolioAccount
	err      error
}

func loadCmd(c *common.Common) tea.Cmd {
	p, ok := c.Engine.(Portfolios)
	if !ok {
		return nil
	}
	ctx := c.Ctx
	return func() tea.Msg {
		cc, cancel := context.WithTimeout(ctx, common.CallTimeout)
		defer cancel()
		accts, err := p.Portfolio(cc)
		return portfolioLoadedMsg{accounts: accts, err: err}
	}
}

// fromEngine turns the engine's accounts into the screen's tables.
func fromEngine(accts []engine.PortfolioAccount) []account {
	var out []account
	for _, pa := range accts {
		a := account{mode: pa.Mode, label: pa.KeyLabel, equity: pa.Equity, realised: pa.RealizedToday, unr: pa.UnrealizedToday, today: true, err: pa.Err}
		for _, as := range pa.Assets {
			h := holding{asset: as.Asset, free: as.Free, locked: as.Locked, value: as.Value, haveV: !as.Mark.IsZero() || (as.Free.IsZero() && as.Locked.IsZero())}
			h.mark, h.haveMark = as.Mark, !as.Mark.IsZero() && as.Asset != pa.Quote
			h.avg, h.haveAvg = as.AvgEntry, !as.AvgEntry.IsZero()
			h.upnl = as.UnrealizedPnL
			a.rows = append(a.rows, h)
		}
		out = append(out, a)
	}
	return out
}
