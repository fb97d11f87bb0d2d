package backtest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

var d = decimal.MustParse

var t0 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

var btcRules = exchange.Rules{
	Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Status: "TRADING",
	TickSize: d("0.01"), StepSize: d("0.00001"), MinQty: d("0.00001"), MinNotional: d("5"),
}

// bars builds one-minute candles from "O H L C" strings.
func bars(ohlc ...[4]string) []exchange.Candle {
	out := make([]exchange.Candle, len(ohlc))
	for i, b := range ohlc {
		out[i] = exchange.Candle{Open: t0.Add(time.Duration(i) * time.Minute), O: d(b[0]), H: d(b[1]), L: d(b[2]), C: d(b[3]), Volume: d("1")}
	}
	return out
}

func trades(ts []Trade) []string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s %s %s %s@%s fee %s %s", t.Time.Sub(t0), t.Tag, t.Side, t.Qty, t.Price, t.Fee, t.FeeAsset))
	}
	return out
}

// The fill model on cases computed by hand (see the package doc for the model).
func TestFillModelByHand(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		candles    []exchange.Candle
		want       []string
		final, pnl string
		pnlPct     string
		fees       string
	}{
		{
			// Ladder at the first close (100.5): buys at 100, 95, 90. The falling second candle
			// walks 100.5, 100.6, 94 (40 s in: both upper buys fill at their own prices), 96;
			// at its close the grid asks for sells at 105 and 100. The rising third candle walks
			// 96, 95.5, 106 (40 s in: both sells fill, oldest first), 105.5.
			name: "grid limits fill at their price where the path crosses them",
			cfg:  Config{Strategy: "grid", Params: map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"}},
			candles: bars([4]string{"100", "101", "99.5", "100.5"}, [4]string{"100.5", "100.6", "94", "96"},
				[4]string{"96", "106", "95.5", "105.5"}),
			want: []string{
				"1m40s g2 BUY 0.1@100 fee 0 BTC", "1m40s g1 BUY 0.1@95 fee 0 BTC",
				"2m40s g3 SELL 0.1@105 fee 0 USDT", "2m40s g2 SELL 0.1@100 fee 0 USDT",
			},
			final: "1001", pnl: "1", pnlPct: "0.1", fees: "0",
		},
		{
			// The same grid with partial fills at 15 % of each candle's volume (1): at the low of
			// the second candle the buy at 100 takes 0.1 and the one at 95 the remaining 0.05;
			// it stays on the book, never crossed again. The sell at 105 fills whole in the third.
			name: "partial fills by a share of the candle's volume",
			cfg: Config{Strategy: "grid", Params: map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"},
				VolumeShare: d("0.15")},
			candles: bars([4]string{"100", "101", "99.5", "100.5"}, [4]string{"100.5", "100.6", "94", "96"},
				[4]string{"96", "106", "95.5", "105.5"}),
			want: []string{
				"1m40s g2 BUY 0.1@100 fee 0 BTC", "1m40s g1 BUY 0.05@95 fee 0 BTC",
				"2m40s g3 SELL 0.1@105 fee 0 USDT",
			},
			final: "1001.025", pnl: "1.025", pnlPct: "0.1", fees: "0",
		},
		{
			// Buy 100 USDT at 100 + 10 bps = 100.1: 0.999 BTC (step 0.00001), fee 0.000999 BTC,
			// holding 0.998001 at 99.9999 (avg 100.1902...). Take profit 10 % is 110.209...:
			// 110 is short, 111 sells 0.998 (step) at 111 - 10 bps = 110.889 for 110.667222,
			// fee 0.110667222. Quote 1000 - 99.9999 + 110.556554778; 0.000001 BTC left at 111.
			name: "dca market fills at the close plus slippage, with fees",
			cfg: Config{Strategy: "dca", Params: map[string]string{"amount": "100", "interval": "1h", "take_profit": "10"},
				FeeRate: d("0.001"), SlippageBps: d("10")},
			candles: bars([4]string{"100", "100", "100", "100"}, [4]string{"100", "111", "99", "110"}, [4]string{"110", "112", "110", "111"}),
			want: []string{
				"1m0s buy BUY 0.999@100.1 fee 0.000999 BTC",
				"3m0s tp SELL 0.998@110.889 fee 0.110667222 USDT",
			},
			final: "1010.55676578", pnl: "10.55676578", pnlPct: "1.06", fees: "0.21066712",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Symbol, tc.cfg.Rules, tc.cfg.Budget, tc.cfg.Interval = "BTCUSDT", btcRules, d("1000"), time.Minute
			res, err := Run(context.Background(), tc.cfg, tc.candles)
			if err != nil {
				t.Fatal(err)
			}
			if got := trades(res.Trades); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("trades\n got %q\nwant %q", got, tc.want)
			}
			if !res.FinalEquity.Equal(d(tc.final)) || !res.PnL.Equal(d(tc.pnl)) || !res.PnLPct.Equal(d(tc.pnlPct)) || !res.Fees.Equal(d(tc.fees)) {
				t.Fatalf("final %s pnl %s (%s%%) fees %s, want %s %s (%s%%) %s", res.FinalEquity, res.PnL, res.PnLPct, res.Fees, tc.final, tc.pnl, tc.pnlPct, tc.fees)
			}
			if res.Candles != len(tc.candles) || !res.From.Equal(t0) || !res.To.Equal(t0.Add(time.Duration(len(tc.candles))*time.Minute)) {
				t.Fatalf("period %s..%s over %d candles", res.From, res.To, res.Candles)
			}
		})
	}
}

// The path's order decides which of two crossed orders fills first: high before low in a
// falling candle, low before high in a rising one.
func TestPathOrder(t *testing.T) {
	grid := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("1000"), Interval: time.Minute, Strategy: "grid",
		Params: map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"}}
	// After two candles: buys resting at 95 and 90, a sell at 105 for the buy filled at 100.
	setup := [][4]string{{"102", "102", "102", "102"}, {"102", "102", "99", "99.5"}}
	tests := []struct {
		name string
		last [4]string
		want []string
	}{
		{"falling: open, high, low, close", [4]string{"99.5", "106", "94", "96"},
			[]string{"1m40s g2 BUY 0.1@100 fee 0 BTC", "2m20s g3 SELL 0.1@105 fee 0 USDT", "2m40s g1 BUY 0.1@95 fee 0 BTC"}},
		{"rising: open, low, high, close", [4]string{"99.5", "106", "94", "100"},
			// and at the close (100) the sell for the buy at 95 is marketable: it fills at once.
			[]string{"1m40s g2 BUY 0.1@100 fee 0 BTC", "2m20s g1 BUY 0.1@95 fee 0 BTC", "2m40s g3 SELL 0.1@105 fee 0 USDT", "3m0s g2 SELL 0.1@100 fee 0 USDT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), grid, bars(setup[0], setup[1], tc.last))
			if err != nil {
				t.Fatal(err)
			}
			if got := trades(res.Trades); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("trades\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// A strategy on a coarser interval decides only at its own closes; fills still walk every
// fine candle.
func TestStrategyIntervalCoarserThanFills(t *testing.T) {
	var cs [][4]string
	for range 10 {
		cs = append(cs, [4]string{"100", "100", "100", "100"})
	}
	cfg := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("1000"), Interval: time.Minute, StrategyInterval: 5 * time.Minute,
		Strategy: "dca", Params: map[string]string{"amount": "10", "interval": "1m"}}
	res, err := Run(context.Background(), cfg, bars(cs...))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"5m0s buy BUY 0.1@100 fee 0 BTC", "10m0s buy BUY 0.1@100 fee 0 BTC"}
	if got := trades(res.Trades); !reflect.DeepEqual(got, want) {
		t.Fatalf("trades %q, want %q", got, want)
	}
	cfg.StrategyInterval = 90 * time.Second
	if _, err := Run(context.Background(), cfg, bars(cs...)); err == nil {
		t.Fatal("a strategy interval that is not a multiple of the candles' was accepted")
	}
}

// What the budget cannot pay is refused and the strategy told; statistics follow the equity.
func TestBudgetRefusalsAndStatistics(t *testing.T) {
	cfg := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("25"), Interval: time.Minute,
		Strategy: "dca", Params: map[string]string{"amount": "10", "interval": "1m"}}
	cs := bars([4]string{"100", "100", "100", "100"}, [4]string{"100", "100", "100", "100"}, [4]string{"100", "100", "100", "100"},
		[4]string{"100", "100", "50", "50"}, [4]string{"50", "50", "50", "50"})
	res, err := Run(context.Background(), cfg, cs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trades) != 2 || res.Refused == 0 {
		t.Fatalf("%d trades, %d refused: want 2 buys then refusals", len(res.Trades), res.Refused)
	}
	// 5 USDT cash and 0.2 BTC: equity 25 until the drop to 50, then 15: a 40 % drawdown.
	if !res.FinalEquity.Equal(d("15")) || res.MaxDrawdownPct != 40 || res.TimeInMarketPct != 100 {
		t.Fatalf("final %s, drawdown %v %%, in market %v %%", res.FinalEquity, res.MaxDrawdownPct, res.TimeInMarketPct)
	}
	if !res.BuyHoldPnLPct.Equal(d("-50")) || !res.BuyHoldFinal.Equal(d("12.5")) {
		t.Fatalf("buy and hold %s (%s %%), want 12.5 (-50 %%)", res.BuyHoldFinal, res.BuyHoldPnLPct)
	}
}
