package common

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

func TestFitHelpKeepsWholeBindings(t *testing.T) {
	k := NewKeyMap()
	enter := k.Enter
	enter.SetHelp("enter", "order ticket")
	bar := []key.Binding{k.Help, k.Quit, k.Tab, enter, k.New, k.Kill, k.Keys}
	tests := []struct {
		width      int
		want, lost []string
	}{
		{120, []string{"? help", "tab next pane", "enter order ticket", "K kill switch", "r keys"}, nil},
		{79, []string{"? help", "K kill switch", "r keys", "enter order", "n new"}, []string{"next pane"}},
		{40, []string{"? help", "K kill switch", "r keys"}, []string{"n new"}},
		{12, []string{"?", "K", "r"}, []string{"help"}},
	}
	for _, tc := range tests {
		got := FitHelp(help.New(), bar, tc.width, "?", "K", "r")
		if w := lipgloss.Width(got); w > tc.width {
			t.Errorf("width %d: bar is %d cells: %q", tc.width, w, got)
		}
		for _, s := range tc.want {
			if !strings.Contains(got, s) {
				t.Errorf("width %d: bar %q lacks %q", tc.width, got, s)
			}
		}
		for _, s := range tc.lost {
			if strings.Contains(got, s) {
				t.Errorf("width %d: bar %q still shows %q", tc.width, got, s)
			}
		}
	}
}
