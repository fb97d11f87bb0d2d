package engine

import (
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// exchangeMarket is a market that also reports its clock offset and request budget, as the
// Binance adapter does.
type exchangeMarket struct {
	*testMarket
	offset time.Duration
	rate   exchange.RateState
}

func (m *exchangeMarket) ClockOffset() time.Duration    { return m.offset }
func (m *exchangeMarket) RateState() exchange.RateState { return m.rate }

// The header's health line shows what the exchange adapter knows: clock offset and weight used.
func TestSnapshotHealthCarriesClockOffsetAndRateState(t *testing.T) {
	banned := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m := &exchangeMarket{testMarket: newTestMarket(), offset: -1500 * time.Millisecond,
		rate: exchange.RateState{UsedWeight: 5400, WeightLimit: 6000, BannedUntil: banned, Banned: true}}
	e, err := New(Config{DB: testDB(t), Market: m, ExchangeName: "binance", Symbols: []string{"BTCUSDT"}, Paper: newMemExchange(), Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	h := e.Snapshot().Health
	if h.ClockOffset != m.offset {
		t.Errorf("clock offset = %s, want %s", h.ClockOffset, m.offset)
	}
	if h.Rate != m.rate {
		t.Errorf("rate state = %+v, want %+v", h.Rate, m.rate)
	}
	if e.TicksProcessed() != 0 {
		t.Errorf("ticks processed before any tick = %d", e.TicksProcessed())
	}
}
