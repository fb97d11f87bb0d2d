// Package orders owns the orders screen: the open orders in their own list at the top, where
// new history can never scroll them out of sight, and the finished orders below, newest first.
package orders

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Screen lists open orders and history separately; ↑/↓ move through the open ones (c cancels),
// pgup/pgdn scroll the history.
type Screen struct {
	c       *common.Common
	w, h    int
	sel     int
	histTop int
	prec    common.Precisions // prices and quantities to each symbol's tick and step
}

// New opens the orders screen on the latest state.
func New(c *common.Common, _ common.Args) (common.Screen, tea.Cmd) {
	s := &Screen{c: c}
	return s, s.loadPrecision()
}

// loadPrecision asks for the rules of the orders' symbols not yet asked for.
func (s *Screen) loadPrecision() tea.Cmd {
	syms := make([]string, 0, len(s.c.Snap.Orders))
	for _, o := range s.c.Snap.Orders {
		syms = append(syms, o.Symbol)
	}
	return s.prec.Load(s.c, syms...)
}

func (s *Screen) split() (open, done []engine.OrderView) {
	for _, o := range s.c.Snap.Orders {
		if common.OpenOrder(o.State) {
			open = append(open, o)
		} else {
			done = append(done, o)
		}
	}
	return open, done
}

// Update moves the selection, scrolls the history, cancels, or leaves.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case common.PrecisionMsg:
		s.prec.Loaded(m)
		return nil
	case common.SnapshotMsg:
		return s.loadPrecision()
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	keys := s.c.Keys
	open, done := s.split()
	switch {
	case key.Matches(k, keys.Back):
		s.c.Host.Back()
	case key.Matches(k, keys.Up):
		s.sel = max(s.sel-1, 0)
	case key.Matches(k, keys.Down):
		s.sel = min(s.sel+1, max(len(open)-1, 0))
	case key.Matches(k, keys.PageDown):
		s.histTop = min(s.histTop+10, max(len(done)-1, 0))
	case key.Matches(k, keys.PageUp):
		s.histTop = max(s.histTop-10, 0)
	case key.Matches(k, keys.Cancel):
		if s.sel >= len(open) {
			s.c.Host.Error("no open order to cancel", nil)
			return nil
		}
		return common.CancelOrder(s.c, open[s.sel])
	}
	return nil
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is false.
func (s *Screen) TakesText() bool { return false }

// ShortHelp is the orders screen's help bar.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.c.Keys
	hist := k.PageDown
	hist.SetHelp("pgup/pgdn", "history")
	return []key.Binding{k.Up, k.Cancel, hist, k.Back, k.Kill, k.Keys, k.Help}
}

// View draws the open orders, every one of them, then as much history as fits.
func (s *Screen) View(time.Time) string {
	st := s.c.Styles
	open, done := s.split()
	s.sel = min(s.sel, max(len(open)-1, 0))
	narrow := s.w < 100
	var b strings.Builder
	b.WriteString(" " + st.Title.Render("Orders") + st.Muted.Render(fmt.Sprintf("  %d open · %d finished · esc back", len(open), len(done))) + "\n\n")
	b.WriteString(" " + st.Heading.Render("Open") + "\n")
	b.WriteString(st.Heading.Render(header(narrow)) + "\n")
	if len(open) == 0 {
		b.WriteString(st.Muted.Render("   no open orders") + "\n")
	}
	for i, o := range open {
		line := s.row(o, narrow)
		if i == s.sel {
			b.WriteString(st.Selected.Render(" › "+line) + "\n")
		} else {
			b.WriteString("   " + line + "\n")
		}
	}
	b.WriteString("\n " + st.Heading.Render("History") + "\n")
	b.WriteString(st.Heading.Render(header(narrow)) + "\n")
	room := s.h - strings.Count(b.String(), "\n") - 1
	if len(done) == 0 {
		b.WriteString(st.Muted.Render("   nothing finished yet") + "\n")
	}
	for i := s.histTop; i < len(done) && i-s.histTop < room; i++ {
		b.WriteString("   " + st.Muted.Render(s.row(done[i], narrow)) + "\n")
	}
	return b.String()
}

// header and row lay out the columns; under 100 cells the type and the filled quantity give
// way, so no number is ever cut.
func header(narrow bool) string {
	if narrow {
		return fmt.Sprintf("   %-8s %-10s %-9s %-4s %12s %11s %-10s %s", "TIME", "BOT", "SYMBOL", "SIDE", "PRICE", "QTY", "STATE", "MODE")
	}
	return fmt.Sprintf("   %-8s %-10s %-9s %-4s %-6s %12s %11s %11s %-10s %s", "TIME", "BOT", "SYMBOL", "SIDE", "TYPE", "PRICE", "QTY", "FILLED", "STATE", "MODE")
}

func (s *Screen) row(o engine.OrderView, narrow bool) string {
	bot := o.Bot
	if bot == "" {
		bot = "manual"
	}
	price := "market"
	switch {
	case !o.Price.IsZero():
		price = common.FmtDec(s.prec.Price(o.Symbol, o.Price))
	case !o.AvgPrice.IsZero():
		price = common.FmtDec(s.prec.Price(o.Symbol, o.AvgPrice))
	}
	q := o.Quantity
	if q.IsZero() {
		q = o.Executed
	}
	if narrow {
		return fmt.Sprintf("%-8s %-10.10s %-9.9s %-4s %12s %11s %-10s %s", o.Created.UTC().Format("15:04:05"), common.Clean(bot),
			common.Clean(o.Symbol), o.Side, price, common.FmtDec(s.prec.Qty(o.Symbol, q)), o.State, common.ModeWord(o.Mode))
	}
	return fmt.Sprintf("%-8s %-10.10s %-9.9s %-4s %-6s %12s %11s %11s %-10s %s", o.Created.UTC().Format("15:04:05"), common.Clean(bot),
		common.Clean(o.Symbol), o.Side, o.Type, price, common.FmtDec(s.prec.Qty(o.Symbol, q)), common.FmtDec(s.prec.Qty(o.Symbol, o.Executed)), o.State, common.ModeWord(o.Mode))
}
