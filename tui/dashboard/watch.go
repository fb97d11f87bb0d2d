package dashboard

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/tui/common"
)

// Watchers is an engine whose watchlist changes at runtime: a symbol is checked with the market
// before it is added, and the change is kept for the next start.
type Watchers interface {
	Watch(ctx context.Context, symbol string) error
	Unwatch(ctx context.Context, symbol string) error
}

// watchPrompt is the one-line input that takes a symbol to add to the watchlist.
type watchPrompt struct {
	on    bool
	input common.TextField
}

// startWatchPrompt opens the input over the footer's line when the engine can edit its
// watchlist.
func (d *Screen) startWatchPrompt() tea.Cmd {
	if _, ok := d.com.Engine.(Watchers); !ok {
		d.com.Host.Error("this engine's watchlist is fixed: set QUANTDECK_SYMBOLS and restart", nil)
		return nil
	}
	d.prompt = watchPrompt{on: true, input: common.TextField{Limit: 20}}
	d.prompt.input.Focus()
	return nil
}

// promptKey types into the prompt: enter adds the symbol, esc closes it.
func (d *Screen) promptKey(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEsc:
		d.prompt.on = false
		return nil
	case tea.KeyEnter:
		sym := strings.ToUpper(strings.TrimSpace(d.prompt.input.Value()))
		d.prompt.on = false
		if err := common.CheckSymbol(sym); err != nil {
			d.com.Host.Error("not added to the watchlist: "+err.Error(), nil)
			return nil
		}
		w := d.com.Engine.(Watchers)
		d.com.Host.Info("adding " + sym + " to the watchlist…")
		// The engine's next snapshot lists the symbol.
		return common.Call(d.com.Ctx, "could not add "+sym+" to the watchlist", sym+" added to the watchlist", func(ctx context.Context) error {
			return w.Watch(ctx, sym)
		})
	}
	d.prompt.input.Key(k)
	if up := strings.ToUpper(d.prompt.input.Value()); up != d.prompt.input.Value() {
		d.prompt.input.SetValue(up)
	}
	return nil
}

// unwatch asks before removing the selected symbol from the watchlist.
func (d *Screen) unwatch() tea.Cmd {
	w, ok := d.com.Engine.(Watchers)
	if !ok {
		d.com.Host.Error("this engine's watchlist is fixed: set QUANTDECK_SYMBOLS and restart", nil)
		return nil
	}
	sym := d.watchSymbol()
	if sym == "" {
		return nil
	}
	c := d.com
	c.Host.Ask(common.Question{
		Prompt: "Remove " + sym + " from the watchlist?",
		Detail: "Its prices stop streaming; bots on it must be stopped first. + adds it back.",
		OnYes: func() tea.Cmd {
			return common.Call(c.Ctx, "could not remove "+sym+" from the watchlist", sym+" removed from the watchlist", func(ctx context.Context) error {
				return w.Unwatch(ctx, sym)
			})
		},
	})
	return nil
}
