package backtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

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
	id    int
	rows  []bt.Row
	axes  []bt.Axis
	rank  string
	split float64
	note  string
	err   error
}

// The sweep form's fields.
const (
	sLine = iota
	sRank
	sSplit
)

// newSweepForm builds the sweep form: what to sweep (KEY=FROM..TO:STEP or KEY=A,B,C), the
// metric to rank by and the out-of-sample split, as `quantdeck backtest --sweep --rank --split`.
func (s *Screen) newSweepForm() {
	line := common.NewTextField(s.c.Styles, "sweep", "sweep", "KEY=FROM..TO:STEP or KEY=A,B,C, several separated by spaces",
		suggestSweep(s.cfg), false, true, func(v string) error { _, err := parseAxes(v); return err })
	line.Input.Limit, line.Input.Placeholder = 200, "like levels=5..25:5"
	rank := &common.FormField{Key: "rank", Label: "rank by", Choices: bt.RankMetrics(), Hint: "best first; s on the table ranks again"}
	split := common.NewTextField(s.c.Styles, "split", "split", "rank on this share of the period, report the rest (0.7)", "", false, true, checkSplit)
	split.Input.Placeholder = "none"
	split.Input.Limit = 8
	s.sweepForm = common.FieldList{Fields: []*common.FormField{line, rank, split}}
}

// checkSplit refuses a split that is not a share strictly between 0 and 1 (empty is none).
func checkSplit(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f >= 1 {
		return errors.New("a share between 0 and 1, like 0.7")
	}
	return nil
}

// splitOf is the checked split, 0 for none.
func splitOf(v string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0
	}
	return f
}

// sweepCmd loads the period's candles as a run does and replays every combination of axes
// on all cores, ranked by rank, the out-of-sample part after split when above zero.
func sweepCmd(ctx context.Context, j *job, rq request, axes []bt.Axis, rank string, split float64) tea.Cmd {
	return func() tea.Msg {
		msg := sweptMsg{id: j.id, axes: axes, rank: rank, split: split}
		cfg, candles, note, err := load(ctx, j, rq)
		msg.note = note
		if err != nil {
			msg.err = err
			return msg
		}
		j.phase.Store(phaseSweeping)
		j.done.Store(0)
		j.total.Store(int64(bt.Combinations(axes)))
		msg.rows, msg.err = bt.Sweep(ctx, cfg, candles, axes, bt.SweepOptions{Workers: runtime.GOMAXPROCS(0), Rank: rank, Split: split,
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
			return nil, errors.New(strings.TrimPrefix(err.Error(), "backtest: "))
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

// openSweep focuses the sweep form on its line.
func (s *Screen) openSweep() tea.Cmd {
	s.sweeping, s.err = true, ""
	s.sweepForm.Focus = sLine
	return s.sweepForm.FocusCmd()
}

// startSweep runs the sweep the form describes over the settings' period.
func (s *Screen) startSweep() tea.Cmd {
	f := s.sweepForm.Fields
	for i, fl := range f {
		if err := fl.LocalErr(); err != nil {
			s.err = fl.Label + ": " + common.Clean(err.Error())
			s.sweepForm.Focus = i
			return s.sweepForm.FocusCmd()
		}
	}
	axes, err := parseAxes(f[sLine].Value())
	if err != nil { // empty: the optional field did not refuse it
		s.err = common.Clean(err.Error())
		return nil
	}
	rq, err := s.request()
	if err != nil {
		return s.focusErr(err)
	}
	rank, split := f[sRank].Value(), splitOf(f[sSplit].Value())
	j := s.newJob()
	return tea.Batch(sweepCmd(j.ctx, j, rq, axes, rank, split), s.progressTick(j.id), s.c.Host.Spin())
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
	s.rows, s.axes, s.rank, s.split, s.sel, s.page = msg.rows, msg.axes, msg.rank, msg.split, 0, pageSweep
	s.sweptFor = s.periodName() + " of " + Intervals[s.interval()]
	s.cacheLive = false
}

// rerank orders the table by the next metric, without running it again; the selection stays
// on its combination.
func (s *Screen) rerank() {
	ms := bt.RankMetrics()
	s.rank = ms[(slices.Index(ms, s.rank)+1)%len(ms)]
	s.sweepForm.Fields[sRank].Choice = slices.Index(ms, s.rank)
	idx := -1
	if s.sel < len(s.rows) {
		idx = s.rows[s.sel].Index
	}
	bt.RankRows(s.rows, s.rank)
	s.sel = max(slices.IndexFunc(s.rows, func(r bt.Row) bool { return r.Index == idx }), 0)
	s.cacheLive = false
}

// sweepKey edits the sweep form: enter runs it, esc leaves it.
func (s *Screen) sweepKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, s.c.Keys.Back):
		s.sweeping = false
		s.sweepForm.Fields[s.sweepForm.Focus].Input.Blur()
		return nil
	case k.Type == tea.KeyEnter, key.Matches(k, s.c.Keys.Submit):
		return s.startSweep()
	}
	if _, cmd := s.formKey(&s.sweepForm, k); cmd != nil {
		return cmd
	}
	s.err = ""
	return nil
}
