package strategy

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func d(s string) decimal.Decimal { return decimal.MustParse(s) }

var btcRules = exchange.Rules{
	Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Status: "TRADING",
	TickSize: d("0.01"), StepSize: d("0.00001"), MinQty: d("0.00001"), MinNotional: d("5"),
}

// book is the replayer's position: quantity, the quote paid for it and the realized profit
// (average cost, no fees), enough to feed a strategy the Position it decides on.
type book struct {
	qty, cost, realized decimal.Decimal
}

func (b *book) apply(side exchange.Side, price, qty decimal.Decimal) {
	v, _ := price.Mul(qty)
	if side == exchange.Buy {
		b.qty, _ = b.qty.Add(qty)
		b.cost, _ = b.cost.Add(v)
		return
	}
	basis, _ := b.cost.Mul(qty)
	basis, _ = basis.Quo(b.qty)
	gain, _ := v.Sub(basis)
	b.realized, _ = b.realized.Add(gain)
	b.qty, _ = b.qty.Sub(qty)
	b.cost, _ = b.cost.Sub(basis)
	if !b.qty.IsPos() {
		b.qty, b.cost = decimal.Zero, decimal.Zero
	}
}

func (b *book) position() Position {
	if !b.qty.IsPos() {
		return Position{}
	}
	a, _ := b.cost.Quo(b.qty)
	return Position{Qty: b.qty, AvgEntry: a}
}

type tickAt struct {
	at    time.Duration
	price string
}

// replayer is a tiny exchange for strategies: market orders fill at the tick's price, limit
// orders rest until a later tick crosses them. refuse makes the next n intents refused.
type replayer struct {
	s       Strategy
	led     book
	resting []Intent
	fills   []string
	refuse  int
}

func (r *replayer) fill(it Intent, price decimal.Decimal, now time.Time) {
	qty := it.Qty
	if it.QuoteQty.IsPos() {
		qty, _ = it.QuoteQty.Quo(price)
		qty = qty.Trunc(5)
	}
	r.led.apply(it.Side, price, qty)
	r.fills = append(r.fills, fmt.Sprintf("%s %s@%s", it.Tag, it.Side, price))
	r.s.OnOrder(OrderUpdate{Tag: it.Tag, Side: it.Side, State: OrderFilled, Price: price, Qty: qty, Executed: qty, Time: now})
}

func (r *replayer) run(ticks []tickAt) {
	var out []Intent
	for _, tk := range ticks {
		now := t0.Add(tk.at)
		p := d(tk.price)
		keep := r.resting[:0]
		var crossed []Intent
		for _, o := range r.resting {
			if (o.Side == exchange.Buy && p.Cmp(o.Price) <= 0) || (o.Side == exchange.Sell && p.Cmp(o.Price) >= 0) {
				crossed = append(crossed, o)
			} else {
				keep = append(keep, o)
			}
		}
		r.resting = keep
		for _, o := range crossed {
			r.fill(o, o.Price, now)
		}
		out = r.s.OnTick(exchange.Tick{Symbol: "BTCUSDT", Last: p, Time: now}, r.led.position(), now, out[:0])
		for _, it := range out {
			if r.refuse > 0 {
				r.refuse--
				r.fills = append(r.fills, "refused "+it.Tag)
				r.s.OnOrder(OrderUpdate{Tag: it.Tag, Side: it.Side, Refused: true, Time: now})
				continue
			}
			if it.Type == exchange.Market {
				r.fill(it, p, now)
			} else {
				r.resting = append(r.resting, it)
			}
		}
	}
}

func mustStrategy(t *testing.T, strategy string, params map[string]string) Strategy {
	t.Helper()
	s, err := New(strategy, params, btcRules, decimal.Zero)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDCAReplay(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]string
		ticks   []tickAt
		refuse  int
		want    []string
		wantQty string
	}{
		{
			name:    "buys every interval up to max_buys",
			params:  map[string]string{"amount": "10", "interval": "1h", "max_buys": "3"},
			ticks:   []tickAt{{0, "100"}, {30 * time.Minute, "100"}, {time.Hour, "100"}, {2 * time.Hour, "100"}, {3 * time.Hour, "100"}, {9 * time.Hour, "100"}},
			want:    []string{"buy BUY@100", "buy BUY@100", "buy BUY@100"},
			wantQty: "0.3",
		},
		{
			name:    "take profit sells everything and starts a new cycle",
			params:  map[string]string{"amount": "10", "interval": "1h", "take_profit": "5", "max_buys": "1"},
			ticks:   []tickAt{{0, "100"}, {time.Minute, "104.99"}, {2 * time.Minute, "105"}, {3 * time.Minute, "105"}, {61 * time.Minute, "105"}},
			want:    []string{"buy BUY@100", "tp SELL@105", "buy BUY@105"},
			wantQty: "0.09523",
		},
		{
			name:    "dip steps buy below the average entry once per cycle",
			params:  map[string]string{"amount": "10", "interval": "24h", "dip_steps": "5,10"},
			ticks:   []tickAt{{0, "100"}, {time.Minute, "96"}, {2 * time.Minute, "95"}, {3 * time.Minute, "94"}, {4 * time.Minute, "88"}, {5 * time.Minute, "87"}, {6 * time.Minute, "80"}},
			want:    []string{"buy BUY@100", "dip0 BUY@95", "dip1 BUY@87"},
			wantQty: "0.32020",
		},
		{
			name:    "a refused buy is retried after a pause, not on every tick",
			params:  map[string]string{"amount": "10", "interval": "1h"},
			ticks:   []tickAt{{0, "100"}, {time.Second, "100"}, {30 * time.Second, "100"}, {time.Minute, "100"}},
			refuse:  1,
			want:    []string{"refused buy", "buy BUY@100"},
			wantQty: "0.1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &replayer{s: mustStrategy(t, DCA, tc.params), refuse: tc.refuse}
			r.run(tc.ticks)
			if !reflect.DeepEqual(r.fills, tc.want) {
				t.Fatalf("fills = %q, want %q", r.fills, tc.want)
			}
			if !r.led.qty.Equal(d(tc.wantQty)) {
				t.Fatalf("position = %s, want %s", r.led.qty, tc.wantQty)
			}
		})
	}
}

func TestGridReplay(t *testing.T) {
	params := map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"}
	tests := []struct {
		name         string
		ticks        []string
		want         []string
		wantRealized string
		wantQty      string
	}{
		{
			name:    "ladder below the price, nothing filled",
			ticks:   []string{"101", "102"},
			want:    nil,
			wantQty: "0",
		},
		{
			name:         "buy fills, sell above fills, buy placed again",
			ticks:        []string{"101", "99", "100", "106", "104", "99.5"},
			want:         []string{"g2 BUY@100", "g3 SELL@105", "g2 BUY@100"},
			wantRealized: "0.5",
			wantQty:      "0.1",
		},
		{
			name:         "a fall through the whole ladder, then a rise through it",
			ticks:        []string{"111", "89", "89", "111", "111"},
			want:         []string{"g3 BUY@105", "g2 BUY@100", "g1 BUY@95", "g0 BUY@90", "g4 SELL@110", "g3 SELL@105", "g2 SELL@100", "g1 SELL@95"},
			wantRealized: "2",
			wantQty:      "0",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &replayer{s: mustStrategy(t, Grid, params)}
			var ticks []tickAt
			for i, p := range tc.ticks {
				ticks = append(ticks, tickAt{time.Duration(i) * time.Second, p})
			}
			r.run(ticks)
			if !reflect.DeepEqual(r.fills, tc.want) {
				t.Fatalf("fills = %q, want %q", r.fills, tc.want)
			}
			if tc.wantRealized != "" && !r.led.realized.Equal(d(tc.wantRealized)) {
				t.Fatalf("realized = %s, want %s", r.led.realized, tc.wantRealized)
			}
			if !r.led.qty.Equal(d(tc.wantQty)) {
				t.Fatalf("position = %s, want %s", r.led.qty, tc.wantQty)
			}
		})
	}
}

// A grid restored with a position but no sell orders places the sells it owes, and keeps
// the level under an open sell empty.
func TestGridRestoreOwedSells(t *testing.T) {
	s := mustStrategy(t, Grid, map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"})
	open := []OrderRef{{Tag: "g3", Side: exchange.Sell, State: OrderAcked, Price: d("105"), Qty: d("0.1")}}
	s.Restore(Position{Qty: d("0.2"), AvgEntry: d("98")}, open, nil)
	got := s.OnTick(exchange.Tick{Symbol: "BTCUSDT", Last: d("101")}, Position{Qty: d("0.2")}, t0, nil)
	var tags []string
	for _, it := range got {
		tags = append(tags, fmt.Sprintf("%s %s", it.Tag, it.Side))
	}
	want := []string{"g4 SELL", "g1 BUY", "g0 BUY"}
	if !reflect.DeepEqual(tags, want) {
		t.Fatalf("intents = %q, want %q", tags, want)
	}
}

func TestDCARestore(t *testing.T) {
	s := mustStrategy(t, DCA, map[string]string{"amount": "10", "interval": "1h", "max_buys": "2"})
	hist := []OrderRef{ // newest first
		{Tag: "buy", State: OrderFilled, Executed: d("0.1"), Created: t0.Add(2 * time.Hour)},
		{Tag: "tp", State: OrderFilled, Executed: d("0.2"), Created: t0.Add(time.Hour)},
		{Tag: "buy", State: OrderFilled, Executed: d("0.1"), Created: t0},
	}
	s.Restore(Position{Qty: d("0.1"), AvgEntry: d("100")}, nil, hist)
	tk := exchange.Tick{Symbol: "BTCUSDT", Last: d("100")}
	if got := s.OnTick(tk, Position{Qty: d("0.1"), AvgEntry: d("100")}, t0.Add(150*time.Minute), nil); len(got) != 0 {
		t.Fatalf("bought %v before the interval since the restored last buy", got)
	}
	got := s.OnTick(tk, Position{Qty: d("0.1"), AvgEntry: d("100")}, t0.Add(3*time.Hour), nil)
	if len(got) != 1 || got[0].Tag != "buy" {
		t.Fatalf("intents = %v, want one scheduled buy (the cycle has 1 of 2)", got)
	}
	s.OnOrder(OrderUpdate{Tag: "buy", State: OrderFilled, Executed: d("0.1")})
	if got := s.OnTick(tk, Position{Qty: d("0.2"), AvgEntry: d("100")}, t0.Add(9*time.Hour), nil); len(got) != 0 {
		t.Fatalf("bought %v past max_buys", got)
	}
}

func tickP(p string) exchange.Tick { return exchange.Tick{Symbol: "BTCUSDT", Last: d(p)} }

// What fees leave of a position after a take-profit is dust: the next cycle starts with a
// scheduled buy instead of a take-profit that rounds to nothing.
func TestDCADustIsFlat(t *testing.T) {
	s := mustStrategy(t, DCA, map[string]string{"amount": "10", "interval": "1h", "take_profit": "1"})
	dust := Position{Qty: d("0.00000345"), AvgEntry: d("60000")}
	s.Restore(dust, nil, nil)
	got := s.OnTick(tickP("70000"), dust, t0, nil)
	if len(got) != 1 || got[0].Tag != dcaBuyTag {
		t.Fatalf("intents = %+v, want one scheduled buy", got)
	}
}

// A buy whose fee was paid in the base asset leaves less than a level's quantity: the sell
// above offers what the bot holds, never coins of another bot in the same account.
func TestGridSellsOnlyWhatItHolds(t *testing.T) {
	s := mustStrategy(t, Grid, map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"})
	s.Restore(Position{}, nil, nil)
	s.OnTick(tickP("101"), Position{}, t0, nil) // ladder: g2, g1, g0
	s.OnOrder(OrderUpdate{Tag: "g2", Side: exchange.Buy, State: OrderFilled, Executed: d("0.1")})
	got := s.OnTick(tickP("100"), Position{Qty: d("0.0999"), AvgEntry: d("100.1")}, t0, nil)
	if len(got) != 1 || got[0].Tag != "g3" || got[0].Side != exchange.Sell || !got[0].Qty.Equal(d("0.0999")) {
		t.Fatalf("intents %+v, want a sell of 0.0999 at g3", got)
	}
}
