package tui

import (
	"strings"
	"testing"
)

// TestOpenOrdersStayInSight: O lists every open order above the history, however much history
// there is; c cancels the selected open one after asking.
func TestOpenOrdersStayInSight(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.keys("O")
	v := h.View()
	open, hist := strings.Index(v, "Open"), strings.Index(v, "History")
	if open < 0 || hist < open {
		t.Fatalf("open orders are not listed above the history:\n%s", v)
	}
	for _, s := range []string{"acked", "partial"} { // every open order, in the open list
		if i := strings.Index(v, s); i < 0 || i > hist {
			t.Fatalf("open order state %q is not in the open list:\n%s", s, v)
		}
	}
	for _, s := range []string{"filled", "cancelled"} {
		if i := strings.Index(v[hist:], s); i < 0 {
			t.Fatalf("finished order state %q is not in the history:\n%s", s, v)
		}
	}
	h.keys("down", "c")
	h.wantView("Cancel order BUY 0.00039 BTCUSDT @ 63,850.00?")
	h.keys("y")
	h.wantCalls("Cancel qd-0003")
}
