package backtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/marketdata"
	"github.com/quantdeck/quantdeck/tui/common"
)

// The settings form's fields, in order: what `quantdeck backtest` takes as --from, --to,
// --interval, --budget, --fee and --slippage-bps.
const (
	fPeriod = iota
	fFrom
	fTo
	fInterval
	fBudget
	fFee
	fSlippage
)

// periodDates is the period choice that runs over the typed dates; the others are Periods.
const periodDates = "dates"

// maxCandles bounds a typed period: a run holds its candles in memory, and the presets end at a
// year.
const maxCandles = 2 * 366 * 1440

// dayLayout is how dates are typed: a UTC day.
const dayLayout = "2006-01-02"

// defaultFeePct is Binance's spot taker fee without discounts, in percent, as `quantdeck
// backtest --fee` assumes.
const defaultFeePct = "0.1"

// newSettings builds the settings form on the bot's budget (10,000 without one), the CLI's
// fee and no slippage, over the default preset.
func (s *Screen) newSettings(budget decimal.Decimal) {
	names := make([]string, 0, len(Periods)+1)
	for _, p := range Periods {
		names = append(names, p.Name)
	}
	period := &common.FormField{Key: "period", Label: "period", Choices: append(names, periodDates), Choice: 1,
		Hint: "←/→ a preset, or dates to type them"}
	from := common.NewTextField(s.c.Styles, "from", "from", "YYYY-MM-DD, UTC", "", false, false, s.checkFrom)
	to := common.NewTextField(s.c.Styles, "to", "to", "YYYY-MM-DD, UTC, exclusive; empty: the last closed candle", "", false, true, s.checkTo)
	to.Input.Placeholder = "last closed candle"
	iv := &common.FormField{Key: "interval", Label: "interval", Choices: Intervals, Hint: "the candles replayed: finer fills truer, coarser runs faster"}
	bud := common.NewTextField(s.c.Styles, "budget", "budget", "starting quote balance", budget.String(), false, false, checkBudget)
	fee := common.NewTextField(s.c.Styles, "fee", "fee %", "of what a fill receives (0.1 is Binance's taker fee)", defaultFeePct, false, false, checkFee)
	slip := common.NewTextField(s.c.Styles, "slippage", "slippage bps", "market orders fill this much worse (1 bps is 0.01 %)", "0", false, false, checkSlippage)
	for _, f := range []*common.FormField{from, to, bud, fee, slip} {
		f.Input.Limit = 24
	}
	s.form = common.FieldList{Fields: []*common.FormField{period, from, to, iv, bud, fee, slip}}
	s.fillPreset()
}

// period is the chosen index in Periods, or len(Periods) for the typed dates.
func (s *Screen) period() int { return s.form.Fields[fPeriod].Choice }

// interval is the chosen index in Intervals.
func (s *Screen) interval() int { return s.form.Fields[fInterval].Choice }

// periodName names the chosen period for the result's title.
func (s *Screen) periodName() string {
	if p := s.period(); p < len(Periods) {
		return Periods[p].Name
	}
	from, to, _ := s.span()
	return from.Format(dayLayout) + " to " + to.Format(dayLayout)
}

// dates reports whether the typed dates, not a preset, set the period.
func (s *Screen) dates() bool { return s.period() == len(Periods) }

// setPeriod picks a period choice; a preset fills the dates with its span, so choosing dates
// next starts from what was shown.
func (s *Screen) setPeriod(p int) {
	s.form.Fields[fPeriod].Choice = p
	s.fillPreset()
}

// fillPreset writes a preset's span into the date fields.
func (s *Screen) fillPreset() {
	if s.dates() {
		return
	}
	from, _, _ := s.span()
	s.form.Fields[fFrom].Input.SetValue(from.Format(dayLayout))
	s.form.Fields[fTo].Input.SetValue("")
}

// lastClosed is where a period ends without a typed end: the last closed candle's close.
func (s *Screen) lastClosed(iv time.Duration) time.Time { return s.c.Now().UTC().Truncate(iv) }

// span is the chosen period: a preset ending at the last closed candle of the chosen interval,
// or the typed days (from 00:00 UTC, to 00:00 UTC exclusive, at most the last closed candle).
func (s *Screen) span() (from, to time.Time, iv time.Duration) {
	iv, _ = marketdata.ParseInterval(Intervals[s.interval()])
	to = s.lastClosed(iv)
	if p := s.period(); p < len(Periods) {
		return to.Add(-Periods[p].D), to, iv
	}
	from, _ = parseDay(s.form.Fields[fFrom].Value())
	if t, err := parseDay(s.form.Fields[fTo].Value()); err == nil && t.Before(to) {
		to = t
	}
	return from, to, iv
}

// parseDay reads a typed UTC day.
func parseDay(v string) (time.Time, error) {
	d, err := time.Parse(dayLayout, v)
	var pe *time.ParseError
	switch {
	case errors.As(err, &pe) && strings.Contains(pe.Message, "out of range"):
		return time.Time{}, errors.New("no such day in the calendar")
	case err != nil:
		return time.Time{}, errors.New("a date like 2025-01-31 (YYYY-MM-DD, UTC)")
	}
	return d.UTC(), nil
}

// checkFrom refuses a start that is not a date, has no closed candle yet, or lies outside the
// stored history (the simulated market has every past day).
func (s *Screen) checkFrom(v string) error {
	if !s.dates() {
		return nil
	}
	d, err := parseDay(v)
	if err != nil {
		return err
	}
	_, to, iv := s.span()
	if !d.Before(s.lastClosed(iv)) {
		return errors.New("no closed candle from that day yet")
	}
	if n := to.Sub(d) / iv; n > maxCandles {
		return fmt.Errorf("%s candles of %s: at most %s here (two years of 1m); a coarser interval, or quantdeck backtest",
			common.FmtDec(decimal.MustNew(int64(n), 0)), Intervals[s.interval()], common.FmtDec(decimal.MustNew(maxCandles, 0)))
	}
	if ser, ok := s.storedSeries(iv); ok {
		switch {
		case ser.Candles == 0:
			return fmt.Errorf("no stored %s %s candles: quantdeck data fetch --symbol %s --interval %s --from %s gets them",
				s.cfg.Symbol, Intervals[s.interval()], s.cfg.Symbol, Intervals[s.interval()], v)
		case d.Before(ser.First.Truncate(24 * time.Hour)):
			return fmt.Errorf("before the stored history, which starts %s", ser.First.Format(dayLayout))
		case d.After(ser.Last):
			return fmt.Errorf("after the stored history, which ends %s", ser.Last.Format(dayLayout))
		}
	}
	return nil
}

// checkTo refuses an end that is not a date, not after the start, in the future or past the
// stored history. Empty is the last closed candle.
func (s *Screen) checkTo(v string) error {
	if !s.dates() || v == "" {
		return nil
	}
	d, err := parseDay(v)
	if err != nil {
		return err
	}
	if from, err := parseDay(s.form.Fields[fFrom].Value()); err == nil && !d.After(from) {
		return fmt.Errorf("must be after from (%s): the end is exclusive", from.Format(dayLayout))
	}
	_, _, iv := s.span()
	if d.After(s.lastClosed(iv).Truncate(24 * time.Hour).Add(24 * time.Hour)) {
		return errors.New("in the future: leave it empty for the last closed candle")
	}
	if ser, ok := s.storedSeries(iv); ok && ser.Candles > 0 {
		if end := ser.Last.Truncate(24 * time.Hour).Add(24 * time.Hour); d.After(end) {
			return fmt.Errorf("after the stored history, which ends %s: leave it empty", ser.Last.Format(dayLayout))
		}
	}
	return nil
}

func checkBudget(v string) error {
	d, err := decimal.Parse(v)
	switch {
	case err != nil:
		return errors.New("a number like 10000")
	case !d.IsPos():
		return errors.New("must be above zero")
	}
	return nil
}

func checkFee(v string) error {
	d, err := decimal.Parse(v)
	switch {
	case err != nil:
		return errors.New("a percent like 0.1")
	case d.IsNeg() || d.Cmp(decimal.Hundred) >= 0:
		return errors.New("from 0 to below 100 %")
	}
	return nil
}

func checkSlippage(v string) error {
	d, err := decimal.Parse(v)
	switch {
	case err != nil:
		return errors.New("basis points like 5")
	case d.IsNeg() || d.Cmp(decimal.Thousand) > 0:
		return errors.New("from 0 to 1000 bps")
	}
	return nil
}

// money is the settings a run uses: the budget, the fee as a rate and the slippage, parsed
// from fields already checked.
type money struct{ budget, feeRate, slippage decimal.Decimal }

// settingsErr is the first refused setting, named, or nil; money holds the parsed values when
// there is none.
func (s *Screen) settingsErr() (money, error) {
	for i, f := range s.form.Fields {
		if err := f.LocalErr(); err != nil {
			return money{}, &fieldErr{field: i, label: f.Label, err: err}
		}
	}
	var m money
	m.budget, _ = decimal.Parse(s.form.Fields[fBudget].Value())
	fee, _ := decimal.Parse(s.form.Fields[fFee].Value())
	m.feeRate, _ = fee.Quo(decimal.Hundred)
	m.slippage, _ = decimal.Parse(s.form.Fields[fSlippage].Value())
	return m, nil
}

// fieldErr is a refused setting, which the screen focuses when enter is pressed.
type fieldErr struct {
	field int
	label string
	err   error
}

func (e *fieldErr) Error() string { return e.label + ": " + e.err.Error() }

// settingsKey edits the settings: enter runs them, esc leaves the form with what was typed.
// Typing a date chooses the typed dates; choosing a preset fills them.
func (s *Screen) settingsKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, s.c.Keys.Back):
		s.editing = false
		s.form.Fields[s.form.Focus].Input.Blur()
		return nil
	case k.Type == tea.KeyEnter, key.Matches(k, s.c.Keys.Submit):
		return s.start()
	}
	focus := s.form.Focus
	changed, cmd := s.formKey(&s.form, k)
	if changed {
		switch focus {
		case fPeriod, fInterval:
			s.fillPreset()
		case fFrom, fTo:
			s.form.Fields[fPeriod].Choice = len(Periods)
		}
	}
	return cmd
}

// openSettings focuses the settings form on its first field.
func (s *Screen) openSettings() tea.Cmd {
	s.editing, s.err = true, ""
	s.form.Focus = fPeriod
	return s.form.FocusCmd()
}

// focusErr shows a refused setting: the form opens on its field.
func (s *Screen) focusErr(err error) tea.Cmd {
	var fe *fieldErr
	if !errors.As(err, &fe) {
		s.err = common.Clean(err.Error())
		return nil
	}
	s.editing, s.sweeping = true, false
	s.form.Focus = fe.field
	return s.form.FocusCmd()
}

// settingsLines sum the settings up, what the run will use, in as few lines of w cells as
// they fit: the period, the interval, the money settings, then span (the period's times).
func (s *Screen) settingsLines(span string, w int) string {
	st := s.c.Styles
	f := s.form.Fields
	period := f[fPeriod].Value()
	if s.dates() {
		period = f[fFrom].Value() + " → " + orDash(f[fTo].Value())
	}
	parts := []string{
		st.Label.Render("period ") + st.Accent.Render("‹ "+period+" ›"),
		st.Label.Render("interval ") + st.Accent.Render("‹ "+Intervals[s.interval()]+" ›"),
		st.Muted.Render("budget " + decText(f[fBudget]) + " · fee " + decText(f[fFee]) + " % · slippage " + decText(f[fSlippage]) + " bps"),
		span,
		s.storedText(),
	}
	var b strings.Builder
	line := ""
	for _, p := range parts {
		switch {
		case p == "":
		case line == "":
			line = " " + p
		case lipgloss.Width(line)+2+lipgloss.Width(p) <= w:
			line += "  " + p
		default:
			b.WriteString(ansi.Truncate(line, w, "…") + "\n")
			line = " " + p
		}
	}
	b.WriteString(ansi.Truncate(line, w, "…") + "\n")
	return b.String()
}

// storedText says what history is stored at the chosen interval, off the simulated market, so
// the dates can be chosen inside it.
func (s *Screen) storedText() string {
	_, _, iv := s.span()
	ser, ok := s.storedSeries(iv)
	switch {
	case !ok:
		return ""
	case ser.Candles == 0:
		return s.c.Styles.Warn.Render("nothing stored at " + Intervals[s.interval()])
	}
	return s.c.Styles.Muted.Render("stored " + Intervals[s.interval()] + ": " + ser.First.Format(dayLayout) + " → " + ser.Last.Format(dayLayout))
}

// decText is a number field as the run reads it (05 is 5), or as typed while it is refused.
func decText(f *common.FormField) string {
	if d, err := decimal.Parse(f.Value()); err == nil && f.LocalErr() == nil {
		return d.String()
	}
	return f.Value()
}

func orDash(v string) string {
	if v == "" {
		return "now"
	}
	return v
}

// storedMsg carries what candle history is stored for the screen's symbol.
type storedMsg struct {
	series []marketdata.Series
	err    error
}

// storedCmd lists the stored candle series of symbol, so the dates can be checked against them.
func storedCmd(ctx context.Context, home, symbol string) tea.Cmd {
	if home == "" || symbol == "" {
		return nil
	}
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
		defer cancel()
		hist, err := marketdata.Open(c, home)
		if err != nil {
			return storedMsg{err: err}
		}
		defer hist.Close()
		out, err := hist.Spans(c, symbol)
		return storedMsg{series: out, err: err}
	}
}

// storedSeries is the stored history of the screen's symbol at iv, when the dates are checked
// against it: off the simulated market (which generates any past day), once listed.
func (s *Screen) storedSeries(iv time.Duration) (marketdata.Series, bool) {
	if s.c.Exchange == "sim" || !s.storedKnown {
		return marketdata.Series{}, false
	}
	for _, ser := range s.stored {
		if ser.Interval == iv {
			return ser, true
		}
	}
	return marketdata.Series{Symbol: s.cfg.Symbol, Interval: iv}, true
}

// settingsInvalid reports whether a setting is refused, which a run would only refuse again.
func (s *Screen) settingsInvalid() bool {
	_, err := s.settingsErr()
	return err != nil
}

// settingsProblem names the first refused setting.
func (s *Screen) settingsProblem() string {
	if _, err := s.settingsErr(); err != nil {
		return common.Clean(err.Error())
	}
	return ""
}
