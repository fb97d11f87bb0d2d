package common

import (
	"strconv"
	"time"

	"github.com/govalues/decimal"
)

// AppendDec appends d with thousands separators in its integer part ("64,123.45").
func AppendDec(dst []byte, d decimal.Decimal) []byte {
	start := len(dst)
	dst, _ = d.AppendText(dst)
	s := start
	if dst[s] == '-' {
		s++
	}
	end := s
	for end < len(dst) && dst[end] != '.' {
		end++
	}
	n := end - s
	if n <= 3 {
		return dst
	}
	commas := (n - 1) / 3
	old := len(dst)
	for i := 0; i < commas; i++ {
		dst = append(dst, 0)
	}
	// Move the fraction, then the integer digits, right to left, inserting commas.
	copy(dst[end+commas:], dst[end:old])
	w := end + commas - 1
	for i, k := end-1, 0; i >= s; i-- {
		dst[w] = dst[i]
		w--
		k++
		if k%3 == 0 && i > s {
			dst[w] = ','
			w--
		}
	}
	return dst
}

// AppendSigned appends d with an explicit sign: "+1.20", "−3.40" (a real minus sign), "0.00".
func AppendSigned(dst []byte, d decimal.Decimal) []byte {
	switch {
	case d.IsPos():
		dst = append(dst, '+')
	case d.IsNeg():
		dst = append(dst, "−"...)
		d = d.Abs()
	}
	return AppendDec(dst, d)
}

// AppendChange appends a change in percent with an arrow, so direction never rests on colour:
// "▲ +1.23%", "▼ −0.45%", "  0.00%".
func AppendChange(dst []byte, pct decimal.Decimal) []byte {
	pct = pct.Round(2).Pad(2)
	switch {
	case pct.IsPos():
		dst = append(dst, "▲ "...)
	case pct.IsNeg():
		dst = append(dst, "▼ "...)
	default:
		dst = append(dst, "  "...)
	}
	dst = AppendSigned(dst, pct)
	return append(dst, '%')
}

// Price is a price for display: at most four decimals from 1 up (eight below), trailing zeros
// trimmed but at least two decimals, the way prices are read. Averages can carry many digits.
func Price(d decimal.Decimal) decimal.Decimal {
	if d.Abs().Cmp(decimal.One) >= 0 {
		d = d.Round(4)
	} else {
		d = d.Round(8)
	}
	return d.Trim(2).Pad(2)
}

// Qty trims trailing zeros of a quantity.
func Qty(d decimal.Decimal) decimal.Decimal { return d.Trim(0) }

// Money rounds a quote-currency amount to cents.
func Money(d decimal.Decimal) decimal.Decimal { return d.Round(2).Pad(2) }

// AppendAge appends a short duration: "0.3s", "12s", "4m", "2h", "3d".
func AppendAge(dst []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	switch {
	case d < 10*time.Second:
		tenths := int64(d / (100 * time.Millisecond))
		dst = strconv.AppendInt(dst, tenths/10, 10)
		dst = append(dst, '.')
		dst = strconv.AppendInt(dst, tenths%10, 10)
		return append(dst, 's')
	case d < 2*time.Minute:
		return append(strconv.AppendInt(dst, int64(d/time.Second), 10), 's')
	case d < 2*time.Hour:
		return append(strconv.AppendInt(dst, int64(d/time.Minute), 10), 'm')
	case d < 48*time.Hour:
		return append(strconv.AppendInt(dst, int64(d/time.Hour), 10), 'h')
	}
	return append(strconv.AppendInt(dst, int64(d/(24*time.Hour)), 10), 'd')
}

// AppendOffset appends a signed clock offset in milliseconds: "+12ms", "−240ms", "+1.2s".
func AppendOffset(dst []byte, d time.Duration) []byte {
	if d < 0 {
		dst = append(dst, "−"...)
		d = -d
	} else {
		dst = append(dst, '+')
	}
	if d < time.Second {
		return append(strconv.AppendInt(dst, int64(d/time.Millisecond), 10), "ms"...)
	}
	tenths := int64(d / (100 * time.Millisecond))
	dst = strconv.AppendInt(dst, tenths/10, 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, tenths%10, 10)
	return append(dst, 's')
}

// Strings for the screens that are not on the hot path.

func FmtDec(d decimal.Decimal) string    { return string(AppendDec(nil, d)) }
func FmtSigned(d decimal.Decimal) string { return string(AppendSigned(nil, d)) }
func FmtAge(d time.Duration) string      { return string(AppendAge(nil, d)) }

// sparkBars are the eight bar heights of a sparkline, three bytes each.
const sparkBars = "▁▂▃▄▅▆▇█"

// sparkThresholds returns the seven values that separate the eight bar heights of [lo, hi]:
// a value at or above thresholds[k] is drawn at least k+1 high (rounding to the nearest bar).
// Seven divisions per sparkline instead of one per point keeps a frame cheap.
func sparkThresholds(lo, span decimal.Decimal, out *[7]decimal.Decimal) bool {
	if span.IsZero() {
		return false
	}
	for k := 1; k <= 7; k++ {
		x, err := span.Mul(decimal.MustNew(int64(2*k-1), 0))
		if err == nil {
			x, err = x.Quo(decimal.MustNew(14, 0))
		}
		if err == nil {
			x, err = lo.Add(x)
		}
		if err != nil {
			return false
		}
		out[k-1] = x
	}
	return true
}

func sparkLevel(v decimal.Decimal, th *[7]decimal.Decimal) int {
	n := 0
	for n < 7 && v.Cmp(th[n]) >= 0 {
		n++
	}
	return n
}

// AppendSpark appends the last n points of vals as a sparkline (n cells or fewer).
func AppendSpark(dst []byte, vals []decimal.Decimal, n int) ([]byte, int) {
	if n <= 0 || len(vals) == 0 {
		return dst, 0
	}
	if len(vals) > n {
		vals = vals[len(vals)-n:]
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals[1:] {
		if v.Cmp(lo) < 0 {
			lo = v
		}
		if v.Cmp(hi) > 0 {
			hi = v
		}
	}
	var th [7]decimal.Decimal
	span, err := hi.Sub(lo)
	flat := err != nil || !sparkThresholds(lo, span, &th)
	for _, v := range vals {
		i := 9 // a flat series sits mid-height
		if !flat {
			i = 3 * sparkLevel(v, &th)
		}
		dst = append(dst, sparkBars[i:i+3]...)
	}
	return dst, len(vals)
}

func AppendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

// centQuotes are the quote assets counted in cents: fiat and the dollar and euro stablecoins.
var centQuotes = [...]string{"USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USDP", "DAI", "EUR", "GBP", "TRY", "BRL", "AUD"}

// QuoteDecimals is how many decimals an amount of a quote asset shows: 2 for fiat and
// stablecoins (and an unknown quote), 8 (the exchange's own precision) for a crypto quote
// such as BTC, where cents would round a whole trade away.
func QuoteDecimals(quote string) int {
	if quote == "" {
		return 2
	}
	for _, q := range centQuotes {
		if q == quote {
			return 2
		}
	}
	return 8
}

// QuoteAt is an amount of the quote asset shown to its precision (QuoteDecimals).
func QuoteAt(d decimal.Decimal, quote string) decimal.Decimal {
	n := QuoteDecimals(quote)
	return d.Round(n).Pad(n)
}

// HeldAt is an amount held (a balance, a position) shown to at least the step's decimals and
// never rounded: dust below the step (a fee paid in the base) stays visible, and no more than
// is held is ever shown.
func HeldAt(d, step decimal.Decimal) decimal.Decimal {
	if step.Sign() <= 0 {
		return Qty(d)
	}
	s := step.Trim(0).Scale()
	if d.Scale() > s {
		return d.Trim(s)
	}
	return d.Pad(s)
}

// HeldQuoteAt is an amount of a quote asset held, cut (not rounded) to the quote's precision,
// so no more than is held is ever shown.
func HeldQuoteAt(d decimal.Decimal, quote string) decimal.Decimal {
	n := QuoteDecimals(quote)
	return d.Trunc(n).Pad(n)
}

// PriceAt is a price shown to the precision of the symbol's tick (0.01 gives two decimals);
// with no tick known it falls back to Price.
func PriceAt(d, tick decimal.Decimal) decimal.Decimal {
	if tick.Sign() <= 0 {
		return Price(d)
	}
	s := tick.Trim(0).Scale()
	return d.Round(s).Pad(s)
}

// QtyAt is a quantity shown to the precision of the symbol's step (0.001 gives three
// decimals); with no step known it falls back to Qty.
func QtyAt(d, step decimal.Decimal) decimal.Decimal {
	if step.Sign() <= 0 {
		return Qty(d)
	}
	s := step.Trim(0).Scale()
	return d.Round(s).Pad(s)
}
