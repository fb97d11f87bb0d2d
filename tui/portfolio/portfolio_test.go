package portfolio

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// valuingEngine is an engine that values its accounts.
type valuingEngine struct {
	common.Engine
	accts []engine.PortfolioAccount
}

// Rules serves ETHUSDT's tick and step; other symbols are unknown.
func (e valuingEngine) Rules(_ context.Context, symbol string) (exchange.Rules, error) {
	if symbol != "ETHUSDT" {
		return exchange.Rules{}, errors.New("unknown symbol")
	}
	return exchange.Rules{Symbol: symbol, Base: "ETH", Quote: "USDT", TickSize: fixture.D("0.01"), StepSize: fixture.D("0.0001")}, nil
}

func (e valuingEngine) Portfolio(context.Context) ([]engine.PortfolioAccount, error) {
	return e.accts, nil
}

// TestTodayFromTheEngine: when the engine values the accounts, the screen shows its figures:
// the UTC day's realised and unrealised PnL, each asset's average entry from the fills, and a
// live account that could not be read says why.
func TestTodayFromTheEngine(t *testing.T) {
	d := fixture.D
	eng := valuingEngine{accts: []engine.PortfolioAccount{
		{Mode: engine.Paper, Quote: "USDT", Equity: d("10512.40"), RealizedToday: d("12.5"), UnrealizedToday: d("-3.25"), Assets: []engine.AssetPosition{
			{Asset: "USDT", Free: d("9000"), Mark: d("1"), Value: d("9000")},
			{Asset: "ETH", Free: d("0.4"), Locked: d("0.1"), AvgEntry: d("2950"), Mark: d("3024.80"), UnrealizedPnL: d("37.4"), Value: d("1512.40")},
		}},
		{Mode: engine.Live, KeyLabel: "main", Quote: "USDT", Err: "the vault is sealed"},
	}}
	snap := fixture.Snapshot(2, 1, 0)
	c, _ := fixture.Common(&snap, eng)
	scr, cmd := New(c, common.Args{})
	scr.SetSize(160, 47)
	run(scr, cmd)
	v := scr.View(fixture.Now)
	for _, want := range []string{"PAPER equity ≈ 10,512.40", "today realised +12.50", "unrealised −3.25", "ETH", " 0.4000 ", " 0.1000 ", "2,950.00", "3,024.80", "+37.40", "1,512.40", "LIVE main", "✗ the vault is sealed"} {
		if !strings.Contains(v, want) {
			t.Fatalf("portfolio lacks %q:\n%s", want, v)
		}
	}
}

// TestLongValuesShownWhole: a balance wider than its column's usual width widens the column
// instead of hiding behind "…"; a paper USDT balance after fees (eight decimals) shows to
// cents, the quote's precision.
func TestLongValuesShownWhole(t *testing.T) {
	d := fixture.D
	eng := valuingEngine{accts: []engine.PortfolioAccount{
		{Mode: engine.Paper, Quote: "USDT", Equity: d("9999.99"), Assets: []engine.AssetPosition{
			{Asset: "USDT", Free: d("9990.50500001"), Mark: d("1"), Value: d("9990.50500001")},
		}},
	}}
	snap := fixture.Snapshot(1, 0, 0)
	c, _ := fixture.Common(&snap, eng)
	scr, cmd := New(c, common.Args{})
	scr.SetSize(80, 23)
	run(scr, cmd)
	v := scr.View(fixture.Now)
	if strings.Contains(v, "…") || !strings.Contains(v, "9,990.51") {
		t.Fatalf("the free balance is not shown whole:\n%s", v)
	}
}

// run delivers what cmd produces to scr, the messages of a batch one by one.
func run(scr common.Screen, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			run(scr, c)
		}
	case nil:
	default:
		run(scr, scr.Update(msg))
	}
}
