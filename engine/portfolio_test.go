package engine

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// balanceTrader is an account that only reports balances.
type balanceTrader struct {
	*memExchange
	bals []exchange.Balance
}

func (b balanceTrader) Balances(context.Context) ([]exchange.Balance, error) { return b.bals, nil }

// dayMarket serves rules for two symbols and a fixed daily candle.
type dayMarket struct {
	*testMarket
	dayOpen map[string]string
	now     time.Time
}

func (m dayMarket) Candles(_ context.Context, symbol string, tf time.Duration, _ int) ([]exchange.Candle, error) {
	o, ok := m.dayOpen[symbol]
	if !ok || tf != 24*time.Hour {
		return nil, nil
	}
	return []exchange.Candle{{Open: m.now.Truncate(24 * time.Hour), O: d(o), H: d(o), L: d(o), C: d(o), Volume: d("1")}}, nil
}

// addFill writes an order and its fill as the journal would have.
func addFill(t *testing.T, db *sql.DB, n int, mode Mode, label, symbol string, side exchange.Side, price, qty, fee, feeAsset string, at time.Time) {
	t.Helper()
	id := fmt.Sprintf("t-%d", n)
	ts := at.UTC().Format(time.RFC3339Nano)
	if _, err := db.Exec(`INSERT INTO orders (client_id, mode, key_label, symbol, side, type, quantity, executed, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'MARKET', ?, ?, 'filled', ?, ?)`, id, string(mode), label, symbol, string(side), qty, qty, ts, ts); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO fills (mode, symbol, trade_id, client_id, side, price, qty, fee, fee_asset, time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, string(mode), symbol, n, id, string(side), price, qty, fee, feeAsset, ts); err != nil {
		t.Fatal(err)
	}
}

// The numbers below are worked by hand in the comments.
func TestPortfolioHandComputed(t *testing.T) {
	db := testDB(t)
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	yesterday := now.Add(-24 * time.Hour)
	tm := newTestMarket()
	tm.rules["ETHUSDT"] = exchange.Rules{Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Status: "TRADING", TickSize: d("0.01"), StepSize: d("0.0001")}
	mkt := dayMarket{testMarket: tm, now: now, dayOpen: map[string]string{"BTCUSDT": "62500", "ETHUSDT": "2950"}}
	paperAcct := balanceTrader{memExchange: newMemExchange(), bals: []exchange.Balance{
		{Asset: "USDT", Free: d("9000")}, {Asset: "BTC", Free: d("0.3"), Locked: d("0.1")}, {Asset: "ETH", Free: d("2")}, {Asset: "DOGE"},
	}}
	liveAcct := balanceTrader{memExchange: newMemExchange(), bals: []exchange.Balance{{Asset: "BTC", Free: d("0.01")}, {Asset: "USDT", Free: d("100")}}}

	// Paper BTC: buy 0.5 @ 60000, fee 30: qty 0.5, cost 30030.
	addFill(t, db, 1, Paper, "", "BTCUSDT", exchange.Buy, "60000", "0.5", "30", "USDT", yesterday.Add(-5*time.Hour))
	// Sell 0.2 @ 62000, fee 12.4: basis 12012, realised 375.6 (yesterday); qty 0.3, cost 18018.
	addFill(t, db, 2, Paper, "", "BTCUSDT", exchange.Sell, "62000", "0.2", "12.4", "USDT", yesterday.Add(-3*time.Hour))
	// Today buy 0.2 @ 63000: qty 0.5, cost 30618. Day basis: 0.3 @ 62500 = 18750 + 12600 = 31350.
	addFill(t, db, 3, Paper, "", "BTCUSDT", exchange.Buy, "63000", "0.2", "0", "USDT", now.Add(-6*time.Hour))
	// Sell 0.1 @ 64000, fee 6.4: all-time basis 6123.6 (qty 0.4, cost 24494.4, average 61236);
	// day basis 6270, realised today 6400 - 6270 - 6.4 = 123.6 (day cost left 25080).
	addFill(t, db, 4, Paper, "", "BTCUSDT", exchange.Sell, "64000", "0.1", "6.4", "USDT", now.Add(-5*time.Hour))
	// Paper ETH today: buy 2 @ 3000, fee 6: cost 6006, average 3003.
	addFill(t, db, 5, Paper, "", "ETHUSDT", exchange.Buy, "3000", "2", "6", "USDT", now.Add(-time.Hour))
	// Live BTC yesterday: 0.01 @ 60000.
	addFill(t, db, 6, Live, "main", "BTCUSDT", exchange.Buy, "60000", "0.01", "0", "USDT", yesterday)

	e, err := New(Config{DB: db, Market: mkt, ExchangeName: "binance", Symbols: []string{"BTCUSDT", "ETHUSDT"}, Paper: paperAcct,
		Clock: stampedBy(func() time.Time { return now }), Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.live["main"] = liveAcct
	e.mkt.onTick(exchange.Tick{Symbol: "BTCUSDT", Last: d("65000"), Time: now}, now)
	e.mkt.onTick(exchange.Tick{Symbol: "ETHUSDT", Last: d("2900"), Time: now}, now)

	accts, err := e.Portfolio(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 2 || accts[0].Mode != Paper || accts[1].Mode != Live || accts[1].KeyLabel != "main" {
		t.Fatalf("accounts %+v", accts)
	}
	type want struct{ free, locked, avg, mark, upnl, value string }
	check := func(a PortfolioAccount, wants map[string]want) {
		t.Helper()
		if len(a.Assets) != len(wants) {
			t.Fatalf("%s: %d assets, want %d: %+v", a.Mode, len(a.Assets), len(wants), a.Assets)
		}
		for _, p := range a.Assets {
			w, ok := wants[p.Asset]
			if !ok {
				t.Fatalf("%s: unexpected asset %s", a.Mode, p.Asset)
			}
			if !p.Free.Equal(d(w.free)) || !p.Locked.Equal(d(w.locked)) || !p.AvgEntry.Equal(d(w.avg)) ||
				!p.Mark.Equal(d(w.mark)) || !p.UnrealizedPnL.Equal(d(w.upnl)) || !p.Value.Equal(d(w.value)) {
				t.Errorf("%s %s: %+v, want %+v", a.Mode, p.Asset, p, w)
			}
		}
	}
	p := accts[0]
	check(p, map[string]want{
		// 0.4 * 65000 = 26000; 26000 - 24494.4 = 1505.6.
		"BTC":  {"0.3", "0.1", "61236", "65000", "1505.6", "26000"},
		"ETH":  {"2", "0", "3003", "2900", "-206", "5800"},
		"USDT": {"9000", "0", "0", "1", "0", "9000"},
	})
	if p.Assets[0].Asset != "BTC" || p.Assets[2].Asset != "ETH" {
		t.Errorf("assets not by value: %s, %s, %s", p.Assets[0].Asset, p.Assets[1].Asset, p.Assets[2].Asset)
	}
	// Equity 26000 + 5800 + 9000; today: realised 123.6; unrealised BTC 26000 - 25080 = 920,
	// ETH 5800 - 6006 = -206.
	if !p.Equity.Equal(d("40800")) || !p.RealizedToday.Equal(d("123.6")) || !p.UnrealizedToday.Equal(d("714")) || !p.Priced || p.Err != "" {
		t.Errorf("paper totals: equity %s realised today %s unrealised today %s priced %v err %q", p.Equity, p.RealizedToday, p.UnrealizedToday, p.Priced, p.Err)
	}
	l := accts[1]
	check(l, map[string]want{
		"BTC":  {"0.01", "0", "60000", "65000", "50", "650"},
		"USDT": {"100", "0", "0", "1", "0", "100"},
	})
	// Held since yesterday: today's basis is the day's open, 0.01 * (65000 - 62500) = 25.
	if !l.Equity.Equal(d("750")) || !l.RealizedToday.IsZero() || !l.UnrealizedToday.Equal(d("25")) {
		t.Errorf("live totals: equity %s realised today %s unrealised today %s", l.Equity, l.RealizedToday, l.UnrealizedToday)
	}
}

func TestPortfolioReportsAnUnreadableAccount(t *testing.T) {
	db := testDB(t)
	e, err := New(Config{DB: db, Market: newTestMarket(), ExchangeName: "binance", Symbols: []string{"BTCUSDT"}, Paper: newMemExchange(),
		Live: func(string) (exchange.Trader, error) { return nil, fmt.Errorf("vault is sealed") }, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := newBot(BotConfig{Name: "b", Symbol: "BTCUSDT", Mode: Live, KeyLabel: "main"})
	e.bots["b"] = b
	e.spawn(b)
	accts, err := e.Portfolio(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 2 || accts[1].KeyLabel != "main" || accts[1].Err == "" || len(accts[1].Assets) != 0 {
		t.Fatalf("accounts %+v", accts)
	}
	if accts[0].Err != "" || !accts[0].Equity.Equal(d("10000")) {
		t.Fatalf("paper account %+v", accts[0])
	}
}
