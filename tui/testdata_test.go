package tui

import (
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// testSnapshot builds a deterministic snapshot with n symbols, n bots and logN log lines.
func testSnapshot(nSym, nBots, logN int) engine.Snapshot {
	s := engine.Snapshot{
		Time: fixedNow,
		Health: engine.Health{
			Exchange: "sim", Stream: exchange.StreamLive, LastMessage: fixedNow.Add(-300 * time.Millisecond),
			Reconnects: 1, ClockOffset: 12 * time.Millisecond,
			Rate: exchange.RateState{UsedWeight: 42, WeightLimit: 6000},
		},
		Started: fixedNow.Add(-time.Hour),
	}
	bases := []string{"BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX", "DOT", "LINK", "LTC", "TRX", "ATOM", "NEAR", "APT", "ARB", "OP", "FIL", "ICP", "ETC"}
	for i := 0; i < nSym; i++ {
		base := bases[i%len(bases)]
		last := decimal.MustNew(int64(6412345-i*311111), 2)
		spark := make([]decimal.Decimal, 40)
		for j := range spark {
			spark[j] = decimal.MustNew(int64(6400000-i*311111+((j*j*37+i*13)%900)), 2)
		}
		chg := decimal.MustNew(int64((i*137)%500-250), 2)
		s.Prices = append(s.Prices, engine.PriceView{
			Symbol: base + "USDT", Last: last,
			Bid: mustSubD(last, decimal.MustNew(1, 2)), Ask: mustAddD(last, decimal.MustNew(1, 2)),
			ChangePct: chg, Spark: spark, Updated: fixedNow,
		})
	}
	states := []engine.BotState{engine.BotRunning, engine.BotStopped, engine.BotPaused, engine.BotError}
	for i := 0; i < nBots; i++ {
		mode := engine.Paper
		if i%5 == 4 {
			mode = engine.Live
		}
		st := states[i%len(states)]
		b := engine.BotView{
			Config: engine.BotConfig{
				Name: fmt.Sprintf("bot-%02d", i), Symbol: bases[i%nSymOr1(nSym)] + "USDT", Strategy: []string{"dca", "grid"}[i%2],
				Params: map[string]string{"amount": "25", "interval": "4h"}, Mode: mode, KeyLabel: "main", Budget: d("500"),
			},
			State: st, Position: decimal.MustNew(int64(1234*i), 5), AvgEntry: d("64000"),
			RealizedPnL: decimal.MustNew(int64(i*371-2000), 2), UnrealizedPnL: decimal.MustNew(int64(150-i*13), 2),
			Spent: d("120"), OpenOrders: i % 3, Buys: i, StartedAt: fixedNow.Add(-2 * time.Hour),
		}
		if st == engine.BotPaused {
			b.Reason = "daily loss limit reached"
		}
		if st == engine.BotError {
			b.Reason = "insufficient balance"
		}
		s.Bots = append(s.Bots, b)
	}
	for i := 0; i < 12; i++ {
		side := exchange.Buy
		if i%3 == 2 {
			side = exchange.Sell
		}
		state := []engine.OrderState{engine.OrderAcked, engine.OrderFilled, engine.OrderCancelled, engine.OrderPartial}[i%4]
		s.Orders = append(s.Orders, engine.OrderView{
			ClientID: fmt.Sprintf("qd-%04d", i), Bot: fmt.Sprintf("bot-%02d", i%max(nBots, 1)), Mode: engine.Paper,
			Symbol: "BTCUSDT", Side: side, Type: exchange.Limit, Price: decimal.MustNew(int64(6400000-i*5000), 2),
			Quantity: d("0.00039"), Executed: decimal.Zero, State: state, Created: fixedNow.Add(-time.Duration(i) * time.Minute),
		})
		s.Fills = append(s.Fills, engine.FillView{
			TradeID: int64(i), ClientID: fmt.Sprintf("qd-%04d", i), Bot: fmt.Sprintf("bot-%02d", i%max(nBots, 1)), Mode: engine.Paper,
			Symbol: "BTCUSDT", Side: side, Price: decimal.MustNew(int64(6400000-i*5000), 2), Qty: d("0.00039"),
			Fee: d("0.0000004"), FeeAsset: "BTC", Time: fixedNow.Add(-time.Duration(i) * time.Minute),
		})
	}
	s.Balances = []engine.BalanceView{
		{Mode: engine.Paper, Asset: "USDT", Free: d("9876.54"), Locked: d("123.46"), QuoteValue: d("10000")},
		{Mode: engine.Paper, Asset: "BTC", Free: d("0.01234"), Locked: d("0"), QuoteValue: d("791.27")},
		{Mode: engine.Live, Asset: "USDT", Free: d("250"), Locked: d("0"), QuoteValue: d("250")},
	}
	levels := []string{"info", "info", "warn", "error"}
	for i := 0; i < logN; i++ {
		s.Log = append(s.Log, engine.BotEvent{
			Bot: fmt.Sprintf("bot-%02d", i%max(nBots, 1)), Time: fixedNow.Add(-time.Duration(i) * 7 * time.Second),
			Level: levels[i%4], Message: fmt.Sprintf("placed limit buy 0.00039 BTCUSDT @ %d.00 (step %d)", 64000-i, i),
		})
	}
	return s
}

func nSymOr1(n int) int { return max(n, 1) }

func mustSubD(a, b decimal.Decimal) decimal.Decimal {
	x, err := a.Sub(b)
	if err != nil {
		panic(err)
	}
	return x
}

func mustAddD(a, b decimal.Decimal) decimal.Decimal {
	x, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return x
}
