package backtest

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	bt "github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/tui/common"
)

// column is one metric column of the sweep table.
type column struct {
	head   string
	w      int
	metric string // the rank metric it shows, marked ▼ when the table is ranked by it
	oos    bool   // from the out-of-sample part
	keep   int    // columns give way from the lowest keep up when the table is too wide
	cell   func(bt.Result) string
}

// metricColumns are the in-sample columns, then with a split the out-of-sample ones.
func metricColumns(split bool) []column {
	pnl := func(r bt.Result) string { return common.FmtSigned(r.PnLPct) }
	sharpe := func(r bt.Result) string { return signedFloat(r.Sharpe) }
	dd := func(r bt.Result) string { return fmt.Sprintf("%.2f", r.MaxDrawdownPct) }
	cols := []column{
		{head: "PnL %", w: 8, metric: "pnl", keep: 9, cell: pnl},
		{head: "Sharpe", w: 7, metric: "sharpe", keep: 8, cell: sharpe},
		{head: "Sortino", w: 7, metric: "sortino", keep: 2, cell: func(r bt.Result) string { return signedFloat(r.Sortino) }},
		{head: "Max DD %", w: 8, metric: "drawdown", keep: 5, cell: dd},
		{head: "Trades", w: 6, keep: 3, cell: func(r bt.Result) string { return common.Itoa(r.TradeCount()) }},
	}
	if split {
		cols = append(cols,
			column{head: "PnL %", w: 8, metric: "pnl", oos: true, keep: 9, cell: pnl},
			column{head: "Sharpe", w: 7, metric: "sharpe", oos: true, keep: 7, cell: sharpe},
			column{head: "Sortino", w: 7, metric: "sortino", oos: true, keep: 1, cell: func(r bt.Result) string { return signedFloat(r.Sortino) }},
			column{head: "Max DD %", w: 8, metric: "drawdown", oos: true, keep: 4, cell: dd})
	}
	return cols
}

// fitColumns drops the columns that give way first until the table fits w cells, never the
// columns of the ranked metric.
func fitColumns(cols []column, rank string, fixed, w int) []column {
	width := func() int {
		n := fixed
		for _, c := range cols {
			n += c.w + 2
		}
		return n + 3 // the gap between the parts
	}
	for width() > w {
		drop := -1
		for i, c := range cols {
			if c.metric == rank || rank == "final" && c.metric == "pnl" {
				continue
			}
			if drop < 0 || c.keep < cols[drop].keep {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		cols = append(cols[:drop:drop], cols[drop+1:]...)
	}
	return cols
}

// sweepView is the ranked table, the selected row marked; with a split, the in-sample columns
// the rows are ranked on beside the out-of-sample ones, so a setting that only fits the past
// shows.
func (s *Screen) sweepView(h int) string {
	st := s.c.Styles
	var b strings.Builder
	title := fmt.Sprintf(" %d combinations ranked by %s", len(s.rows), s.rank)
	if s.split > 0 {
		title += fmt.Sprintf(" on the first %.0f %%", s.split*100)
	}
	title += " · " + s.sweptFor
	b.WriteString(ansi.Truncate(" "+st.Heading.Render("Sweep")+st.Muted.Render(title), s.w, "…") + "\n")
	if s.split > 0 {
		b.WriteString(s.overfitLine() + "\n")
	}
	axisW := make([]int, len(s.axes))
	fixed := 6
	for i, a := range s.axes {
		axisW[i] = min(max(lipgloss.Width(a.Key), 4), 12)
		for _, r := range s.rows {
			axisW[i] = min(max(axisW[i], lipgloss.Width(r.Params[a.Key])), 12)
		}
		fixed += axisW[i] + 2
	}
	cols := fitColumns(metricColumns(s.split > 0), s.rank, fixed, s.w-1)
	head := "    # "
	for i, a := range s.axes {
		head += " " + common.PadRight(ansi.Truncate(a.Key, axisW[i], "…"), axisW[i]) + " "
	}
	isAt, oosAt := lipgloss.Width(head), -1
	for i, c := range cols {
		if c.oos && (i == 0 || !cols[i-1].oos) {
			oosAt = lipgloss.Width(head) + 1
			head += " │"
		}
		label := c.head
		if c.metric == s.rank || s.rank == "final" && c.metric == "pnl" {
			label += "▼"
		}
		head += "  " + padLeft(label, c.w)
	}
	if s.split > 0 && oosAt > 0 {
		group := strings.Repeat(" ", isAt+2) + common.PadRight("in-sample", oosAt-isAt-2) + "│ out-of-sample"
		b.WriteString(st.Muted.Render(ansi.Truncate(group, s.w-1, "…")) + "\n")
	}
	b.WriteString(st.Label.Render(ansi.Truncate(head, s.w-1, "…")) + "\n")
	used := strings.Count(b.String(), "\n")
	n := max(h-used, 1)
	top := max(0, s.sel-n+1)
	for i := top; i < min(len(s.rows), top+n); i++ {
		r := s.rows[i]
		line := fmt.Sprintf("%4d ", i+1)
		for j, a := range s.axes {
			line += " " + common.PadRight(ansi.Truncate(common.Clean(r.Params[a.Key]), axisW[j], "…"), axisW[j]) + " "
		}
		if r.Err != "" {
			line += " could not run: " + common.Clean(r.Err)
		} else {
			for k, c := range cols {
				res := r.In
				if c.oos {
					if k == 0 || !cols[k-1].oos {
						line += " │"
					}
					if r.Out == nil {
						continue
					}
					res = *r.Out
				}
				line += "  " + padLeft(c.cell(res), c.w)
			}
		}
		line = ansi.Truncate(line, max(s.w-1, 1), "…")
		if i == s.sel {
			b.WriteString(st.Selected.Render("›"+line) + "\n")
		} else {
			b.WriteString(" " + line + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// overfitLine says where the in-sample best lands out of sample: a setting ranked first on the
// past that ranks low on what followed was fitted to noise.
func (s *Screen) overfitLine() string {
	st := s.c.Styles
	if len(s.rows) == 0 || s.rows[0].Err != "" || s.rows[0].Out == nil {
		return st.Muted.Render(" nothing ran out of sample")
	}
	best := *s.rows[0].Out
	place, valid, tied := 1, 0, 0
	for _, r := range s.rows {
		if r.Err != "" || r.Out == nil {
			continue
		}
		valid++
		if c := bt.CompareResults(*r.Out, best, s.rank); c < 0 {
			place++
		} else if c == 0 {
			tied++
		}
	}
	if tied == valid && valid > 1 {
		return common.Para(st.Warn, fmt.Sprintf(" out of sample all %d combinations score the same by %s (%s): the split tells them apart by nothing",
			valid, s.rank, metricText(best, s.rank)), s.w)
	}
	text := fmt.Sprintf(" in-sample #1 is #%d of %d out of sample by %s (PnL %s %% → %s %%)", place, valid, s.rank,
		common.FmtSigned(s.rows[0].In.PnLPct), common.FmtSigned(best.PnLPct))
	style := st.Muted
	if place > max(valid/3, 1) {
		style = st.Warn
		text += ": the ranking does not hold, likely overfitted"
	}
	return common.Para(style, text, s.w)
}

// signedFloat formats a ratio with two decimals and the minus sign the cockpit's other numbers
// use.
func signedFloat(f float64) string {
	if v := fmt.Sprintf("%.2f", f); v[0] == '-' {
		if v == "-0.00" {
			return "0.00"
		}
		return "−" + v[1:]
	}
	return fmt.Sprintf("%.2f", f)
}

// metricText is a result's value of a rank metric, as the table shows it.
func metricText(r bt.Result, metric string) string {
	switch metric {
	case "sharpe":
		return "Sharpe " + signedFloat(r.Sharpe)
	case "sortino":
		return "Sortino " + signedFloat(r.Sortino)
	case "drawdown":
		return fmt.Sprintf("max drawdown %.2f %%", r.MaxDrawdownPct)
	case "final":
		return "final equity " + common.FmtDec(common.Money(r.FinalEquity))
	}
	return "PnL " + common.FmtSigned(r.PnLPct) + " %"
}
