package strategy

import (
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Tags of DCA orders.
const (
	dcaBuyTag = "buy"
	dcaTPTag  = "tp"
	dcaDipTag = "dip"
)

// dca buys a fixed quote amount every interval (up to MaxBuys per cycle), buys the same amount
// again at each dip step below the average entry, and sells the whole position at the
// take-profit, which starts a new cycle. It has at most one order in flight.
type dca struct {
	p         DCAParams
	tpFactor  decimal.Decimal   // 1 + take_profit/100
	dipFactor []decimal.Decimal // 1 - step/100
	dipTags   []string          // "dip0", "dip1", ...
	lastBuy   time.Time         // when the last scheduled buy was decided
	prevBuy   time.Time         // lastBuy before it, restored when that buy is refused
	buys      int               // scheduled buys this cycle
	dipDone   []bool            // dip steps bought this cycle
	pending   bool              // an order is in flight
	holdUntil time.Time         // after a refusal, wait before trying again

	// The take-profit and dip prices of the average entry they were computed for: the entry
	// changes only with a fill, and the products of a full-precision average are costly to
	// redo on every tick.
	avgSeen  decimal.Decimal
	tpTarget decimal.Decimal
	dipAt    []decimal.Decimal
	targetOK bool

	// The same targets rounded to the scale of the prices they are compared with (the take-
	// profit up, dips down): a price of that scale reaches a target exactly when it reaches
	// the rounded one, and comparing numbers of one scale is cheap where a full-precision
	// target is not. boundScale is -1 when they need computing.
	boundScale int
	tpBound    decimal.Decimal
	dipBound   []decimal.Decimal
}

func newDCA(p DCAParams) *dca {
	d := &dca{p: p, dipDone: make([]bool, len(p.DipSteps)), boundScale: -1}
	if p.TakeProfit.IsPos() {
		if f, err := p.TakeProfit.Quo(decimal.Hundred); err == nil {
			d.tpFactor, _ = f.Add(decimal.One)
		}
	}
	for _, s := range p.DipSteps {
		f, _ := s.Quo(decimal.Hundred)
		f, _ = decimal.One.Sub(f)
		d.dipFactor = append(d.dipFactor, f)
		d.dipTags = append(d.dipTags, dcaDipTag+strconv.Itoa(len(d.dipTags)))
	}
	return d
}

// Restore finds the current cycle in the history: scheduled buys since the last filled
// take-profit, and when the last one was decided.
func (d *dca) Restore(_ Position, open, history []OrderRef) {
	d.pending = len(open) > 0
	d.buys = 0
	d.lastBuy = time.Time{}
	for i := range d.dipDone {
		d.dipDone[i] = false
	}
	all := append(append([]OrderRef(nil), open...), history...)
	for _, o := range all {
		if o.Tag == dcaTPTag && o.Executed.IsPos() {
			break
		}
		switch {
		case o.Tag == dcaBuyTag && (o.Executed.IsPos() || !o.State.Final()):
			d.buys++
			if o.Created.After(d.lastBuy) {
				d.lastBuy = o.Created
			}
		case strings.HasPrefix(o.Tag, dcaDipTag) && (o.Executed.IsPos() || !o.State.Final()):
			if n, err := strconv.Atoi(o.Tag[len(dcaDipTag):]); err == nil && n >= 0 && n < len(d.dipDone) {
				d.dipDone[n] = true
			}
		}
	}
}

// OnTick implements Strategy: take-profit first, then dip buys, then the scheduled buy.
func (d *dca) OnTick(t exchange.Tick, pos Position, now time.Time, out []Intent) []Intent {
	if d.pending || now.Before(d.holdUntil) {
		return out
	}
	price := RefPrice(t)
	if !price.IsPos() {
		return out
	}
	if pos.AvgEntry.IsPos() {
		d.targets(pos.AvgEntry)
		if d.boundScale != price.Scale() {
			d.bounds(price.Scale())
		}
		// The take-profit and dip buys need a position worth selling; most ticks reach
		// neither price, and the position's value is not worked out for them.
		tp := d.tpFactor.IsPos() && d.targetOK && price.Cmp(d.tpBound) >= 0
		dip := d.dipHit(price)
		if (tp || dip >= 0) && d.tradeable(pos.Qty, price) {
			if tp {
				d.pending = true
				return append(out, Intent{Tag: dcaTPTag, Side: exchange.Sell, Type: exchange.Market, Qty: pos.Qty})
			}
			d.dipDone[dip] = true
			d.pending = true
			return append(out, Intent{Tag: d.dipTags[dip], Side: exchange.Buy, Type: exchange.Market, QuoteQty: d.p.Amount})
		}
	}
	if d.p.MaxBuys > 0 && d.buys >= d.p.MaxBuys {
		return out
	}
	if !d.lastBuy.IsZero() && now.Sub(d.lastBuy) < d.p.Interval {
		return out
	}
	d.prevBuy, d.lastBuy = d.lastBuy, now
	d.buys++
	d.pending = true
	return append(out, Intent{Tag: dcaBuyTag, Side: exchange.Buy, Type: exchange.Market, QuoteQty: d.p.Amount})
}

// dipHit returns the first dip step not yet bought that price has reached, or -1.
func (d *dca) dipHit(price decimal.Decimal) int {
	for i := range d.dipFactor {
		if d.dipDone[i] {
			continue
		}
		if d.dipAt[i].IsPos() && price.Cmp(d.dipBound[i]) <= 0 {
			return i
		}
	}
	return -1
}

// targets computes the take-profit and dip prices for the average entry avg, unless they are
// already those of avg. A product that overflows disables its target (zero), as before.
func (d *dca) targets(avg decimal.Decimal) {
	if d.dipAt != nil && avg.Equal(d.avgSeen) && avg.Scale() == d.avgSeen.Scale() {
		return
	}
	d.avgSeen = avg
	d.boundScale = -1
	var err error
	d.tpTarget, err = avg.Mul(d.tpFactor)
	d.targetOK = err == nil
	d.dipAt = d.dipAt[:0]
	for _, f := range d.dipFactor {
		t, err := avg.Mul(f)
		if err != nil {
			t = decimal.Zero
		}
		d.dipAt = append(d.dipAt, t)
	}
	if d.dipAt == nil {
		d.dipAt = []decimal.Decimal{}
	}
}

// bounds rounds the targets to scale, the scale of the prices compared with them.
func (d *dca) bounds(scale int) {
	d.boundScale = scale
	d.tpBound = d.tpTarget.Ceil(scale)
	d.dipBound = d.dipBound[:0]
	for _, t := range d.dipAt {
		d.dipBound = append(d.dipBound, t.Floor(scale))
	}
}

// tradeable reports whether qty can be sold: at least one lot and the minimum order value.
// What fees leave behind after a take-profit is dust, and a flat position for the strategy.
func (d *dca) tradeable(qty, price decimal.Decimal) bool {
	if !qty.IsPos() || (d.p.minLot.IsPos() && qty.Cmp(d.p.minLot) < 0) {
		return false
	}
	if d.p.minNotional.IsPos() {
		v, err := qty.Mul(price)
		if err != nil || v.Cmp(d.p.minNotional) < 0 {
			return false
		}
	}
	return true
}

// OnOrder implements Strategy.
func (d *dca) OnOrder(u OrderUpdate) {
	if !u.Refused && !u.State.Final() {
		return
	}
	d.pending = false
	if u.Refused || (u.State != OrderFilled && !u.Executed.IsPos()) {
		// Nothing happened: undo the bookkeeping and wait a moment before trying again, so a
		// refusal that persists (budget, rules) does not repeat on every tick.
		switch {
		case u.Tag == dcaBuyTag && d.buys > 0:
			d.buys--
			d.lastBuy = d.prevBuy
		case strings.HasPrefix(u.Tag, dcaDipTag):
			if n, err := strconv.Atoi(u.Tag[len(dcaDipTag):]); err == nil && n >= 0 && n < len(d.dipDone) {
				d.dipDone[n] = false
			}
		}
		wait := d.p.Interval
		if wait > time.Minute {
			wait = time.Minute
		}
		d.holdUntil = u.Time.Add(wait)
		return
	}
	if u.Tag == dcaTPTag {
		d.buys = 0
		for i := range d.dipDone {
			d.dipDone[i] = false
		}
	}
}
