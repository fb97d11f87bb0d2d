package dashboard

import (
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// New builds the dashboard on the session's snapshot. The root keeps one for the session, so
// the selection and the focused pane survive a visit to another screen.
func New(c *common.Common, _ common.Args) (common.Screen, tea.Cmd) {
	d := newScreen(c.Styles, c.Snap)
	d.com = c
	d.snapshotChanged("", "")
	return d, d.loadChartCmd()
}

// Update handles the dashboard's keys, its chart's candles and fresh state.
func (d *Screen) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if d.prompt.on {
			return d.promptKey(msg)
		}
		sym := d.watchSymbol()
		cmd = d.key(msg)
		if d.watchSymbol() != sym {
			cmd = tea.Batch(cmd, d.loadChartCmd(), d.loadTapeCmd())
		}
	case chartCandlesMsg:
		d.chartLoaded(msg)
	case bookLoadedMsg:
		d.bookLoaded(msg)
	case tapeLoadedMsg:
		d.tapeLoaded(msg)
	case common.PrecisionMsg:
		d.prec.Loaded(msg)
	case common.SnapshotMsg:
		d.snapshotChanged(d.selBot, d.selOrder)
		cmd = tea.Batch(d.loadChartCmd(), d.loadBookCmd(), d.loadTapeCmd(), d.loadRulesCmd())
	case common.ClockMsg:
		cmd = d.loadChartCmd()
	case tea.WindowSizeMsg:
		cmd = tea.Batch(d.loadChartCmd(), d.loadTapeCmd())
	}
	d.remember()
	return cmd
}

// remember notes the selected bot, and the selected order unless it is the newest: at the top
// the selection follows the newest, so a busy market never scrolls new orders out of sight.
func (d *Screen) remember() {
	d.selBot, d.selOrder = "", ""
	if b, ok := d.selectedBot(); ok {
		d.selBot = b.Config.Name
	}
	if o, ok := d.selectedOrder(); ok && d.panes[paneOrders].sel > 0 {
		d.selOrder = o.ClientID
	}
}

// View is the frame without a footer (the root uses Frame).
func (d *Screen) View(now time.Time) string {
	return d.render(now, d.w, d.h+1, common.Line{}, nil)
}

// Frame draws the whole frame, footer and overlay included, into the reused canvas.
func (d *Screen) Frame(now time.Time, footer common.Line, overlay []common.Line) string {
	if d.prompt.on {
		// The symbol being typed takes the footer's line.
		st := d.st
		s := " " + st.Heading.Render("watch symbol: ") + d.prompt.input.View(st) + st.Muted.Render("  enter adds (checked with the market) · esc cancels")
		footer = common.Line{S: ansi.Truncate(s, d.w, ""), W: min(lipgloss.Width(s), d.w)}
	}
	return d.render(now, d.w, d.h+1, footer, overlay)
}

// ShortHelp is what the focused pane offers, the kill switch's release first when engaged.
func (d *Screen) ShortHelp() []key.Binding {
	if d.prompt.on {
		add, back := d.com.Keys.Enter, d.com.Keys.Back
		add.SetHelp("enter", "add to the watchlist")
		back.SetHelp("esc", "cancel")
		return []key.Binding{add, back}
	}
	return dashboardHelp(d.com.Keys, d.focus, d.snap.KillSwitch)
}

// HelpKey changes when the help bar does: with the focused pane and the kill switch.
func (d *Screen) HelpKey() string {
	k := d.focus.title()
	if d.prompt.on {
		k += " prompt"
	}
	if d.snap.KillSwitch {
		k += " killed"
	}
	return k
}

// SetSize records the body's size.
func (d *Screen) SetSize(w, h int) { d.w, d.h = w, h }

// TakesText is true only while a symbol is typed for the watchlist.
func (d *Screen) TakesText() bool { return d.prompt.on }

// key handles the dashboard's own bindings; the root has taken the global ones.
func (d *Screen) key(k tea.KeyMsg) tea.Cmd {
	c, keys := d.com, d.com.Keys
	switch {
	case key.Matches(k, keys.Up):
		d.move(-1)
	case key.Matches(k, keys.Down):
		d.move(1)
	case key.Matches(k, keys.PageUp):
		d.page(-1)
	case key.Matches(k, keys.PageDown):
		d.page(1)
	case key.Matches(k, keys.Tab):
		d.cycle(1)
	case key.Matches(k, keys.ShiftTab):
		d.cycle(-1)
	case key.Matches(k, keys.Enter):
		return d.enter()
	case key.Matches(k, keys.Portfolio):
		return c.Host.Open(common.ScreenPortfolio, common.Args{})
	case key.Matches(k, keys.Orders):
		return c.Host.Open(common.ScreenOrders, common.Args{})
	case key.Matches(k, keys.Watch):
		return d.startWatchPrompt()
	case key.Matches(k, keys.Unwatch):
		return d.unwatch()
	case key.Matches(k, keys.Timeframe):
		d.tf = (d.tf + 1) % len(common.Timeframes)
		d.chart.candles, d.chart.stale = nil, true
		return d.loadChartCmd()
	case key.Matches(k, keys.Averages):
		d.ma, d.chart.stale = !d.ma, true
	case key.Matches(k, keys.Tape):
		d.tapeOnly = !d.tapeOnly
		return d.loadTapeCmd()
	case key.Matches(k, keys.Start):
		return d.withBot(common.StartBot)
	case key.Matches(k, keys.Stop):
		return d.withBot(common.StopBot)
	case key.Matches(k, keys.Edit):
		return d.withBot(common.EditBot)
	case key.Matches(k, keys.Remove):
		return d.withBot(common.RemoveBot)
	case key.Matches(k, keys.New):
		return c.Host.Open(common.ScreenBotForm, common.Args{Symbol: d.selectedSymbol()})
	case key.Matches(k, keys.Order):
		return c.Host.Open(common.ScreenTicket, common.Args{Symbol: d.selectedSymbol()})
	case key.Matches(k, keys.AskAI):
		return common.OpenAI(c, ai.Ask, "", d.selectedSymbol())
	case key.Matches(k, keys.Cancel):
		o, ok := d.selectedOrder()
		if !ok {
			c.Host.Error("no order selected: tab to the Orders pane and pick one with ↑/↓", nil)
			return nil
		}
		return common.CancelOrder(c, o)
	}
	return nil
}

// enter opens what the focused row belongs to.
func (d *Screen) enter() tea.Cmd {
	c := d.com
	switch d.focus {
	case paneWatch:
		return c.Host.Open(common.ScreenTicket, common.Args{Symbol: d.selectedSymbol()})
	case paneOrders, paneFills, paneLog:
		if d.count(d.focus) == 0 {
			return nil
		}
		bot := d.rowBot(d.focus)
		if _, ok := c.FindBot(bot); ok {
			return c.Host.Open(common.ScreenBotDetail, common.Args{Bot: bot})
		}
		if bot == "" {
			c.Host.Info("this line belongs to no bot (a manual order or the engine)")
		} else {
			c.Host.Info(bot + " was removed: its lines stay in the journal")
		}
	case paneBalances:
		// A balance has no bot; enter does nothing rather than open an unrelated one.
	default:
		if b, ok := d.selectedBot(); ok {
			return c.Host.Open(common.ScreenBotDetail, common.Args{Bot: b.Config.Name})
		}
	}
	return nil
}

// withBot runs an action on the bot selected in the bots pane.
func (d *Screen) withBot(fn func(*common.Common, engine.BotView) tea.Cmd) tea.Cmd {
	b, ok := d.selectedBot()
	if !ok {
		d.com.Host.Error("no bot yet: press n to create one", nil)
		return nil
	}
	return fn(d.com, b)
}
