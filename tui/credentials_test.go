package tui

import (
	"strings"
	"testing"
)

// TestAddKeyFocusNeverWrapsToTheLabel: tab after the secret stays on the secret, so what is
// typed or pasted next goes into a masked field and never shows in the visible Label.
func TestAddKeyFocusNeverWrapsToTheLabel(t *testing.T) {
	tests := []struct {
		name string
		keys []string // pressed after the secret was pasted
	}{
		{"one tab", []string{"tab"}},
		{"many tabs", []string{"tab", "tab", "tab", "tab"}},
		{"down arrows", []string{"down", "down", "down"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := keysHarness(t)
			h.keys("a", "tab") // an exchange key: on to its label
			h.typeText("desk")
			h.keys("tab")
			h.typeText("APIKEY")
			h.keys("tab")
			h.typeText("SECRET")
			h.keys(tc.keys...)
			h.typeText("MORESECRETTEXT")
			h.wantNotView("MORESECRETTEXT", "SECRET", "APIKEY")
			h.wantView("Label             desk ", "› API secret", "20 characters")
		})
	}
}

// TestAddKeyLabelRefusesAPastedKey: a key pasted into the Label field (reached with shift+tab)
// is refused whole, never cut to the label's length and shown.
func TestAddKeyLabelRefusesAPastedKey(t *testing.T) {
	h := keysHarness(t)
	h.keys("a")
	h.keys("tab", "tab", "tab", "tab", "shift+tab", "shift+tab") // the secret, then back to the label
	h.wantView("› Label")
	pasted := strings.Repeat("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", 1)
	h.typeText(pasted)
	h.wantView("too long for a label (at most 32 characters): nothing was typed")
	h.wantNotView(pasted[:8])
	h.typeText("desk")
	h.wantView("Label             desk")
}

// TestAddKeyKindRefusesText: the kind is chosen with ←/→; a paste landing on it (shift+tab
// past the label) is refused whole and never shown.
func TestAddKeyKindRefusesText(t *testing.T) {
	h := keysHarness(t)
	h.keys("a", "tab", "shift+tab", "shift+tab", "shift+tab")
	h.wantView("› Kind")
	pasted := "sk-ant-api03-pasted-into-the-kind"
	h.typeText(pasted)
	h.wantView("choose the kind of key with ←/→: nothing was typed", "[exchange]")
	h.wantView("←/→ kind")
	h.keys("tab")
	h.wantNotView("←/→ kind")
	h.wantNotView("sk-ant", "pasted")
}
