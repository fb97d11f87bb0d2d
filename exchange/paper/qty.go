package paper

import (
	"math/bits"

	"github.com/govalues/decimal"
)

// pow10u are the powers of ten that fit in a uint64.
var pow10u = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// floorQuo is the quantity a market order of quote amount buys at price, rounded down to
// step: the value of roundToStep(quote.Quo(price), step), the way the rules round it, worked
// out in 128-bit integers instead of the big integers a full-precision quotient takes. That
// quotient is rounded to 19 decimals, so it can land on a step only when the exact one is
// within a unit of the 19th decimal of it; then, and whenever the numbers do not fit, ok is
// false and the caller divides the long way (which, for a quotient on a step, also keeps the
// quotient's own scale).
func floorQuo(quote, price, step decimal.Decimal) (q decimal.Decimal, ok bool) {
	if !quote.IsPos() || !price.IsPos() || !step.IsPos() {
		return decimal.Decimal{}, false
	}
	qc, pc, sc := quote.Coef(), price.Coef(), step.Coef()
	// quote/price/step = qc*10^e / (pc*sc), with e = price scale + step scale - quote scale.
	e := price.Scale() + step.Scale() - quote.Scale()
	if e < 0 || e >= len(pow10u) {
		return decimal.Decimal{}, false
	}
	nHi, nLo := bits.Mul64(qc, pow10u[e])
	dHi, den := bits.Mul64(pc, sc)
	if dHi != 0 || nHi >= den {
		return decimal.Decimal{}, false // the divisor or the quotient needs more than 64 bits
	}
	n, rem := bits.Div64(nHi, nLo, den)
	if rem == 0 || n >= 1<<62 {
		return decimal.Decimal{}, false
	}
	// The quotient must be below 1, where the rounded quotient has 19 decimals: (n+1)*step
	// is at most 1.
	if sh, sl := bits.Mul64(n+1, sc); sh != 0 || sl > pow10u[step.Scale()] {
		return decimal.Decimal{}, false
	}
	// Distance to the next step, (den-rem)/den steps, must exceed one unit of the 19th
	// decimal: (den-rem) * sc * 10^(19-step scale) > den.
	unit := 19 - step.Scale()
	if unit < 0 || unit >= len(pow10u) {
		return decimal.Decimal{}, false
	}
	sHi, s := bits.Mul64(sc, pow10u[unit])
	if sHi != 0 {
		return decimal.Decimal{}, false
	}
	if gHi, gLo := bits.Mul64(den-rem, s); gHi == 0 && gLo <= den {
		return decimal.Decimal{}, false
	}
	// And from the step below, rem/den steps, too: a rounded quotient that lands on the
	// step exactly keeps its own scale the long way.
	if gHi, gLo := bits.Mul64(rem, s); gHi == 0 && gLo <= den {
		return decimal.Decimal{}, false
	}
	nd, err := decimal.New(int64(n), 0)
	if err != nil {
		return decimal.Decimal{}, false
	}
	out, err := nd.Mul(step)
	if err != nil {
		return decimal.Decimal{}, false
	}
	return out.Trim(step.Scale()), true
}
