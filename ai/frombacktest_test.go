package ai_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/backtest"
)

func TestBacktestSummaryRequest(t *testing.T) {
	cfg := backtest.Config{Symbol: "BTCUSDT", Strategy: "grid", Params: map[string]string{"lower": "60000", "upper": "70000"}, Interval: 15 * time.Minute}
	res := backtest.Result{StartEquity: dec("1000"), FinalEquity: dec("1100"), PnLPct: dec("10"), MaxDrawdownPct: 12.5, Sharpe: 1.4, BuyHoldPnLPct: dec("25")}
	r, err := ai.Build(ai.Backtest, "m", ai.Input{Backtest: ai.FromBacktest(cfg, res, 40)})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"params_tried": 40`, `"interval": "15m"`, `"max_drawdown_pct": 12.5`, `"buy_and_hold_pct": 25`, `"return_pct": 10`, "overfitting"} {
		if !strings.Contains(r.Prompt, want) {
			t.Errorf("prompt lacks %s:\n%s", want, r.Prompt)
		}
	}
}
