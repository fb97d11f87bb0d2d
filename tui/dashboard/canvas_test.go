package dashboard

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

func TestLayoutColumnsFit(t *testing.T) {
	dash := newScreen(common.NewStyles(fixture.Renderer()), nil)
	for k := paneKind(0); k < numPanes; k++ {
		for w := 10; w <= 220; w++ {
			var out [maxCols]int
			layoutColumns(dash.cols[k], w, &out)
			total, n, flex := 0, 0, false
			for i, c := range dash.cols[k] {
				if out[i] > 0 {
					total += out[i]
					n++
					flex = flex || c.flex
				}
			}
			total += n - 1
			if flex && total != w-2 {
				t.Fatalf("%v at width %d: columns take %d cells, want %d", k.title(), w, total, w-2)
			}
			if total > w-2 {
				t.Fatalf("%v at width %d overflows: %d", k.title(), w, total)
			}
		}
	}
}

// FuzzCanvasCell feeds arbitrary text (bot names, exchange messages) to a cell: the cell is
// always exactly its width and never carries a control character.
func FuzzCanvasCell(f *testing.F) {
	for _, s := range []string{"BTCUSDT", "", "évènement", "日本語テキスト", "\x1b[31mred", "tab\there", "\xff\xfe", "a\u200bb"} {
		f.Add(s, 8, true)
	}
	f.Fuzz(func(t *testing.T, s string, w int, right bool) {
		w = w%40 + 1
		if w < 1 {
			w = -w + 1
		}
		var c canvas
		c.cell(s, w, right, common.Paint{})
		if c.w != w {
			t.Fatalf("cell(%q, %d) counted %d cells", s, w, c.w)
		}
		out := string(c.b)
		if !utf8.ValidString(out) {
			t.Fatalf("cell(%q) produced invalid UTF-8 %q", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("cell(%q) let control rune %U through: %q", s, r, out)
			}
		}
		if got := common.TextWidth(out); got != w && !strings.ContainsFunc(out, func(r rune) bool { return common.RuneCells(r) == 0 }) {
			t.Fatalf("cell(%q, %d) is %d cells on screen", s, w, got)
		}
	})
}
