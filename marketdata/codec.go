package marketdata

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// chunkSlots is how many candle slots one stored chunk spans: a day of one-minute candles.
const chunkSlots = 1440

// codecVersion starts every chunk blob, so the format can change without misreading old rows.
const codecVersion = 1

// errCorrupt reports a chunk blob that does not decode.
var errCorrupt = errors.New("marketdata: a stored chunk is damaged; delete it with `quantdeck data fetch` again or re-import")

// chunkOf is the chunk index holding a candle that opens at t.
func chunkOf(t time.Time, iv time.Duration) int64 {
	return floorDiv(t.UnixMilli(), iv.Milliseconds()*chunkSlots)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// scaleOf is the smallest scale at which every price and volume of cs is a whole number.
func scaleOf(cs []exchange.Candle) (price, volume int) {
	for _, c := range cs {
		for _, v := range [4]decimal.Decimal{c.O, c.H, c.L, c.C} {
			price = max(price, v.Trim(0).Scale())
		}
		volume = max(volume, c.Volume.Trim(0).Scale())
	}
	return price, volume
}

// coef is d as a whole number at scale (d's scale must not exceed it).
func coef(d decimal.Decimal, scale int) (uint64, error) {
	p := d.Trim(0).Pad(scale)
	if p.Scale() != scale || d.IsNeg() {
		return 0, fmt.Errorf("marketdata: %s does not fit %d decimal places in 19 digits", d, scale)
	}
	return p.Coef(), nil
}

// encodeChunk packs candles of one chunk (sorted by open time, all of interval iv, in chunk
// idx) as: version, price scale, volume scale, count, then per candle the slot step since the
// previous candle and open (from the previous close), high, low and close (from the open) as
// zig-zag varints of their integer values, and the volume as a varint.
func encodeChunk(cs []exchange.Candle, iv time.Duration, idx int64) ([]byte, error) {
	ps, vs := scaleOf(cs)
	buf := make([]byte, 0, 4+len(cs)*12)
	buf = append(buf, codecVersion, byte(ps), byte(vs))
	buf = binary.AppendUvarint(buf, uint64(len(cs)))
	base := idx * chunkSlots * iv.Milliseconds()
	prevSlot := int64(-1)
	var prevC uint64
	for _, c := range cs {
		slot := (c.Open.UnixMilli() - base) / iv.Milliseconds()
		if slot <= prevSlot || slot >= chunkSlots {
			return nil, fmt.Errorf("marketdata: candle at %s is out of order or outside its chunk", c.Open.UTC().Format(time.RFC3339))
		}
		buf = binary.AppendUvarint(buf, uint64(slot-prevSlot))
		prevSlot = slot
		var v [4]uint64
		for i, d := range [4]decimal.Decimal{c.O, c.H, c.L, c.C} {
			n, err := coef(d, ps)
			if err != nil {
				return nil, err
			}
			v[i] = n
		}
		buf = binary.AppendVarint(buf, int64(v[0]-prevC))
		buf = binary.AppendVarint(buf, int64(v[1]-v[0]))
		buf = binary.AppendVarint(buf, int64(v[2]-v[0]))
		buf = binary.AppendVarint(buf, int64(v[3]-v[0]))
		prevC = v[3]
		vol, err := coef(c.Volume, vs)
		if err != nil {
			return nil, err
		}
		buf = binary.AppendUvarint(buf, vol)
	}
	return buf, nil
}

// decodeChunk appends the candles of a chunk blob to out.
func decodeChunk(out []exchange.Candle, b []byte, iv time.Duration, idx int64) ([]exchange.Candle, error) {
	if len(b) < 4 || b[0] != codecVersion {
		return out, errCorrupt
	}
	ps, vs := int(b[1]), int(b[2])
	b = b[3:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > chunkSlots {
		return out, errCorrupt
	}
	b = b[k:]
	ivMS := iv.Milliseconds()
	base := idx * chunkSlots * ivMS
	slot := int64(-1)
	var prevC uint64
	for range n {
		var f [6]int64
		for i := range f {
			var v int64
			if i == 0 || i == 5 {
				u, k := binary.Uvarint(b)
				if k <= 0 {
					return out, errCorrupt
				}
				v, b = int64(u), b[k:]
			} else {
				s, k := binary.Varint(b)
				if k <= 0 {
					return out, errCorrupt
				}
				v, b = s, b[k:]
			}
			f[i] = v
		}
		slot += f[0]
		if f[0] <= 0 || slot >= chunkSlots {
			return out, errCorrupt
		}
		o := prevC + uint64(f[1])
		h, l, c := o+uint64(f[2]), o+uint64(f[3]), o+uint64(f[4])
		prevC = c
		var cd exchange.Candle
		cd.Open = time.UnixMilli(base + slot*ivMS).UTC()
		var err error
		for i, p := range [4]*decimal.Decimal{&cd.O, &cd.H, &cd.L, &cd.C} {
			if *p, err = fromCoef([4]uint64{o, h, l, c}[i], ps); err != nil {
				return out, errCorrupt
			}
		}
		if cd.Volume, err = fromCoef(uint64(f[5]), vs); err != nil {
			return out, errCorrupt
		}
		out = append(out, cd)
	}
	if len(b) != 0 {
		return out, errCorrupt
	}
	return out, nil
}

// pow10 are the powers of ten up to 10^19.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// fromCoef is the decimal n / 10^scale (at the chunk's scale: trailing zeros are kept, the
// value is exact).
func fromCoef(n uint64, scale int) (decimal.Decimal, error) {
	if scale < 0 || scale > decimal.MaxScale {
		return decimal.Decimal{}, errCorrupt
	}
	if n <= math.MaxInt64 {
		return decimal.New(int64(n), scale)
	}
	if scale == 0 || scale >= len(pow10) {
		return decimal.Decimal{}, errCorrupt
	}
	return decimal.NewFromInt64(int64(n/pow10[scale]), int64(n%pow10[scale]), scale)
}
