package strategy

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
)

// A grid started again after a stop (which cancelled its sells) sells every level it holds,
// including the last one that fees paid in the base asset left a little short of a level.
func TestGridRestoreOwesTheLevelFeesShortened(t *testing.T) {
	tests := []struct {
		name string
		pos  string
		want []string
	}{
		{"three levels less base fees", "0.2997", []string{"g2 SELL 0.1", "g3 SELL 0.1", "g4 SELL 0.0997", "g0 BUY 0.1"}},
		{"exactly two levels", "0.2", []string{"g2 SELL 0.1", "g3 SELL 0.1", "g0 BUY 0.1"}},
		{"dust is no level", "0.00003", []string{"g1 BUY 0.1", "g0 BUY 0.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustStrategy(t, Grid, map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"})
			pos := Position{Qty: d(tc.pos), AvgEntry: d("100")}
			s.Restore(pos, nil, nil)
			var got []string
			for _, it := range s.OnTick(tickP("96"), pos, t0, nil) {
				got = append(got, fmt.Sprintf("%s %s %s", it.Tag, it.Side, it.Qty))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("intents = %q, want %q", got, tc.want)
			}
		})
	}
}

// Fills reported between ticks in any order still each get their sell: a sell asked for on
// a level whose own buy has filled at the exchange but is not reported yet waits for that
// report instead of being dropped.
func TestGridSellWaitsForItsLevelToFree(t *testing.T) {
	s := mustStrategy(t, Grid, map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"})
	s.Restore(Position{}, nil, nil)
	s.OnTick(tickP("101"), Position{}, t0, nil) // ladder: g2 (100), g1 (95), g0 (90)
	intents := func(pos string) []string {
		var out []string
		for _, it := range s.OnTick(tickP("94"), Position{Qty: d(pos), AvgEntry: d("97.5")}, t0, nil) {
			out = append(out, fmt.Sprintf("%s %s %s", it.Tag, it.Side, it.Qty))
		}
		return out
	}
	s.OnOrder(OrderUpdate{Tag: "g1", Side: exchange.Buy, State: OrderFilled, Executed: d("0.1")})
	if got := intents("0.1"); len(got) != 0 {
		t.Fatalf("intents %q while g2's buy is still open, want none", got)
	}
	s.OnOrder(OrderUpdate{Tag: "g2", Side: exchange.Buy, State: OrderFilled, Executed: d("0.1")})
	got := intents("0.2")
	sort.Strings(got)
	if want := []string{"g2 SELL 0.1", "g3 SELL 0.1"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("intents %q, want %q", got, want)
	}
}
