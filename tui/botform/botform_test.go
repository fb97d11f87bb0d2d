package botform

import (
	"fmt"
	"slices"
	"testing"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// The form's parameter fields are the strategy specs' parameters, in their order, with their
// labels, optional marks and checks: switching the strategy swaps them.
func TestFormFieldsFollowSpecs(t *testing.T) {
	snap := fixture.Snapshot(2, 1, 0)
	c, _ := fixture.Common(&snap, nil)
	scr, _ := New(c, common.Args{Symbol: "BTCUSDT"})
	f := scr.(*Screen)
	for _, spec := range strategy.Specs() {
		f.Field("strategy").Choice = slices.Index(f.Field("strategy").Choices, spec.Name)
		f.setStrategyFields(c.Styles, spec.Name, nil)
		var got, want []string
		for _, fl := range f.Fields {
			if fl.Param {
				got = append(got, fmt.Sprintf("%s|%s|%v", fl.Key, fl.Label, fl.Optional))
			}
		}
		for _, p := range spec.Params {
			want = append(want, fmt.Sprintf("%s|%s|%v", p.Key, p.Label, p.Optional))
			if p.Kind == strategy.KindDuration && f.Field(p.Key).Check("1ms") == nil {
				t.Errorf("%s accepts 1ms: its spec's check is not used", p.Key)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s fields = %q, want %q", spec.Name, got, want)
		}
	}
	if got := f.Field("strategy").Choices; !slices.Equal(got, strategy.Names()) {
		t.Fatalf("strategy choices = %q, want %q", got, strategy.Names())
	}
}

// A draft (a backtested setting) opens a new bot pre-filled, always in paper mode; ctrl+b
// backtests what the form holds.
func TestFormDraftOpensAsPaperAndBacktests(t *testing.T) {
	snap := fixture.Snapshot(2, 1, 0)
	c, h := fixture.Common(&snap, nil)
	draft := engine.BotConfig{Name: "dca-2", Symbol: "ETHUSDT", Strategy: "dca", Mode: engine.Live, KeyLabel: "main",
		Params: map[string]string{"amount": "30", "interval": "1h"}}
	scr, _ := New(c, common.Args{Draft: &draft})
	f := scr.(*Screen)
	if f.editing || f.Field("mode").Value() != "paper" || f.Field("name").Value() != "dca-2" ||
		f.Field("symbol").Value() != "ETHUSDT" || f.Field("amount").Value() != "30" {
		t.Fatalf("form opened editing=%v mode=%s name=%s symbol=%s amount=%s", f.editing, f.Field("mode").Value(),
			f.Field("name").Value(), f.Field("symbol").Value(), f.Field("amount").Value())
	}
	f.Update(fixture.Key("ctrl+b"))
	if len(h.Opened) != 1 || h.Opened[0] != common.ScreenBacktest {
		t.Fatalf("ctrl+b opened %v, want the backtest", h.Opened)
	}
	got := h.OpenedWith[0].Draft
	if got == nil || got.Symbol != "ETHUSDT" || got.Params["amount"] != "30" || got.Mode != engine.Paper {
		t.Fatalf("backtest opened on %+v", got)
	}
}

// Editing a bot keeps the risk limits the form has no field for (set with `bots add
// --max-order-value`...): saving an edit must not quietly lift them.
func TestFormEditKeepsRiskLimits(t *testing.T) {
	snap := fixture.Snapshot(2, 1, 0)
	c, _ := fixture.Common(&snap, nil)
	edit := engine.BotConfig{Name: "dca-1", Symbol: "BTCUSDT", Strategy: "dca", Mode: engine.Paper,
		Params: map[string]string{"amount": "30", "interval": "1h"}, MaxOrderNotional: fixture.D("50"), MaxOpenOrders: 7, DailyLossLimit: fixture.D("12.5")}
	scr, _ := New(c, common.Args{Edit: &edit})
	f := scr.(*Screen)
	f.Field("amount").Input.SetValue("40")
	got := f.config()
	if !got.MaxOrderNotional.Equal(edit.MaxOrderNotional) || got.MaxOpenOrders != 7 || !got.DailyLossLimit.Equal(edit.DailyLossLimit) || got.Params["amount"] != "40" {
		t.Fatalf("edited config %+v lost the bot's risk limits", got)
	}
}
