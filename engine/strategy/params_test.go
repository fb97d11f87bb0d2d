package strategy

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/govalues/decimal"
)

// FuzzStrategyParams feeds arbitrary user text to both parsers: they must refuse or accept
// without panicking, and anything accepted must be within the documented bounds.
func FuzzStrategyParams(f *testing.F) {
	f.Add("10", "1h", "5", "3", "2,5,10", "90", "110", "5", "0.1")
	f.Add("-1", "0s", "1e9", "x", ",,", "0", "0", "1", "0")
	f.Add("99999999999999999999", "9999999h", "1000", "1000000", "99.9999", "1", "1.01", "200", "0.00001")
	f.Fuzz(func(t *testing.T, amount, interval, tp, maxBuys, dips, lower, upper, levels, qty string) {
		p, err := parseDCA(map[string]string{"amount": amount, "interval": interval, "take_profit": tp, "max_buys": maxBuys, "dip_steps": dips}, btcRules)
		if err == nil {
			if !p.Amount.IsPos() || p.Interval < 1e9 || p.MaxBuys < 0 || len(p.DipSteps) > 20 {
				t.Fatalf("accepted out-of-bounds dca params %+v", p)
			}
			s := newDCA(p)
			s.OnTick(tickP("100"), Position{Qty: d("1"), AvgEntry: d("100")}, t0, nil)
		}
		g, err := parseGrid(map[string]string{"lower": lower, "upper": upper, "levels": levels, "quantity": qty}, btcRules)
		if err == nil {
			if len(g.Prices) != g.Levels || g.Levels < 2 || g.Levels > 200 {
				t.Fatalf("accepted grid with %d prices for %d levels", len(g.Prices), g.Levels)
			}
			for i := 1; i < len(g.Prices); i++ {
				if g.Prices[i].Cmp(g.Prices[i-1]) <= 0 {
					t.Fatalf("grid prices not increasing: %v", g.Prices)
				}
			}
			newGrid(g).OnTick(tickP("100"), Position{}, t0, nil)
		}
	})
}

// The specs and the parsers agree: a value that fails a parameter's own Check is refused by
// New, a required parameter left out is asked for by name, an optional one may be left out,
// and a key the spec does not list is refused as unknown.
func TestSpecsAgreeWithParsers(t *testing.T) {
	good := map[string]map[string]string{
		DCA:  {"amount": "10", "interval": "1h", "take_profit": "3", "max_buys": "5", "dip_steps": "2,5"},
		Grid: {"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"},
	}
	bad := map[Kind][]string{
		KindDecimal:  {"x", "0", "-3"},
		KindInteger:  {"x", "0", "1.5", "100000000"},
		KindDuration: {"x", "10ms"},
		KindPercents: {"x", "2,,5", "-1"},
	}
	if got := strings.Join(Names(), ","); got != "dca,grid" {
		t.Fatalf("Names() = %s, want dca,grid", got)
	}
	for _, s := range Specs() {
		params, ok := good[s.Name]
		if !ok {
			t.Fatalf("no test parameters for strategy %s", s.Name)
		}
		if _, err := New(s.Name, params, btcRules, decimal.Zero); err != nil {
			t.Fatalf("%s: valid parameters refused: %v", s.Name, err)
		}
		if len(params) != len(s.Params) {
			t.Fatalf("%s: spec has %d parameters, the test %d", s.Name, len(s.Params), len(params))
		}
		for _, p := range s.Params {
			if p.Label == "" || p.Hint == "" || p.Checks == "" {
				t.Errorf("%s.%s: label, hint and checks must all be set", s.Name, p.Key)
			}
			if err := p.Check(params[p.Key]); err != nil {
				t.Errorf("%s.%s: Check(%q) = %v on a valid value", s.Name, p.Key, params[p.Key], err)
			}
			for _, v := range bad[p.Kind] {
				if p.Check(v) == nil {
					t.Errorf("%s.%s: Check(%q) passed", s.Name, p.Key, v)
				}
				mod := maps.Clone(params)
				mod[p.Key] = v
				if _, err := New(s.Name, mod, btcRules, decimal.Zero); err == nil || !errors.Is(err, ErrInvalid) {
					t.Errorf("%s: %s=%q accepted by New (err %v)", s.Name, p.Key, v, err)
				}
			}
			mod := maps.Clone(params)
			delete(mod, p.Key)
			_, err := New(s.Name, mod, btcRules, decimal.Zero)
			if p.Optional && err != nil {
				t.Errorf("%s: optional %s left out refused: %v", s.Name, p.Key, err)
			}
			if !p.Optional && (err == nil || !strings.Contains(err.Error(), p.Key+"=")) {
				t.Errorf("%s: required %s left out: err = %v, want it asked for", s.Name, p.Key, err)
			}
		}
		mod := maps.Clone(params)
		mod["typo"] = "1"
		if _, err := New(s.Name, mod, btcRules, decimal.Zero); err == nil || !strings.Contains(err.Error(), "unknown "+s.Name+" parameter typo") {
			t.Errorf("%s: unknown parameter: err = %v", s.Name, err)
		}
	}
	if _, err := New("martingale", nil, btcRules, decimal.Zero); err == nil || !strings.Contains(err.Error(), `must be dca or grid`) {
		t.Fatalf("unknown strategy: err = %v", err)
	}
}
