package engine

import (
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// ledger is one bot's position and profit, built from its fills (average cost method).
// Fees paid in the quote asset count against profit; fees paid in the base asset reduce the
// position; fees in a third asset (BNB) are recorded with the fill but not converted.
type ledger struct {
	base, quote string
	qty         decimal.Decimal // base held
	cost        decimal.Decimal // quote paid for qty, buy fees included
	realized    decimal.Decimal // net of fees
	day         time.Time       // UTC day realizedDay belongs to
	realizedDay decimal.Decimal
	markDay     time.Time       // UTC day dayStart belongs to
	dayStart    decimal.Decimal // equity at the first price seen in markDay
	buys, sells int

	// avg memoises avgEntry for the qty and cost it was computed from (the same representation,
	// so the answer keeps its scale): the strategy asks for it
	// on every tick, and the division (an inexact quotient) is the costly part of a bot's tick.
	avg avgMemo
}

type avgMemo struct {
	ok        bool
	qty, cost decimal.Decimal
	avg       decimal.Decimal
}

// apply adds one fill.
func (l *ledger) apply(f FillView) error {
	value, err := f.Qty.Mul(f.Price)
	if err != nil {
		return fmt.Errorf("fill value overflows: %w", err)
	}
	quoteFee := decimal.Zero
	if f.FeeAsset != "" && f.FeeAsset == l.quote {
		quoteFee = f.Fee
	}
	var delta decimal.Decimal
	switch f.Side {
	case exchange.Buy:
		l.buys++
		if l.qty, err = l.qty.Add(f.Qty); err != nil {
			return err
		}
		if l.cost, err = l.cost.Add(value); err != nil {
			return err
		}
		if l.cost, err = l.cost.Add(quoteFee); err != nil {
			return err
		}
		if f.FeeAsset != "" && f.FeeAsset == l.base {
			if l.qty, err = l.qty.Sub(f.Fee); err != nil {
				return err
			}
		}
	case exchange.Sell:
		l.sells++
		qty := f.Qty
		if qty.Cmp(l.qty) > 0 {
			qty = l.qty // selling more than the bot bought: the rest was not its position
		}
		basis := decimal.Zero
		if l.qty.IsPos() {
			if basis, err = l.cost.Mul(qty); err != nil {
				return err
			}
			if basis, err = basis.Quo(l.qty); err != nil {
				return err
			}
		}
		sold, err := qty.Mul(f.Price)
		if err != nil {
			return err
		}
		if delta, err = sold.Sub(basis); err != nil {
			return err
		}
		if delta, err = delta.Sub(quoteFee); err != nil {
			return err
		}
		if l.qty, err = l.qty.Sub(qty); err != nil {
			return err
		}
		if l.cost, err = l.cost.Sub(basis); err != nil {
			return err
		}
		if !l.qty.IsPos() {
			l.qty, l.cost = decimal.Zero, decimal.Zero
		}
	default:
		return fmt.Errorf("fill %d has side %q", f.TradeID, f.Side)
	}
	if l.realized, err = l.realized.Add(delta); err != nil {
		return err
	}
	day := f.Time.UTC().Truncate(24 * time.Hour)
	if !day.Equal(l.day) {
		if day.Before(l.day) {
			return nil // an old fill replayed out of order: it counts in total, not today
		}
		l.day, l.realizedDay = day, decimal.Zero
	}
	l.realizedDay, err = l.realizedDay.Add(delta)
	return err
}

// avgEntry is the average entry price, zero when flat.
func (l *ledger) avgEntry() decimal.Decimal {
	if !l.qty.IsPos() {
		return decimal.Zero
	}
	if m := &l.avg; m.ok && m.qty == l.qty && m.cost == l.cost {
		return m.avg
	}
	a, err := l.cost.Quo(l.qty)
	if err != nil {
		return decimal.Zero
	}
	l.avg = avgMemo{ok: true, qty: l.qty, cost: l.cost, avg: a}
	return a
}

// unrealized is the position's profit at price (zero when the price is unknown).
func (l *ledger) unrealized(price decimal.Decimal) decimal.Decimal {
	if !l.qty.IsPos() || !price.IsPos() {
		return decimal.Zero
	}
	v, err := l.qty.Mul(price)
	if err != nil {
		return decimal.Zero
	}
	u, err := v.Sub(l.cost)
	if err != nil {
		return decimal.Zero
	}
	return u
}

// dayLoss is today's loss (positive when losing), marked to market: the bot's equity
// (realized profit plus the open position's unrealized result) at the first price seen in the
// current UTC day, minus its equity now. A position carried over midnight counts only the move
// since then, so the limit resets every UTC day. After a restart mid-day the day's realized
// result still counts; the open position's move counts from the first price after the start.
func (l *ledger) dayLoss(now time.Time, price decimal.Decimal) decimal.Decimal {
	today := now.UTC().Truncate(24 * time.Hour)
	equity, err := l.realized.Add(l.unrealized(price))
	if err != nil {
		return decimal.Zero
	}
	if !l.markDay.Equal(today) {
		// The day's baseline: realized before today, plus the position at this price.
		base := equity
		if l.day.Equal(today) {
			if base, err = base.Sub(l.realizedDay); err != nil {
				return decimal.Zero
			}
		}
		l.markDay, l.dayStart = today, base
	}
	loss, err := l.dayStart.Sub(equity)
	if err != nil {
		return decimal.Zero
	}
	return loss
}

// keepDay carries the day's baseline over from the ledger old, built from the same fills:
// a bot started again the day its limit paused it is measured against the same start of day
// (so a loss the limit already saw pauses it again), not against the price at the restart.
func (l *ledger) keepDay(old ledger) {
	if !old.markDay.IsZero() {
		l.markDay, l.dayStart = old.markDay, old.dayStart
	}
}

// position is the strategy's view.
func (l *ledger) position() Position { return Position{Qty: l.qty, AvgEntry: l.avgEntry()} }
