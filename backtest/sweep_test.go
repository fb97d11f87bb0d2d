package backtest

import (
	"context"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseAxis(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{"levels=10..40:10", []string{"10", "20", "30", "40"}, false},
		{"upper=60000..70000:2500", []string{"60000", "62500", "65000", "67500", "70000"}, false},
		{"take_profit=0.5..1.2:0.25", []string{"0.5", "0.75", "1", "1.25"}[:3], false},
		{"interval=1h,4h", []string{"1h", "4h"}, false},
		{"levels=40..10:5", nil, true},
		{"levels=1..2:0", nil, true},
		{"levels", nil, true},
		{"levels=1..100000000:1", nil, true},
	}
	for _, tc := range tests {
		a, err := ParseAxis(tc.in)
		if (err != nil) != tc.bad {
			t.Fatalf("ParseAxis(%q) err = %v, want error %v", tc.in, err, tc.bad)
		}
		if !tc.bad && !reflect.DeepEqual(a.Values, tc.want) {
			t.Fatalf("ParseAxis(%q) = %q, want %q", tc.in, a.Values, tc.want)
		}
	}
}

// A sweep runs every combination once, ranks them by the metric (invalid ones last), equals
// single runs of the same parameters, and reports the out-of-sample part of a split.
func TestSweepRanksEveryCombination(t *testing.T) {
	cs := year(t)[:20000]
	base := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("10000"), Interval: time.Minute, FeeRate: d("0.001"),
		Strategy: "grid", Params: map[string]string{"quantity": "0.01", "lower": "50000"}}
	axes := []Axis{{Key: "levels", Values: []string{"5", "10", "1000"}}, {Key: "upper", Values: []string{"65000", "70000"}}}
	var calls atomic.Int64
	rows, err := Sweep(context.Background(), base, cs, axes, SweepOptions{Workers: runtime.GOMAXPROCS(0), Split: 0.7, Rank: "pnl",
		Progress: func(done, total int) {
			calls.Add(1)
			if total != 6 || done < 1 || done > 6 {
				t.Errorf("progress %d/%d", done, total)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || calls.Load() != 6 {
		t.Fatalf("%d rows, %d progress calls, want 6", len(rows), calls.Load())
	}
	for i, r := range rows {
		if i < 4 {
			if r.Err != "" || r.Out == nil {
				t.Fatalf("row %d %v: err %q", i, r.Params, r.Err)
			}
			if i > 0 && rows[i-1].In.PnL.Cmp(r.In.PnL) < 0 {
				t.Fatalf("row %d ranks above a better one", i)
			}
			single, err := Run(context.Background(), Config{Symbol: base.Symbol, Rules: btcRules, Budget: base.Budget, Interval: time.Minute,
				FeeRate: base.FeeRate, Strategy: "grid", Params: r.Params}, cs[:14000])
			if err != nil || !single.FinalEquity.Equal(r.In.FinalEquity) || len(single.Trades) != r.In.TradeCount() {
				t.Fatalf("row %v: sweep %s (%d trades), single run %s (%d trades, %v)", r.Params, r.In.FinalEquity, r.In.TradeCount(), single.FinalEquity, len(single.Trades), err)
			}
			if r.Out.Candles != 6000 {
				t.Fatalf("out of sample has %d candles, want 6000", r.Out.Candles)
			}
		} else if r.Err == "" || r.Params["levels"] != "1000" {
			t.Fatalf("row %d %v should be the invalid levels=1000", i, r.Params)
		}
	}
	if _, err := Sweep(context.Background(), base, cs, axes, SweepOptions{Rank: "luck"}); err == nil {
		t.Fatal("an unknown rank metric was accepted")
	}
}

// RankRows orders rows as a sweep ranked by that metric would, whatever order they are in:
// each metric's best first, rows that could not run last, ties in the combinations' order.
func TestRankRowsReranksLikeASweep(t *testing.T) {
	cs := year(t)[:8000]
	base := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("10000"), Interval: time.Minute, FeeRate: d("0.001"),
		Strategy: "grid", Params: map[string]string{"quantity": "0.01", "lower": "50000"}}
	axes := []Axis{{Key: "levels", Values: []string{"4", "8", "16", "1000"}}, {Key: "upper", Values: []string{"62000", "66000", "70000"}}}
	swept := map[string][]Row{}
	for _, m := range RankMetrics() {
		rows, err := Sweep(context.Background(), base, cs, axes, SweepOptions{Workers: 2, Rank: m})
		if err != nil {
			t.Fatal(err)
		}
		swept[m] = rows
	}
	key := func(rows []Row) string {
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(strconv.Itoa(r.Index) + " ")
		}
		return b.String()
	}
	for _, from := range RankMetrics() {
		for _, to := range RankMetrics() {
			rows := slices.Clone(swept[from])
			RankRows(rows, to)
			if got, want := key(rows), key(swept[to]); got != want {
				t.Errorf("ranked by %s, then by %s: %s, a sweep by %s gives %s", from, to, got, to, want)
			}
		}
	}
	if key(swept["pnl"]) == key(swept["drawdown"]) {
		t.Fatal("PnL and drawdown rank the same: the case does not tell the metrics apart")
	}
	for _, m := range RankMetrics() {
		rows := swept[m]
		for i := 1; i < len(rows); i++ {
			if rows[i].Err == "" && CompareResults(rows[i-1].In, rows[i].In, m) > 0 {
				t.Fatalf("by %s row %d ranks below a worse one", m, i)
			}
		}
		if last := rows[len(rows)-1]; last.Err == "" || last.Params["levels"] != "1000" {
			t.Fatalf("by %s the last row is %v, want an invalid levels=1000", m, last.Params)
		}
	}
}

// BenchmarkSweep1000 sweeps 1,000 grid combinations over a year of one-minute candles on
// every core. Target: under 60 s on 2 cores.
func BenchmarkSweep1000(b *testing.B) {
	cs := year(b)
	base := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("100000"), Interval: time.Minute, FeeRate: d("0.001"),
		Strategy: "grid", Params: map[string]string{"quantity": "0.01"}}
	axes := []Axis{
		{Key: "levels", Values: nil}, {Key: "lower", Values: nil}, {Key: "upper", Values: nil},
	}
	for l := 10; l < 20; l++ {
		axes[0].Values = append(axes[0].Values, itoa(l))
	}
	for v := 30000; v < 55000; v += 2500 {
		axes[1].Values = append(axes[1].Values, itoa(v))
	}
	for v := 65000; v < 90000; v += 2500 {
		axes[2].Values = append(axes[2].Values, itoa(v))
	}
	if n := Combinations(axes); n != 1000 {
		b.Fatalf("%d combinations", n)
	}
	for b.Loop() {
		if _, err := Sweep(context.Background(), base, cs, axes, SweepOptions{Workers: runtime.GOMAXPROCS(0), Rank: "sharpe"}); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// FuzzParseAxis: any --sweep text is refused or gives a bounded, non-empty list of values,
// every one of them a decimal within the range for the range form.
func FuzzParseAxis(f *testing.F) {
	for _, s := range []string{"levels=10..40:5", "upper=60000..70000:2500", "k=a,b", "k=1..1:1", "=..:", "k=1e9..1e10:0.0000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAxis(s)
		if err != nil {
			return
		}
		if a.Key == "" || len(a.Values) == 0 || len(a.Values) > maxAxisValues {
			t.Fatalf("ParseAxis(%q) = %+v", s, a)
		}
	})
}
