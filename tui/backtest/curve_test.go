package backtest

import (
	"slices"
	"strings"
	"testing"
)

func TestResample(t *testing.T) {
	tests := []struct {
		name    string
		vals    []float64
		n       int
		deepest bool
		want    []float64
	}{
		{"last of each column", []float64{1, 2, 3, 4, 5, 6}, 3, false, []float64{2, 4, 6}},
		{"deepest of each column", []float64{5, 1, 0, 7, 2, 2}, 3, true, []float64{5, 7, 2}},
		{"fewer values than columns", []float64{1, 2}, 4, false, []float64{1, 1, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := resample(tc.vals, tc.n, tc.deepest); !slices.Equal(got, tc.want) {
				t.Fatalf("resample = %v, want %v", got, tc.want)
			}
		})
	}
}

// The area chart labels its extremes, fills a rising series higher on the right, and hangs a
// drawdown from the top with its deepest point labelled at the bottom.
func TestAreaChart(t *testing.T) {
	up := areaChart([]float64{100, 150, 200}, 12+9, 2, "", false)
	if len(up) != 2 || !strings.Contains(up[0], "200.00") || !strings.Contains(up[1], "100.00") {
		t.Fatalf("labels:\n%s", strings.Join(up, "\n"))
	}
	if got := []rune(up[0])[12:]; string(got) != "      ███" {
		t.Fatalf("top row %q, want only the last column full", string(got))
	}
	dd := areaChart([]float64{0, 5, 10}, 12+9, 2, "%", true)
	if !strings.Contains(dd[0], "0.00%") || !strings.Contains(dd[1], "10.00%") {
		t.Fatalf("drawdown labels:\n%s", strings.Join(dd, "\n"))
	}
	if got := string([]rune(dd[1])[12:]); got != "      ███" {
		t.Fatalf("drawdown bottom row %q, want only the deepest column reaching it", got)
	}
	if areaChart(nil, 80, 5, "", false) != nil || areaChart([]float64{1}, 15, 1, "", false) != nil {
		t.Fatal("drew a chart with nothing to draw or no room")
	}
}
