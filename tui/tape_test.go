package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
)

// TestTapeSurvivesOtherScreens: the dashboard keeps reading the trades tape on every snapshot
// while another screen is active, and its results reach it there, so back on the dashboard the
// tape still follows the market (the tape's buffers are handed back and forth, and one lost
// on the way would stop it).
func TestTapeSurvivesOtherScreens(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	h.flush()
	h.wantView("Trades BTCUSDT", "▲ buy")
	h.keys("O")
	for i := 0; i < 5; i++ {
		h.emit(engine.SnapshotEvent{Snapshot: testSnapshot(4, 5, 30)})
	}
	h.keys("esc")
	before := h.reads()
	h.emit(engine.SnapshotEvent{Snapshot: testSnapshot(4, 5, 30)})
	if h.reads() == before {
		t.Fatal("the tape stopped reading trades after another screen was active")
	}
	h.flush()
	h.wantView("Trades BTCUSDT", "▲ buy")
}

func (h *harness) reads() int {
	h.eng.mu.Lock()
	defer h.eng.mu.Unlock()
	return h.eng.tapeReads
}
