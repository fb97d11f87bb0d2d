package tui

import (
	"strconv"
	"time"

	"github.com/govalues/decimal"
)

// appendDec appends d with thousands separators in its integer part ("64,123.45").
func appendDec(dst []byte, d decimal.Decimal) []byte {
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

// appendSigned appends d with an explicit sign: "+1.20", "−3.40" (a real minus sign), "0.00".
func appendSigned(dst []byte, d decimal.Decimal) []byte {
	switch {
	case d.IsPos():
		dst = append(dst, '+')
	case d.IsNeg():
		dst = append(dst, "−"...)
		d = d.Abs()
	}
	return appendDec(dst, d)
}

// appendChange appends a change in percent with an arrow, so direction never rests on colour:
// "▲ +1.23%", "▼ −0.45%", "  0.00%".
func appendChange(dst []byte, pct decimal.Decimal) []byte {
	pct = pct.Round(2).Pad(2)
	switch {
	case pct.IsPos():
		dst = append(dst, "▲ "...)
	case pct.IsNeg():
		dst = append(dst, "▼ "...)
	default:
		dst = append(dst, "  "...)
	}
	dst = appendSigned(dst, pct)
	return append(dst, '%')
}

// price trims trailing zeros but keeps two decimals, the way prices are read.
func price(d decimal.Decimal) decimal.Decimal { return d.Trim(2) }

// qty trims trailing zeros of a quantity.
func qty(d decimal.Decimal) decimal.Decimal { return d.Trim(0) }

// money rounds a quote-currency amount to cents.
func money(d decimal.Decimal) decimal.Decimal { return d.Round(2).Pad(2) }

// appendAge appends a short duration: "0.3s", "12s", "4m", "2h", "3d".
func appendAge(dst []byte, d time.Duration) []byte {
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

// appendOffset appends a signed clock offset in milliseconds: "+12ms", "−240ms", "+1.2s".
func appendOffset(dst []byte, d time.Duration) []byte {
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

func fmtDec(d decimal.Decimal) string    { return string(appendDec(nil, d)) }
func fmtSigned(d decimal.Decimal) string { return string(appendSigned(nil, d)) }
func fmtAge(d time.Duration) string      { return string(appendAge(nil, d)) }

// sparkBars are the eight bar heights of a sparkline, three bytes each.
const sparkBars = "▁▂▃▄▅▆▇█"

// sparkLevel maps v within [lo, hi] to 0..7 with decimal arithmetic.
func sparkLevel(v, lo, span decimal.Decimal) int {
	if span.IsZero() {
		return 3
	}
	x, err := v.Sub(lo)
	if err != nil {
		return 3
	}
	x, err = x.Mul(decimal.MustNew(7, 0))
	if err != nil {
		return 3
	}
	x, err = x.Quo(span)
	if err != nil {
		return 3
	}
	whole, _, ok := x.Round(0).Int64(0)
	if !ok || whole < 0 {
		return 0
	}
	if whole > 7 {
		return 7
	}
	return int(whole)
}

// appendSpark appends the last n points of vals as a sparkline (n cells or fewer).
func appendSpark(dst []byte, vals []decimal.Decimal, n int) ([]byte, int) {
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
	span, err := hi.Sub(lo)
	if err != nil {
		span = decimal.Zero
	}
	for _, v := range vals {
		i := 3 * sparkLevel(v, lo, span)
		dst = append(dst, sparkBars[i:i+3]...)
	}
	return dst, len(vals)
}

func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }
