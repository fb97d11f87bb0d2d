package backtest

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	bt "github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/tui/common"
)

// phaseSweeping is a sweep's replays, counted in combinations.
const phaseSweeping int32 = phaseReplaying + 1

// maxSweep bounds the combinations one sweep from the cockpit runs: enough to compare
// settings, few enough to finish while the user watches.
const maxSweep = 500

// sweptMsg carries a sweep's ranked rows.
type sweptMsg struct {
	id   int
	rows []bt.Row
	axes []bt.Axis
	note string
	err  error
}

// sweepCmd loads the period's candles as a run does and replays every combination of axes
// on all cores, ranked by PnL.
func sweepCmd(ctx context.Context, j *job, rq request, axes []bt.Axis) tea.Cmd {
	return func() tea.Msg {
		msg := sweptMsg{id: j.id, axes: axes}
		cfg, candles, note, err := load(ctx, j, rq)
		msg.note = note
		if err != nil {
			msg.err = err
			return msg
		}
		j.phase.Store(phaseSweeping)
		j.done.Store(0)
		j.total.Store(int64(bt.Combinations(axes)))
		msg.rows, msg.err = bt.Sweep(ctx, cfg, candles, axes, bt.SweepOptions{Workers: runtime.GOMAXPROCS(0), Rank: "pnl",
			Progress: func(done, _ int) { j.done.Store(int64(done)) }})
		return msg
	}
}

// parseAxes reads the sweep line: KEY=FROM..TO:STEP or KEY=A,B,C, separated by spaces.
func parseAxes(line string) ([]bt.Axis, error) {
	var axes []bt.Axis
	for _, f := range strings.Fields(line) {
		a, err := bt.ParseAxis(f)
		if err != nil {
			return nil, err
		}
		axes = append(axes, a)
	}
	if len(axes) == 0 {
		return nil, fmt.Errorf("type what to sweep, like amount=10..50:10 (several separated by spaces)")
	}
	if n := bt.Combinations(axes); n > maxSweep {
		return nil, fmt.Errorf("%d combinations: at most %d from the cockpit (quantdeck backtest --sweep runs more)", n, maxSweep)
	}
	return axes, nil
}

// startSweep runs the sweep typed in the sweep line.
func (s *Screen) startSweep() tea.Cmd {
	axes, err := parseAxes(s.sweepLine.Value())
	if err != nil {
		s.err = common.Clean(err.Error())
		return nil
	}
	s.sweeping = false
	s.sweepLine.Blur()
	from, to, iv := s.span()
	s.seq++
	ctx, cancel := context.WithCancel(s.c.Ctx)
	j := &job{id: s.seq, cancel: cancel}
	s.job, s.err, s.missing, s.note = j, "", "", ""
	rq := request{home: s.c.Home, sim: s.c.Exchange == "sim", eng: s.c.Engine, cfg: s.cfg, budget: s.budget(),
		interval: iv, from: from, to: to, now: s.c.Now().UTC()}
	rq.cfg.Params = maps.Clone(s.cfg.Params)
	return tea.Batch(sweepCmd(ctx, j, rq, axes), s.progressTick(j.id), s.c.Host.Spin())
}

// swept takes a sweep's rows.
func (s *Screen) swept(msg sweptMsg) {
	if s.job == nil || msg.id != s.job.id {
		return
	}
	s.job.cancel()
	s.job = nil
	s.note = msg.note
	if msg.err != nil {
		s.failed(msg.err)
		return
	}
	s.rows, s.axes, s.sel, s.page = msg.rows, msg.axes, 0, pageSweep
	s.sweptFor = Periods[s.period].Name + " of " + Intervals[s.iv]
	s.cacheLive = false
}

// sweepKey edits the sweep line: enter runs it, esc leaves it.
func (s *Screen) sweepKey(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEsc:
		s.sweeping = false
		s.sweepLine.Blur()
		return nil
	case tea.KeyEnter:
		return s.startSweep()
	}
	s.sweepLine.Key(k)
	return nil
}

// sweepView is the ranked table, the selected row marked.
func (s *Screen) sweepView(h int) string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(" " + st.Heading.Render("Sweep") + st.Muted.Render(fmt.Sprintf(" %d combinations ranked by PnL · %s · ↑/↓ select, N paper bot from it", len(s.rows), s.sweptFor)) + "\n")
	head := "   #   "
	for _, a := range s.axes {
		head += common.PadRight(a.Key, 10) + " "
	}
	head += "   PnL %   Sharpe  Max DD %  Trades"
	b.WriteString(st.Label.Render(head) + "\n")
	n := max(h-2, 1)
	top := max(0, s.sel-n+1)
	for i := top; i < min(len(s.rows), top+n); i++ {
		r := s.rows[i]
		line := fmt.Sprintf("%3d   ", i+1)
		for _, a := range s.axes {
			line += common.PadRight(common.Clean(r.Params[a.Key]), 10) + " "
		}
		if r.Err != "" {
			line += "could not run: " + common.Clean(r.Err)
		} else {
			line += fmt.Sprintf("%8s  %7.2f  %8.2f  %6d", r.In.PnLPct.String(), r.In.Sharpe, r.In.MaxDrawdownPct, r.In.TradeCount())
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
