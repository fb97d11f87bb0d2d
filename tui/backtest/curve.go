package backtest

import (
	"math"
	"strconv"
	"strings"
)

// eighths are the partial cells of an area chart's top edge, from one eighth to a full cell.
var eighths = []rune("▁▂▃▄▅▆▇█")

// areaChart draws vals (resampled to the plot's width) as an area in w x h cells with the
// highest and lowest value labelled on the left; down draws it hanging from the top (a
// drawdown). Labels use unit after the number. Nothing is drawn below 3 rows or 20 columns.
func areaChart(vals []float64, w, h int, unit string, down bool) []string {
	const axisW = 12
	plotW := w - axisW
	if h < 2 || plotW < 8 || len(vals) == 0 {
		return nil
	}
	cols := resample(vals, plotW, down)
	lo, hi := cols[0], cols[0]
	for _, v := range cols {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if down {
		lo = 0
	}
	span := hi - lo
	grid := make([][]rune, h)
	for r := range grid {
		grid[r] = []rune(strings.Repeat(" ", plotW))
	}
	for x, v := range cols {
		// Height in eighths of a cell; a flat series sits at mid height.
		e := h * 4
		if span > 0 {
			e = int(math.Round((v - lo) / span * float64(h*8)))
		}
		if down {
			for r := 0; r < h && e > 0; r++ {
				n := min(e, 8)
				if n == 8 {
					grid[r][x] = '█'
				} else {
					grid[r][x] = '▀'
				}
				e -= n
			}
			continue
		}
		for r := h - 1; r >= 0 && e > 0; r-- {
			n := min(e, 8)
			grid[r][x] = eighths[n-1]
			e -= n
		}
	}
	top, bottom := hi, lo
	if down {
		top, bottom = lo, hi
	}
	out := make([]string, h)
	for r := range grid {
		label := ""
		switch r {
		case 0:
			label = num(top) + unit
		case h - 1:
			label = num(bottom) + unit
		}
		out[r] = padLeft(label, axisW-1) + " " + string(grid[r])
	}
	return out
}

// resample spreads vals evenly over n columns: each column shows the last point it covers (so
// the curve ends on the final value), or with deepest the largest (a drawdown keeps its worst);
// fewer values than columns are repeated.
func resample(vals []float64, n int, deepest bool) []float64 {
	out := make([]float64, n)
	for i := range out {
		lo, hi := i*len(vals)/n, max((i+1)*len(vals)/n, i*len(vals)/n+1)
		out[i] = vals[hi-1]
		if deepest {
			for _, v := range vals[lo:hi] {
				out[i] = math.Max(out[i], v)
			}
		}
	}
	return out
}

// num is a chart label: two decimals for small values, none for large.
func num(v float64) string {
	if math.Abs(v) >= 1000 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func padLeft(s string, w int) string {
	if n := len([]rune(s)); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}
