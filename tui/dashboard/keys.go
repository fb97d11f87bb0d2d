package dashboard

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/quantdeck/quantdeck/tui/common"
)

// dashboardHelp is the help bar of the home screen: what the focused pane offers first, so
// it stays useful when a narrow terminal drops bindings from its end (quit goes first: q is
// the same everywhere). While the kill switch is engaged
// its release comes right after help: it is what the user needs next.
func dashboardHelp(k common.KeyMap, focus paneKind, killed bool) []key.Binding {
	bar := paneHelp(k, focus)
	if !killed {
		return bar
	}
	release := k.Kill
	release.SetHelp("K", "release kill switch")
	out := make([]key.Binding, 0, len(bar))
	out = append(out, bar[0], release)
	for _, b := range bar[1:] {
		if b.Help().Key != k.Kill.Help().Key {
			out = append(out, b)
		}
	}
	return out
}

func paneHelp(k common.KeyMap, focus paneKind) []key.Binding {
	enter := k.Enter
	switch focus {
	case paneWatch:
		enter.SetHelp("enter", "order ticket")
		return []key.Binding{k.Help, k.Tab, enter, k.New, k.Kill, k.Keys, k.Watch, k.Unwatch, k.Timeframe, k.Quit}
	case paneBots:
		enter.SetHelp("enter", "open bot")
		return []key.Binding{k.Help, k.Tab, enter, k.Start, k.Stop, k.Edit, k.New, k.Remove, k.Order, k.Kill, k.Keys, k.Quit}
	case paneOrders:
		enter.SetHelp("enter", "open its bot")
		return []key.Binding{k.Help, k.Tab, k.Cancel, enter, k.Orders, k.Order, k.Kill, k.Keys, k.Quit}
	case paneBalances:
		return []key.Binding{k.Help, k.Tab, k.Portfolio, k.Order, k.Kill, k.Keys, k.Quit}
	}
	enter.SetHelp("enter", "open its bot")
	return []key.Binding{k.Help, k.Tab, enter, k.Start, k.Stop, k.Order, k.Kill, k.Keys, k.Quit}
}
