// Package portfolio owns the portfolio screen: per asset what is free and locked, the average
// entry and the mark, the unrealised PnL and the value, paper and live side by side, with each
// account's equity and its bots' PnL.
package portfolio

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Screen is the portfolio.
type Screen struct {
	c    *common.Common
	w, h int
	// loaded are the engine's valued accounts, when it values them; err why the last read failed.
	loaded []account
	err    string
	// prec formats each asset's quantities and prices to its symbol's step and tick.
	prec common.Precisions
}

// New opens the portfolio on the latest state; it follows the snapshots as they come.
func New(c *common.Common, _ common.Args) (common.Screen, tea.Cmd) {
	s := &Screen{c: c}
	return s, tea.Batch(loadCmd(c), s.loadPrecision())
}

// loadPrecision asks for the step and tick of every held asset's symbol against the quote.
func (s *Screen) loadPrecision() tea.Cmd {
	var syms []string
	for _, b := range s.c.Snap.Balances {
		if b.Asset != common.QuoteAsset {
			syms = append(syms, b.Asset+common.QuoteAsset)
		}
	}
	for _, a := range s.loaded {
		for _, h := range a.rows {
			if h.asset != common.QuoteAsset {
				syms = append(syms, h.asset+common.QuoteAsset)
			}
		}
	}
	return s.prec.Load(s.c, syms...)
}

// Update leaves on esc; everything else is drawn from the latest snapshot.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if key.Matches(msg, s.c.Keys.Back) {
			s.c.Host.Back()
		}
	case common.PrecisionMsg:
		s.prec.Loaded(msg)
	case portfolioLoadedMsg:
		s.err = ""
		if msg.err != nil {
			s.err = "could not value the accounts: " + common.Clean(msg.err.Error())
			return nil
		}
		s.loaded = fromEngine(msg.accounts)
		return s.loadPrecision()
	case common.ClockMsg:
		return tea.Batch(loadCmd(s.c), s.loadPrecision())
	}
	return nil
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is false.
func (s *Screen) TakesText() bool { return false }

// ShortHelp is the portfolio's help bar.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Back, k.Order, k.Kill, k.Keys, k.Help}
}

// holding is one asset of one account.
type holding struct {
	asset                    string
	free, locked, qty        decimal.Decimal
	avg, mark, upnl, value   decimal.Decimal
	haveAvg, haveMark, haveV bool
}

// account is one mode's holdings and totals.
type account struct {
	mode          engine.Mode
	label         string // a live account's key label
	rows          []holding
	equity        decimal.Decimal
	realised, unr decimal.Decimal
	today         bool   // realised and unrealised are the UTC day's (from the engine)
	err           string // why the account could not be read
}

func (s *Screen) accounts() []account {
	snap := s.c.Snap
	var out []account
	for _, mode := range []engine.Mode{engine.Paper, engine.Live} {
		a := account{mode: mode}
		for _, b := range snap.Balances {
			if b.Mode != mode {
				continue
			}
			h := holding{asset: b.Asset, free: b.Free, locked: b.Locked, value: b.QuoteValue, haveV: !b.QuoteValue.IsZero() || b.Free.IsZero()}
			h.qty, _ = b.Free.Add(b.Locked)
			if b.Asset != common.QuoteAsset {
				if pv, ok := s.c.PriceOf(b.Asset + common.QuoteAsset); ok && pv.Last.IsPos() {
					h.mark, h.haveMark = pv.Last, true
				}
				h.avg, h.haveAvg = avgEntry(snap.Bots, mode, b.Asset+common.QuoteAsset)
				if h.haveAvg && h.haveMark {
					if d, err := h.mark.Sub(h.avg); err == nil {
						h.upnl, _ = d.Mul(h.qty)
					}
				}
			}
			a.equity, _ = a.equity.Add(h.value)
			a.rows = append(a.rows, h)
		}
		for _, b := range snap.Bots {
			if b.Config.Mode == mode {
				a.realised, _ = a.realised.Add(b.RealizedPnL)
				a.unr, _ = a.unr.Add(b.UnrealizedPnL)
			}
		}
		if len(a.rows) > 0 || mode == engine.Paper {
			out = append(out, a)
		}
	}
	return out
}

// avgEntry is the position-weighted average entry of the mode's bots on symbol.
func avgEntry(bots []engine.BotView, mode engine.Mode, symbol string) (decimal.Decimal, bool) {
	cost, qty := decimal.Zero, decimal.Zero
	for _, b := range bots {
		if b.Config.Mode != mode || b.Config.Symbol != symbol || !b.Position.IsPos() || !b.AvgEntry.IsPos() {
			continue
		}
		c, err := b.AvgEntry.Mul(b.Position)
		if err != nil {
			continue
		}
		cost, _ = cost.Add(c)
		qty, _ = qty.Add(b.Position)
	}
	if !qty.IsPos() {
		return decimal.Zero, false
	}
	avg, err := cost.Quo(qty)
	return avg, err == nil
}

// View draws each account as a table, side by side when the terminal is wide enough.
func (s *Screen) View(time.Time) string {
	st := s.c.Styles
	accts := s.loaded
	if accts == nil {
		accts = s.accounts()
	}
	colW := s.w
	if len(accts) > 1 && s.w >= 150 {
		colW = (s.w - 1) / 2
	}
	var blocks []string
	for _, a := range accts {
		blocks = append(blocks, s.table(a, colW))
	}
	title := " " + st.Title.Render("Portfolio") + st.Muted.Render("  values in "+common.QuoteAsset+" at the last price · esc back") + "\n"
	if s.err != "" {
		title += common.Para(st.ErrorText, "✗ "+s.err, s.w) + "\n"
	}
	title += "\n"
	if colW < s.w && len(blocks) == 2 {
		return title + joinColumns(blocks[0], blocks[1], colW)
	}
	return title + strings.Join(blocks, "\n")
}

func (s *Screen) table(a account, w int) string {
	st := s.c.Styles
	var b strings.Builder
	badge := "PAPER"
	if a.mode == engine.Live {
		badge = "LIVE"
		if a.label != "" {
			badge += " " + common.Clean(a.label)
		}
	}
	pnl := " · bots realised "
	if a.today {
		pnl = " · today realised "
	}
	quote := func(d decimal.Decimal) decimal.Decimal { return common.QuoteAt(d, common.QuoteAsset) }
	b.WriteString(" " + st.Heading.Render(badge) + st.Muted.Render(" equity ≈ ") + common.FmtDec(quote(a.equity)) +
		st.Muted.Render(pnl) + common.PaintStr(common.SignPaint(st, a.realised), common.FmtSigned(quote(a.realised))) +
		st.Muted.Render(" · unrealised ") + common.PaintStr(common.SignPaint(st, a.unr), common.FmtSigned(quote(a.unr))) + "\n")
	if a.err != "" {
		b.WriteString(common.Para(st.ErrorText, "✗ "+common.Clean(a.err), w) + "\n")
	}
	// Each column is as wide as its widest value, so no number is ever cut or hidden; columns
	// give way from the right as the width shrinks.
	titles := []string{"ASSET", "FREE", "LOCKED", "VALUE", "MARK", "AVG ENTRY", "UNREALISED"}
	rows := make([][]string, 0, len(a.rows))
	for _, h := range a.rows {
		// An asset's quantities to at least its symbol's step (never rounded: see HeldAt), its
		// prices to the tick; the quote asset and every value to the quote's precision.
		sym := h.asset + common.QuoteAsset
		qty := func(d decimal.Decimal) decimal.Decimal { return s.prec.Held(sym, d) }
		if h.asset == common.QuoteAsset {
			qty = func(d decimal.Decimal) decimal.Decimal { return common.HeldQuoteAt(d, common.QuoteAsset) }
		}
		rows = append(rows, []string{
			common.Clean(h.asset),
			common.FmtDec(qty(h.free)),
			common.FmtDec(qty(h.locked)),
			dash(h.haveV, common.FmtDec(quote(h.value))),
			dash(h.haveMark, common.FmtDec(s.prec.Price(sym, h.mark))),
			dash(h.haveAvg, common.FmtDec(s.prec.Price(sym, h.avg))),
			dash(h.haveAvg && h.haveMark, common.FmtSigned(quote(h.upnl))),
		})
	}
	widths := []int{5, 12, 10, 11, 11, 11, 11} // at least these, so columns line up across accounts
	for i, t := range titles {
		widths[i] = max(widths[i], len(t))
		for _, r := range rows {
			widths[i] = max(widths[i], len([]rune(r[i])))
		}
	}
	n := len(titles)
	for ; n > 1; n-- {
		total := 1
		for _, cw := range widths[:n] {
			total += cw + 1
		}
		if total <= w {
			break
		}
	}
	cell := func(i int, v string) string {
		if i == 0 {
			return common.PadRight(v, widths[i])
		}
		return " " + strings.Repeat(" ", widths[i]-len([]rune(v))) + v
	}
	head := " "
	for i, t := range titles[:n] {
		head += cell(i, t)
	}
	b.WriteString(st.Heading.Render(head) + "\n")
	if len(rows) == 0 {
		b.WriteString(st.Muted.Render(" no balances yet") + "\n")
	}
	for _, r := range rows {
		line := " "
		for i, v := range r[:n] {
			line += cell(i, v)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func dash(ok bool, v string) string {
	if !ok {
		return "—"
	}
	return v
}

// joinColumns puts two blocks side by side, the left one padded to w cells.
func joinColumns(left, right string, w int) string {
	l, r := strings.Split(left, "\n"), strings.Split(right, "\n")
	var b strings.Builder
	for i := 0; i < max(len(l), len(r)); i++ {
		var a, c string
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			c = r[i]
		}
		b.WriteString(common.PadRight(a, w) + " " + c + "\n")
	}
	return b.String()
}
