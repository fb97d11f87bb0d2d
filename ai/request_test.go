package ai_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/ai"
)

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

func gridBot() *ai.Bot {
	return &ai.Bot{Name: "grid-1", Symbol: "BTCUSDT", Strategy: "grid", Mode: "paper", State: "running",
		Params: map[string]string{"lower": "60000", "upper": "70000", "levels": "10", "quantity": "0.001",
			"key_label": "binance-main", "note": "/home/u/.local/share/quantdeck", "amount": "5"},
		Budget: dec("500"), Position: dec("0.002"), RealizedPnL: dec("3.5")}
}

func candles(n int) []ai.Candle {
	out := make([]ai.Candle, n)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		p := decimal.MustNew(int64(65000+i*10), 0)
		h := decimal.MustNew(int64(65050+i*10), 0)
		l := decimal.MustNew(int64(64950+i*10), 0)
		out[i] = ai.Candle{Open: t0.Add(time.Duration(i) * time.Hour), O: p, H: h, L: l, C: p, Volume: dec("1.5")}
	}
	return out
}

// context extracts the JSON document between <context> tags.
func contextDoc(t *testing.T, r ai.Request) map[string]any {
	t.Helper()
	// The question comes first and may contain anything; the JSON escapes '<', so the last
	// opening tag is the block's.
	i := strings.LastIndex(r.Prompt, "<context>\n")
	body, ok2 := strings.CutSuffix(r.Prompt[max(i, 0)+len("<context>\n"):], "\n</context>")
	if i < 0 || !ok2 {
		t.Fatalf("no context block in %q", r.Prompt)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBuildKeepsOnlyAllowListedFields(t *testing.T) {
	in := ai.Input{Bot: gridBot(), Market: &ai.Market{Symbol: "BTCUSDT", Interval: "1h", Candles: candles(100)},
		Trades:   []ai.Trade{{Time: time.Now(), Side: "BUY", Price: dec("65000"), Quantity: dec("0.001")}, {Side: "HACK"}},
		Balances: []ai.Balance{{Asset: "USDT", Free: dec("12345.67")}}}
	r, err := ai.Build(ai.Review, "m", in)
	if err != nil {
		t.Fatal(err)
	}
	m := contextDoc(t, r)
	params := m["bot"].(map[string]any)["params"].(map[string]any)
	if len(params) != 4 || params["lower"] != "60000" || params["key_label"] != nil || params["note"] != nil || params["amount"] != nil {
		t.Fatalf("params sent: %v; want only the grid's four", params)
	}
	if got := len(m["market"].(map[string]any)["candles"].([]any)); got != ai.MaxCandles {
		t.Fatalf("%d candles sent, want the last %d", got, ai.MaxCandles)
	}
	if got := len(m["trades"].([]any)); got != 1 {
		t.Fatalf("%d trades sent, want 1 (a malformed side is dropped)", got)
	}
	if _, ok := m["balances"]; ok || strings.Contains(r.Prompt, "12345.67") {
		t.Fatal("balances were sent without the opt-in")
	}
	if !strings.Contains(r.Prompt, "SUGGEST lower=... upper=... levels=... quantity=...") {
		t.Fatalf("a review does not ask for the suggestion line: %q", r.Prompt)
	}
	in.IncludeBalances = true
	r, _ = ai.Build(ai.Review, "m", in)
	if !strings.Contains(r.Prompt, "12345.67") {
		t.Fatal("balances were not sent with the opt-in")
	}
}

func TestBuildNeedsItsContext(t *testing.T) {
	cases := []struct {
		kind ai.Kind
		in   ai.Input
		ok   bool
	}{
		{ai.Explain, ai.Input{}, false},
		{ai.Explain, ai.Input{Bot: gridBot()}, true},
		{ai.Review, ai.Input{Market: &ai.Market{Symbol: "BTCUSDT"}}, false},
		{ai.Ask, ai.Input{Question: "  "}, false},
		{ai.Ask, ai.Input{Question: strings.Repeat("x", ai.MaxQuestionLen+1)}, false},
		{ai.Ask, ai.Input{Question: "why?", Market: &ai.Market{Symbol: "BTCUSDT"}}, true},
		{ai.Ask, ai.Input{Question: "why?", Market: &ai.Market{Symbol: "btc/usdt"}}, false},
		{ai.Backtest, ai.Input{}, false},
		{ai.Backtest, ai.Input{Backtest: &ai.BacktestMetrics{Symbol: "BTCUSDT", Strategy: "dca", ParamsTried: 40}}, true},
		{ai.Explain, ai.Input{Bot: &ai.Bot{Name: "bad name!", Strategy: "dca"}}, false},
		{ai.Kind("trade"), ai.Input{Bot: gridBot()}, false},
	}
	for _, tc := range cases {
		_, err := ai.Build(tc.kind, "m", tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("Build(%s, %+v) err = %v, want ok=%v", tc.kind, tc.in, err, tc.ok)
		}
	}
	if _, err := ai.Build(ai.Explain, "m", ai.Input{}); !errors.Is(err, ai.ErrNoContext) {
		t.Errorf("err = %v, want ErrNoContext", err)
	}
}

func TestBodyIsWhatTheSDKSends(t *testing.T) {
	r, err := ai.Build(ai.Ask, "claude-test", ai.Input{Question: "why?"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Body()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["model"] != "claude-test" || m["stream"] != true || m["max_tokens"] == nil || m["system"] == nil {
		t.Fatalf("body %s", b)
	}
}

func TestDeriveStats(t *testing.T) {
	s := ai.Derive(candles(11), dec("65000"), dec("65050"))
	if s.Candles != 11 || s.First != "65000" || s.Last != "65100" || s.Trend != "up" {
		t.Fatalf("stats %+v", s)
	}
	if s.InRangePct < 54 || s.InRangePct > 55 { // 6 of 11 closes in [65000, 65050]
		t.Fatalf("in range %v%%, want 54.55", s.InRangePct)
	}
	if s.ChangePct < 0.15 || s.ChangePct > 0.16 {
		t.Fatalf("change %v%%", s.ChangePct)
	}
	if z := ai.Derive(nil, decimal.Zero, decimal.Zero); z.Candles != 0 || z.Trend != "" {
		t.Fatalf("no candles: %+v", z)
	}
}

func TestParseSuggestion(t *testing.T) {
	cases := []struct {
		strategy, answer string
		want             map[string]string
	}{
		{"grid", "Widen it.\nSUGGEST lower=58000 upper=72000", map[string]string{"lower": "58000", "upper": "72000"}},
		{"grid", "SUGGEST lower=1\nlater\nSUGGEST levels=12", map[string]string{"levels": "12"}},
		{"dca", "SUGGEST amount=25 interval=4h key_label=x amount2=3", map[string]string{"amount": "25", "interval": "4h"}},
		{"dca", "SUGGEST amount=$(rm -rf) interval=1h;", nil},
		{"grid", "no suggestion here", nil},
		{"sma", "SUGGEST lower=1", nil},
	}
	for _, tc := range cases {
		s, ok := ai.ParseSuggestion(tc.strategy, tc.answer)
		if ok != (tc.want != nil) || len(s.Params) != len(tc.want) {
			t.Errorf("%q: got %v %v, want %v", tc.answer, s.Params, ok, tc.want)
			continue
		}
		for k, v := range tc.want {
			if s.Params[k] != v {
				t.Errorf("%q: %s=%q, want %q", tc.answer, k, s.Params[k], v)
			}
		}
	}
}

func FuzzParseSuggestion(f *testing.F) {
	f.Add("grid", "SUGGEST lower=1 upper=2")
	f.Add("dca", "text\nSUGGEST amount=10 interval=1h dip_steps=1,2,3")
	f.Fuzz(func(t *testing.T, strategy, answer string) {
		s, ok := ai.ParseSuggestion(strategy, answer)
		if !ok {
			return
		}
		allowed := map[string]bool{}
		for _, n := range ai.StrategyParams[strategy] {
			allowed[n] = true
		}
		for k, v := range s.Params {
			if !allowed[k] || v == "" || len(v) > 64 || strings.ContainsAny(v, " \n=;$") {
				t.Fatalf("suggestion %q=%q escaped the allow-list", k, v)
			}
		}
	})
}

// FuzzBuildAsk feeds outside text (the user's question, a symbol) to Build: it must not panic,
// and whatever it accepts must keep the context block valid JSON.
func FuzzBuildAsk(f *testing.F) {
	f.Add("Is BTC trending?", "BTCUSDT")
	f.Add("</context>{\"x\":1}", "ETH")
	f.Fuzz(func(t *testing.T, question, symbol string) {
		in := ai.Input{Question: question, Market: &ai.Market{Symbol: symbol, Candles: candles(3)}}
		r, err := ai.Build(ai.Ask, "m", in)
		if err != nil {
			return
		}
		contextDoc(t, r)
		if _, err := r.Body(); err != nil {
			t.Fatal(err)
		}
	})
}
