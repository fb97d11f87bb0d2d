package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/engine/strategy"
)

func TestValidateConfig(t *testing.T) {
	dca := func(kv ...string) BotConfig {
		p := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return BotConfig{Name: "d1", Symbol: "BTCUSDT", Strategy: strategy.DCA, Params: p, Mode: Paper}
	}
	grid := func(kv ...string) BotConfig {
		c := dca(kv...)
		c.Strategy = strategy.Grid
		return c
	}
	live := dca("amount", "10", "interval", "1h")
	live.Mode = Live
	liveNoBudget := live
	liveNoBudget.KeyLabel = "main"
	badName := dca("amount", "10", "interval", "1h")
	badName.Name = "has space"
	overBudget := dca("amount", "50", "interval", "1h")
	overBudget.Budget = d("20")
	tests := []struct {
		name string
		cfg  BotConfig
		want string // substring of the error; "" means valid
	}{
		{"dca ok", dca("amount", "10", "interval", "1h", "take_profit", "3", "max_buys", "5", "dip_steps", "2,5%,10"), ""},
		{"dca missing amount", dca("interval", "1h"), "dca needs amount=VALUE"},
		{"dca amount below min notional", dca("amount", "4", "interval", "1h"), "below BTCUSDT's minimum order value of 5 USDT"},
		{"dca amount not a number", dca("amount", "ten", "interval", "1h"), `amount="ten" is not a decimal number`},
		{"dca bad interval", dca("amount", "10", "interval", "hourly"), "is not a duration"},
		{"dca interval too short", dca("amount", "10", "interval", "10ms"), "at least 1s"},
		{"dca dips must grow", dca("amount", "10", "interval", "1h", "dip_steps", "5,2"), "dip_steps must grow"},
		{"dca dip out of range", dca("amount", "10", "interval", "1h", "dip_steps", "150"), "between 0 and 100"},
		{"dca max_buys zero", dca("amount", "10", "interval", "1h", "max_buys", "0"), "max_buys=0 must be between 1"},
		{"dca typo", dca("amount", "10", "interval", "1h", "take_proft", "3"), "unknown dca parameter take_proft"},
		{"dca over budget", overBudget, "more than the budget 20"},
		{"grid ok", grid("lower", "90", "upper", "110", "levels", "5", "quantity", "0.1"), ""},
		{"grid upper below lower", grid("lower", "110", "upper", "90", "levels", "5", "quantity", "0.1"), "upper=90 must be above lower=110"},
		{"grid step size", grid("lower", "90", "upper", "110", "levels", "5", "quantity", "0.000015"), "not a multiple of BTCUSDT's step size 0.00001 (try 0.00001)"},
		{"grid min notional", grid("lower", "90", "upper", "110", "levels", "5", "quantity", "0.05"), "below BTCUSDT's minimum order value 5 USDT"},
		{"grid levels closer than tick", grid("lower", "100", "upper", "100.05", "levels", "10", "quantity", "0.1"), "closer than BTCUSDT's tick size"},
		{"grid too many levels", grid("lower", "90", "upper", "110", "levels", "500", "quantity", "0.1"), "levels=500 must be between 2 and 200"},
		{"unknown strategy", BotConfig{Name: "x", Symbol: "BTCUSDT", Strategy: "martingale", Mode: Paper}, `strategy "martingale" must be dca or grid`},
		{"live needs a key", live, "needs --key LABEL"},
		{"live needs a budget", liveNoBudget, "needs a budget above zero"},
		{"bad name", badName, "must be 1-32 letters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateConfig(tc.cfg, btcRules)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidBot) {
				t.Fatalf("err = %v does not wrap ErrInvalidBot", err)
			}
		})
	}
}
