package tui

import (
	"testing"

	"github.com/quantdeck/quantdeck/engine"
)

// TestKillSwitchReleaseIsDiscoverable: while the kill switch is engaged, every screen a user
// trades from says so and says that K releases it, and K does.
func TestKillSwitchReleaseIsDiscoverable(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want []string
	}{
		{"dashboard help bar leads with the release", nil, []string{"[KILL SWITCH ENGAGED]", "? help • K release kill switch"}},
		{"bots pane too", []string{"tab"}, []string{"? help • K release kill switch • tab next"}},
		{"bot detail", []string{"tab", "enter"}, []string{"KILL SWITCH ENGAGED: no bot starts", "K releases it", "K release kill switch"}},
		{"release from the bot detail", []string{"tab", "enter", "K"}, []string{"Release the kill switch?"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := testSnapshot(4, 5, 30)
			killed(&snap)
			h := newDashboardHarness(t, snap)
			h.keys(tc.keys...)
			h.wantView(tc.want...)
			h.wantNotView("K kill switch")
		})
	}

	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.keys("K", "y")
	h.wantCalls("EngageKillSwitch")
	if h.eng.killReason != "from the cockpit" {
		t.Fatalf("reason %q: the engine logs \"kill switch engaged: <reason>\", so it should not repeat \"engaged\"", h.eng.killReason)
	}
	h.wantView("KILL SWITCH ENGAGED", "K releases it")
	h.emit(engine.KillSwitchEvent{Engaged: true, Reason: "engaged from the cockpit"})
	h.keys("esc") // read
	h.wantView("K release kill switch")
	h.keys("K", "y")
	h.wantCalls("EngageKillSwitch", "ReleaseKillSwitch")
	h.emit(engine.KillSwitchEvent{Engaged: false})
	h.flush()
	h.wantView("kill switch off")
	h.wantNotView("K release kill switch")
}
