package tui

import (
	"time"

	"github.com/quantdeck/quantdeck/tui/common"
)

// styledLine is a pre-rendered line (help bar, dialog) with its width in cells.
type styledLine struct {
	s string
	w int
}

// slot is a pane placed in a column of the layout.
type slot struct {
	kind   paneKind
	top, h int
	tabbed bool // the narrow layout's bottom slot: title shows the four lower panes as tabs
	chart  bool // the wide layout's chart of the selected symbol
}

// stack is one column of the layout.
type stack struct {
	x, w  int
	slots [4]slot
	n     int
}

// wideAt is the width from which the dashboard shows two columns and a one-line header;
// chartFromHeight the body height from which it also charts the selected symbol.
const (
	wideAt          = 140
	chartFromHeight = 36
)

// layoutColumns decides which columns of a table show and how wide they are for width cells
// (two cells of which are the selection marker).
func layoutColumns(cols []column, width int, out *[maxCols]int) {
	avail := width - 2
	for i, c := range cols {
		out[i] = c.width
	}
	total := func() int {
		t, n := 0, 0
		for i := range cols {
			if out[i] > 0 {
				t += out[i]
				n++
			}
		}
		if n > 1 {
			t += n - 1
		}
		return t
	}
	for total() > avail {
		drop, best := -1, 0
		for i, c := range cols {
			if out[i] > 0 && c.prio > best {
				drop, best = i, c.prio
			}
		}
		if drop < 0 {
			break
		}
		out[drop] = 0
	}
	// Still too wide: shrink from the last visible column, keeping at least 3 cells.
	for i := len(cols) - 1; i >= 0 && total() > avail; i-- {
		if out[i] == 0 {
			continue
		}
		over := total() - avail
		if out[i]-over >= 3 {
			out[i] -= over
		} else {
			out[i] = 3
		}
	}
	// A very narrow terminal: hide columns from the right until the rest fits.
	for i := len(cols) - 1; i > 0 && total() > avail; i-- {
		out[i] = 0
	}
	if total() > avail {
		out[0] = max(avail, 0)
	}
	if spare := avail - total(); spare > 0 {
		for i, c := range cols {
			if c.flex && out[i] > 0 {
				out[i] += spare
				break
			}
		}
	}
}

// layout places the panes for a body of w x h cells.
func (d *dashboard) layout(w, h int) [2]stack {
	var st [2]stack
	d.wide = w >= wideAt
	if d.wide {
		lw := w * 3 / 5
		st[0] = stack{x: 0, w: lw}
		st[1] = stack{x: lw + 1, w: w - lw - 1}
		ch := 0
		if h >= chartFromHeight {
			ch = min(h/3, 16)
		}
		d.fill(&st[0], h-ch, paneWatch, paneBots, paneOrders)
		if ch > 0 {
			// The chart goes under the watchlist; the panes below move down.
			s := &st[0]
			s.slots[3], s.slots[2], s.slots[1] = s.slots[2], s.slots[1], slot{chart: true, top: s.slots[0].h, h: ch}
			s.slots[2].top += ch
			s.slots[3].top += ch
			s.n = 4
		}
		d.fill(&st[1], h, paneBalances, paneFills, paneLog)
		return st
	}
	st[0] = stack{x: 0, w: w}
	d.fill(&st[0], h, paneWatch, paneBots, d.lower)
	st[0].slots[2].tabbed = true
	return st
}

// fill shares h lines among three panes: the first two get what they need up to a share, the
// last gets the rest. Each pane has a title and a header line.
func (d *dashboard) fill(s *stack, h int, a, b, c paneKind) {
	avail := h - 6
	if avail < 3 {
		avail = 3
	}
	want := func(k paneKind) int {
		n := d.count(k)
		if n < 1 {
			n = 1
		}
		return n
	}
	ra := min(want(a), max(2, avail*2/5))
	rb := min(want(b), max(2, (avail-ra)/2))
	s.slots[0] = slot{kind: a, top: 0, h: ra + 2}
	s.slots[1] = slot{kind: b, top: ra + 2, h: rb + 2}
	s.slots[2] = slot{kind: c, top: ra + rb + 4, h: h - ra - rb - 4}
	s.n = 3
	for i := 0; i < s.n; i++ {
		sl := &s.slots[i]
		p := &d.panes[sl.kind]
		p.rows = max(sl.h-2, 0)
		if p.layoutW != s.w {
			layoutColumns(d.cols[sl.kind], s.w, &p.widths)
			p.layoutW = s.w
		}
		if p.sel < p.top {
			p.top = p.sel
		}
		if p.rows > 0 && p.sel >= p.top+p.rows {
			p.top = p.sel - p.rows + 1
		}
		if n := d.count(sl.kind); p.top > 0 && p.top+p.rows > n {
			p.top = max(n-p.rows, 0)
		}
	}
}

// render draws the dashboard in w x h cells. footer is the bottom line (help or status);
// overlay lines (a confirmation) replace the bottom of the body.
func (d *dashboard) render(now time.Time, w, h int, footer styledLine, overlay []styledLine) string {
	c := &d.c
	c.reset()
	if w <= 0 || h <= 0 {
		return ""
	}
	headerH := d.header(now, w)
	bodyH := h - headerH - 1
	if bodyH < 1 {
		bodyH = 1
	}
	stacks := d.layout(w, bodyH)
	for y := 0; y < bodyH; y++ {
		if k := bodyH - len(overlay); len(overlay) > 0 && y >= k {
			l := overlay[y-k]
			c.raw(l.s, l.w)
			c.newline()
			continue
		}
		for si := range stacks {
			s := &stacks[si]
			if s.w == 0 {
				continue
			}
			if si > 0 {
				c.on(d.st.PRule)
				c.repeat("│", 1)
				c.off(d.st.PRule)
			}
			for i := 0; i < s.n; i++ {
				sl := &s.slots[i]
				if y >= sl.top && y < sl.top+sl.h {
					if sl.chart {
						d.chartLine(y-sl.top, s.w, sl.h)
					} else {
						d.paneLine(sl, y-sl.top, s.x, s.w)
					}
					break
				}
			}
			c.padTo(s.x + s.w)
		}
		c.newline()
	}
	c.raw(footer.s, footer.w)
	return string(c.b)
}

// header draws one line (wide) or two (narrow) and returns how many.
func (d *dashboard) header(now time.Time, w int) int {
	c, st, snap := &d.c, d.st, d.snap
	c.seg(" QuantDeck ", st.PTitle, w)
	c.seg(snap.Health.Exchange+" ", st.PMuted, w)
	d.badges(w)

	// Right side: kill switch and clock.
	const clockW = len("15:04:05 UTC ")
	kill, killW := "kill switch off", 15
	if snap.KillSwitch {
		kill, killW = "KILL SWITCH ENGAGED", 19+common.TextWidth(st.BKill.Open)+common.TextWidth(st.BKill.Close)
	}
	wide := w >= wideAt
	if wide {
		c.pad(1)
		d.health(now, w-clockW-killW-3)
	}
	if c.w+killW+clockW+2 <= w {
		c.padTo(w - killW - clockW - 1)
		if snap.KillSwitch {
			d.badgeText(st.BKill, kill, w)
		} else {
			c.seg(kill, st.PMuted, w)
		}
		c.pad(1)
	}
	if c.w+clockW <= w {
		c.padTo(w - clockW)
		c.num = now.UTC().AppendFormat(c.num[:0], "15:04:05 UTC ")
		c.segBytes(c.num, st.PText, w)
	}
	c.padTo(w)
	c.newline()
	if wide {
		return 1
	}
	c.pad(1)
	d.health(now, w)
	c.padTo(w)
	c.newline()
	return 2
}

func (d *dashboard) badgeText(b common.Badge, word string, limit int) {
	c := &d.c
	if c.w+common.TextWidth(b.Open)+common.TextWidth(word)+common.TextWidth(b.Close) > limit {
		return
	}
	c.on(b.P)
	c.put(b.Open, 2)
	c.put(word, len(word))
	c.put(b.Close, 2)
	c.off(b.P)
	c.pad(1)
}

// badges says where prices and orders come from, in words: SIMULATED market, PAPER or LIVE
// money, TESTNET.
func (d *dashboard) badges(limit int) {
	st := d.st
	switch d.snap.Health.Exchange {
	case "sim":
		d.badgeText(st.BSim, "SIMULATED", limit)
	case "binance-testnet":
		d.badgeText(st.BTestnet, "TESTNET", limit)
	}
	if d.liveRun {
		d.badgeText(st.BLive, "LIVE", limit)
	} else {
		d.badgeText(st.BPaper, "PAPER", limit)
	}
}

// health draws the market connection's state: stream, age of the last message, reconnects,
// clock offset and rate-limit weight.
func (d *dashboard) health(now time.Time, limit int) {
	c, st, h := &d.c, d.st, &d.snap.Health
	var mark string
	p := st.PWarn
	switch h.Stream {
	case "live":
		mark, p = "● ", st.POK
	case "connecting":
		mark = "○ "
	case "stale":
		mark = "◌ "
	case "reconnecting":
		mark = "↻ "
	case "closed":
		mark, p = "✗ ", st.PDanger
	default:
		mark = "? "
	}
	c.num = append(append(c.num[:0], mark...), h.Stream...)
	if h.Stream == "" {
		c.num = append(c.num, "no stream"...)
	}
	if !c.segBytes(c.num, p, limit) {
		return
	}
	c.num = append(c.num[:0], " · last "...)
	if h.LastMessage.IsZero() {
		c.num = append(c.num, "never"...)
	} else {
		c.num = common.AppendAge(c.num, now.Sub(h.LastMessage))
		c.num = append(c.num, " ago"...)
	}
	if !c.segBytes(c.num, st.PMuted, limit) {
		return
	}
	c.num = append(c.num[:0], " · reconnects "...)
	c.num = common.AppendInt(c.num, h.Reconnects)
	rp := st.PMuted
	if h.Reconnects > 0 {
		rp = st.PWarn
	}
	if !c.segBytes(c.num, rp, limit) {
		return
	}
	c.num = common.AppendOffset(append(c.num[:0], " · clock "...), h.ClockOffset)
	op := st.PMuted
	if h.ClockOffset > 500*time.Millisecond || h.ClockOffset < -500*time.Millisecond {
		op = st.PWarn
	}
	if !c.segBytes(c.num, op, limit) {
		return
	}
	r := &h.Rate
	c.num = append(c.num[:0], " · weight "...)
	c.num = common.AppendInt(c.num, r.UsedWeight)
	wp := st.PMuted
	if r.WeightLimit > 0 {
		c.num = append(c.num, '/')
		c.num = common.AppendInt(c.num, r.WeightLimit)
		if r.UsedWeight*5 >= r.WeightLimit*4 {
			wp = st.PWarn
		}
	}
	if !r.BannedUntil.IsZero() && r.BannedUntil.After(now) {
		wp = st.PDanger
		if r.Banned {
			c.num = append(c.num, " BANNED until "...)
		} else {
			c.num = append(c.num, " backing off until "...)
		}
		c.num = r.BannedUntil.UTC().AppendFormat(c.num, "15:04:05")
	}
	c.segBytes(c.num, wp, limit)
}
