package botform

import (
	"slices"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// TestFormRefusesWhatCanOnlyFail: as the user types, the form refuses a bot the engine would
// refuse or that could not place its first order (the symbol's rules, the grid's prices, the
// budget, the paper account's free USDT, the kill switch), blaming the right field with
// formatted numbers, and offers to save only a bot that can work.
func TestFormRefusesWhatCanOnlyFail(t *testing.T) {
	rules := exchange.Rules{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Status: "TRADING",
		TickSize: fixture.D("0.01"), StepSize: fixture.D("0.00001"), MinQty: fixture.D("0.00001"), MinNotional: fixture.D("5"),
		MaxQty: fixture.D("9000"), MinPrice: fixture.D("0.01"), MaxPrice: fixture.D("1000000"), MaxNotional: fixture.D("100000")}
	tests := []struct {
		name     string
		strategy string
		fields   map[string]string
		kill     bool
		maxOrder string // the bot's own maximum order value (set with the CLI, kept by the form)
		noRules  bool
		field    string // the field blamed; "" when the form is fine
		want     string
	}{
		{name: "dca fits", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h"}},
		{name: "dca below the minimum order value", strategy: "dca", fields: map[string]string{"amount": "3", "interval": "1h"},
			field: "amount", want: "an amount of 3.00 USDT is below BTCUSDT's minimum order value of 5.00 USDT"},
		{name: "dca over its budget", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h", "budget": "20"},
			field: "budget", want: "the first order needs 25.00 USDT, more than the budget of 20.00 USDT"},
		{name: "dca over the free balance", strategy: "dca", fields: map[string]string{"amount": "10000", "interval": "1h"},
			field: "amount", want: "not enough USDT: the first order needs 10,000.00 USDT, the paper account has 9,876.54 free"},
		{name: "rules not known yet: the engine decides", strategy: "dca", fields: map[string]string{"amount": "3", "interval": "1h"}, noRules: true},
		{name: "grid fits", strategy: "grid", fields: map[string]string{"lower": "60000", "upper": "70000", "levels": "5", "quantity": "0.001"}},
		{name: "grid upside down", strategy: "grid", fields: map[string]string{"lower": "70000", "upper": "60000", "levels": "5", "quantity": "0.001"},
			field: "upper", want: "the upper price 60,000.00 must be above the lower price 70,000.00"},
		{name: "grid quantity off the step", strategy: "grid", fields: map[string]string{"lower": "60000", "upper": "70000", "levels": "5", "quantity": "0.000015"},
			field: "quantity", want: "a quantity of 0.000015 is not a multiple of BTCUSDT's step 0.00001: try 0.00001"},
		{name: "grid levels finer than the tick", strategy: "grid", fields: map[string]string{"lower": "60000", "upper": "60000.05", "levels": "10", "quantity": "0.001"},
			field: "levels", want: "10 levels between 60,000.00 and 60,000.05 are closer than BTCUSDT's tick 0.01: use fewer levels"},
		{name: "grid level below the minimum order value", strategy: "grid", fields: map[string]string{"lower": "100", "upper": "200", "levels": "5", "quantity": "0.001"},
			field: "quantity", want: "0.001 BTC at the lowest level 100.00 is worth 0.10 USDT, below BTCUSDT's minimum order value of 5.00 USDT"},
		{name: "grid first buy over the free balance", strategy: "grid", fields: map[string]string{"lower": "50000", "upper": "70000", "levels": "5", "quantity": "1"},
			field: "quantity", want: "not enough USDT: the first order needs 60,000.00 USDT, the paper account has 9,876.54 free"},
		{name: "grid first buy over the budget", strategy: "grid", fields: map[string]string{"lower": "60000", "upper": "70000", "levels": "5", "quantity": "0.001", "budget": "50"},
			field: "budget", want: "the first order needs 62.50 USDT, more than the budget of 50.00 USDT"},
		{name: "dca dip steps fit", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h", "dip_steps": "2, 5%,10"}},
		{name: "dca dip steps not growing", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h", "dip_steps": "2,10,5"},
			field: "dip_steps", want: "each dip step must be deeper than the one before: 5% comes after 10%"},
		{name: "dca dip step of 100%", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h", "dip_steps": "5,100"},
			field: "dip_steps", want: "a dip step of 100% is not below 100%"},
		{name: "dca too many dip steps", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h", "dip_steps": "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21"},
			field: "dip_steps", want: "21 dip steps is too many: at most 20"},
		{name: "dca above the symbol's maximum order value", strategy: "dca", fields: map[string]string{"amount": "250000", "interval": "1h"},
			field: "amount", want: "an amount of 250,000.00 USDT is above BTCUSDT's maximum order value of 100,000.00 USDT"},
		{name: "dca above the bot's maximum order value", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h"}, maxOrder: "20",
			field: "amount", want: "an amount of 25.00 USDT is above this bot's maximum order value of 20.00 USDT"},
		{name: "grid top buy above the bot's maximum order value", strategy: "grid", fields: map[string]string{"lower": "60000", "upper": "70000", "levels": "5", "quantity": "0.001"}, maxOrder: "65",
			field: "quantity", want: "the buy of 0.00100 BTC at 67,500.00 is worth 67.50 USDT, which is above this bot's maximum order value of 65.00 USDT"},
		{name: "grid within the bot's maximum order value", strategy: "grid", fields: map[string]string{"lower": "60000", "upper": "70000", "levels": "5", "quantity": "0.001"}, maxOrder: "70"},
		{name: "grid quantity above the symbol's maximum", strategy: "grid", fields: map[string]string{"lower": "0.5", "upper": "1", "levels": "2", "quantity": "10000"},
			field: "quantity", want: "a quantity of 10,000.00000 is above BTCUSDT's maximum of 9,000.00000"},
		{name: "grid below the symbol's lowest price", strategy: "grid", fields: map[string]string{"lower": "0.001", "upper": "70000", "levels": "5", "quantity": "0.001"},
			field: "lower", want: "the lower price 0.001 is below BTCUSDT's lowest price of 0.01"},
		{name: "kill switch engaged", strategy: "dca", fields: map[string]string{"amount": "25", "interval": "1h"}, kill: true,
			field: "mode", want: "the kill switch is engaged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := fixture.Snapshot(2, 1, 0)
			snap.KillSwitch = tc.kill
			c, _ := fixture.Common(&snap, nil)
			scr, _ := New(c, common.Args{Symbol: "BTCUSDT"})
			f := scr.(*Screen)
			st := f.Field("strategy")
			st.Choice = slices.Index(st.Choices, tc.strategy)
			f.setStrategyFields(c.Styles, tc.strategy, nil)
			f.Field("name").Input.SetValue("b1")
			if tc.maxOrder != "" {
				f.limits.MaxOrderNotional = fixture.D(tc.maxOrder)
			}
			for k, v := range tc.fields {
				f.Field(k).Input.SetValue(v)
			}
			if !tc.noRules {
				f.rules, f.rulesFor = rules, "BTCUSDT"
			}
			i, err := f.firstLocalErr()
			v := f.View(fixture.Now)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !strings.Contains(v, "✓ valid") {
					t.Fatalf("a bot that can work is not offered:\n%s", v)
				}
				return
			}
			if err == nil || f.Fields[i].Key != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got field %d (%s) %v, want %s: %q", i, f.Fields[max(i, 0)].Key, err, tc.field, tc.want)
			}
			if strings.Contains(v, "✓") || !strings.Contains(strings.Join(strings.Fields(v), " "), "✗ "+tc.want) {
				t.Fatalf("the form does not show the refusal or still offers to save:\n%s", v)
			}
			if strings.Contains(err.Error(), "=") {
				t.Fatalf("the message names an internal parameter: %v", err)
			}
			f.Update(fixture.Key("ctrl+s"))
			if f.saving || f.Focus != i {
				t.Fatalf("ctrl+s saved (%v) or did not focus the field (%d, want %d)", f.saving, f.Focus, i)
			}
		})
	}
}
