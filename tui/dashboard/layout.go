package dashboard

import (
	"time"

	"github.com/quantdeck/quantdeck/tui/common"
)

// slot is a pane placed in a column of the layout.
type slot struct {
	kind   paneKind
	top, h int
	tabbed bool // the narrow layout's bottom slot: title shows the four lower panes as tabs
	chart  bool // the wide layout's chart of the selected symbol
	book   bool // the wide layout's order book of the selected symbol
	tape   bool // the wide layout's trades tape of the selected symbol
}

// stack is one column of the layout.
type stack struct {
	x, w  int
	slots [5]slot
	n     int
}

// wideAt is the width from which the dashboard shows two columns and the chart of the selected
// symbol, given chartFromHeight lines under the header; oneLineHeaderAt the width from which
// the connection's health fits on the header's line.
const (
	wideAt          = 100
	chartFromHeight = 24
	oneLineHeaderAt = 140
	chartMinLines   = 8
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
	// Still too wide: text columns shrink (their text then ends in …); numbers never do, since
	// a number cut short reads as another number.
	for i := len(cols) - 1; i >= 0 && total() > avail; i-- {
		if out[i] == 0 || cols[i].right {
			continue
		}
		out[i] = max(out[i]-(total()-avail), min(3, out[i]))
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
func (d *Screen) layout(w, h int) [2]stack {
	var st [2]stack
	d.wide = w >= wideAt
	if d.wide {
		lw := w * 3 / 5
		st[0] = stack{x: 0, w: lw}
		st[1] = stack{x: lw + 1, w: w - lw - 1}
		if !d.fillWithChart(&st[0], h) {
			d.fill(&st[0], h, paneWatch, paneBots, paneOrders)
		}
		d.fillRight(&st[1], h)
		return st
	}
	st[0] = stack{x: 0, w: w}
	d.fillNarrow(&st[0], h)
	return st
}

// fillNarrow places the watchlist, the bots and the tabbed lower pane in one column of h
// lines. When the lower pane lists fewer rows than its share (a new user's few orders), the
// lines it would leave empty go back to the watchlist and the bots up to the rows they list,
// and what is still spare to the chart of the selected symbol under the watchlist, when it is
// at least chartMinLines; a short remainder stays with the lower pane.
func (d *Screen) fillNarrow(s *stack, h int) {
	d.fill(s, h, paneWatch, paneBots, d.lower)
	s.slots[2].tabbed = true
	d.narrowChart = false
	need := func(k paneKind) int { return max(d.count(k), 1) + 2 }
	spare := s.slots[2].h - need(d.lower)
	if spare <= 0 {
		return
	}
	for i := range 2 {
		if g := min(spare, need(s.slots[i].kind)-s.slots[i].h); g > 0 {
			s.slots[i].h += g
			spare -= g
		}
	}
	chartH := 0
	if spare >= chartMinLines {
		chartH = spare
	}
	watch, bots, low := s.slots[0], s.slots[1], s.slots[2]
	low.h = h - watch.h - bots.h - chartH
	n := 0
	top := 0
	put := func(sl slot) {
		sl.top = top
		top += sl.h
		s.slots[n] = sl
		n++
	}
	put(watch)
	if chartH > 0 {
		put(slot{chart: true, h: chartH})
		d.narrowChart = true
	}
	put(bots)
	put(low)
	s.n = n
	for i := 0; i < s.n; i++ {
		if !s.slots[i].chart {
			d.placePane(s, &s.slots[i])
		}
	}
}

// fillWithChart places the watchlist, the chart, the bots and the orders in h lines. The chart
// is kept at least a third of the column; the panes then take turns for one more row each up
// to the rows they list, and whatever is left goes to the chart, so a tall terminal shows a
// taller chart instead of empty panes. It reports false when the column is too short.
func (d *Screen) fillWithChart(s *stack, h int) bool {
	if h < chartFromHeight-1 {
		return false
	}
	kinds := [3]paneKind{paneWatch, paneOrders, paneBots} // turn order: prices, then orders
	var rows, want [3]int
	budget := h - max(chartMinLines, h/3) - 3*3 // three panes of a title, a header and a row
	for i, k := range kinds {
		rows[i], want[i] = 1, max(d.count(k), 1)
	}
	for grew := true; grew && budget > 0; {
		grew = false
		for i := range kinds {
			if budget > 0 && rows[i] < want[i] {
				rows[i]++
				budget--
				grew = true
			}
		}
	}
	rw, ro, rb := rows[0], rows[1], rows[2]
	ch := h - (rw + 2) - (rb + 2) - (ro + 2)
	if ch < chartMinLines {
		return false
	}
	s.slots[0] = slot{kind: paneWatch, top: 0, h: rw + 2}
	s.slots[1] = slot{chart: true, top: rw + 2, h: ch}
	s.slots[2] = slot{kind: paneBots, top: rw + 2 + ch, h: rb + 2}
	s.slots[3] = slot{kind: paneOrders, top: rw + 2 + ch + rb + 2, h: h - (rw + 2 + ch + rb + 2)}
	s.n = 4
	for i := 0; i < s.n; i++ {
		if !s.slots[i].chart {
			d.placePane(s, &s.slots[i])
		}
	}
	return true
}

// fillRight places the order book and the trades tape (when there are ones and they fit)
// above balances, fills and the log, which keep at least restMin lines.
func (d *Screen) fillRight(s *stack, h int) {
	const restMin = 10
	bh := min(d.bookHeight(), h/2)
	if bh < 6 || d.tapeInBooksPlace() {
		bh = 0
	}
	th := min(d.tapeHeight(), (h-bh-restMin)/2)
	if d.tapeInBooksPlace() {
		th = min(d.tapeHeight(), h/2)
	}
	// Lines the panes below would leave empty (few balances, fills and log lines) show more of
	// the book, then more of the tape (beyond its usual tapeRows when the trades are there).
	need := 0
	for _, k := range [...]paneKind{paneBalances, paneFills, paneLog} {
		need += max(d.count(k), 1) + 2
	}
	if spare := h - bh - th - need; spare > 0 && bh > 0 {
		g := min(spare, d.bookHeight()-bh)
		bh += g
	}
	if spare := h - bh - th - need; spare > 0 && d.tapeShows() && !d.tapeInBooksPlace() {
		th = max(th, min(d.tapeFullHeight(), th+spare))
	}
	if th < 4 {
		th = 0
	}
	d.fill(s, h-bh-th, paneBalances, paneFills, paneLog)
	top := 0
	if bh > 0 {
		d.pushSlot(s, slot{book: true, top: top, h: bh})
		top += bh
	}
	if th > 0 {
		d.pushSlot(s, slot{tape: true, top: top, h: th})
	}
}

// pushSlot inserts sl after the slots already placed above the panes, moving the panes down.
func (d *Screen) pushSlot(s *stack, sl slot) {
	at := 0
	for at < s.n && (s.slots[at].book || s.slots[at].tape) {
		at++
	}
	for i := s.n; i > at; i-- {
		s.slots[i] = s.slots[i-1]
		s.slots[i].top += sl.h
	}
	s.slots[at] = sl
	s.n++
}

// fill shares h lines among three panes: the first two get what they need up to a share, the
// last gets the rest. Each pane has a title and a header line.
func (d *Screen) fill(s *stack, h int, a, b, c paneKind) {
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
		d.placePane(s, &s.slots[i])
	}
}

// placePane sizes a pane's table for its slot and scrolls it to keep the selection in sight.
func (d *Screen) placePane(s *stack, sl *slot) {
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

// render draws the dashboard in w x h cells. footer is the bottom line (help or status);
// overlay lines (a confirmation) replace the bottom of the body.
func (d *Screen) render(now time.Time, w, h int, footer common.Line, overlay []common.Line) string {
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
			c.raw(l.S, l.W)
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
					} else if sl.book {
						d.bookLine(y-sl.top, s.x, s.w)
					} else if sl.tape {
						d.tapeLine(y-sl.top, s.x, s.w)
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
	c.raw(footer.S, footer.W)
	return string(c.b)
}

// header draws one line (wide) or two (narrow) and returns how many.
func (d *Screen) header(now time.Time, w int) int {
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
	wide := w >= oneLineHeaderAt
	if wide {
		c.pad(1)
		d.health(now, w-clockW-killW-3)
	}
	// The clock's place is kept first; the kill switch's state takes the room left before it,
	// in the longest words that fit, so neither pushes the other off the line.
	if limit := w - clockW - 1; snap.KillSwitch {
		for _, word := range [...]string{"KILL SWITCH ENGAGED", "KILL SWITCH ON", "KILLED"} {
			bw := common.TextWidth(st.BKill.Open) + len(word) + common.TextWidth(st.BKill.Close)
			if c.w+1+bw <= limit {
				c.padTo(limit - bw)
				c.on(st.BKill.P)
				c.put(st.BKill.Open, 2)
				c.put(word, len(word))
				c.put(st.BKill.Close, 2)
				c.off(st.BKill.P)
				break
			}
		}
	} else if c.w+1+len(kill) <= limit {
		c.padTo(limit - len(kill))
		c.seg(kill, st.PMuted, w)
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

func (d *Screen) badgeText(b common.Badge, word string, limit int) {
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
func (d *Screen) badges(limit int) {
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
func (d *Screen) health(now time.Time, limit int) {
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
