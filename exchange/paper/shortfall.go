package paper

import (
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// BalanceError is the refusal of an order the free balance cannot pay for. It matches
// exchange.ErrInsufficientBalance with errors.Is.
type BalanceError struct {
	Asset  string
	Needed decimal.Decimal
	Free   decimal.Decimal
}

// Error says what was needed and what is free. It is written with appends rather than fmt: a
// replay's bot out of money reads one on every candle.
func (e *BalanceError) Error() string {
	b := make([]byte, 0, 96)
	b = append(b, "paper: "...)
	b, _ = e.Needed.Trim(0).AppendText(b)
	b = append(b, ' ')
	b = append(b, e.Asset...)
	b = append(b, " needed, "...)
	b, _ = e.Free.Trim(0).AppendText(b)
	b = append(b, " free: "...)
	b = append(b, exchange.ErrInsufficientBalance.Error()...)
	return string(b)
}

// Unwrap makes errors.Is(err, exchange.ErrInsufficientBalance) hold.
func (e *BalanceError) Unwrap() error { return exchange.ErrInsufficientBalance }

// shortfall returns the refusal for needing more asset than is free. A bot out of money is
// refused the same order again and again (a replay: once a candle), so the last refusal is
// handed out again while it says the same: a BalanceError is never changed once made.
func (a *Account) shortfall(asset string, needed, free decimal.Decimal) error {
	e := BalanceError{Asset: asset, Needed: needed, Free: free}
	if a.hot.short == nil || *a.hot.short != e {
		a.hot.short = &e
	}
	return a.hot.short
}
