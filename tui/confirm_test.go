package tui

import "testing"

// TestConfirmationWords checks the y/N question reads right when it is about cancelling an
// order: the answers are yes and no, and answering no never reports "cancelled".
func TestConfirmationWords(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	// A stale error, then the question: the footer must not show the error under it.
	h.keys("tab", "tab", "down", "c")
	h.wantView("only open orders can be cancelled")
	h.keys("up", "c")
	h.wantView("Cancel order BUY", "y yes", "n/esc no")
	h.wantNotView("only open orders can be cancelled", "n/esc cancel")
	h.keys("n")
	h.wantCalls()
	h.wantView("answered no: nothing was done")
	h.wantNotView("✓ cancelled")
}
