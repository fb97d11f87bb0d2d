package tui

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govalues/decimal"
)

func TestAppendDec(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"}, {"1", "1"}, {"999", "999"}, {"1000", "1,000"}, {"64123.45", "64,123.45"},
		{"-1234567.891", "-1,234,567.891"}, {"100000", "100,000"}, {"0.00001234", "0.00001234"},
	}
	for _, tc := range tests {
		if got := string(appendDec(nil, decimal.MustParse(tc.in))); got != tc.want {
			t.Errorf("appendDec(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSignsAndArrows(t *testing.T) {
	tests := []struct {
		fn   func([]byte, decimal.Decimal) []byte
		in   string
		want string
	}{
		{appendSigned, "12.5", "+12.5"},
		{appendSigned, "-3.40", "−3.40"},
		{appendSigned, "0", "0"},
		{appendChange, "1.234", "▲ +1.23%"},
		{appendChange, "-0.456", "▼ −0.46%"},
		{appendChange, "0", "  0.00%"},
	}
	for _, tc := range tests {
		if got := string(tc.fn(nil, decimal.MustParse(tc.in))); got != tc.want {
			t.Errorf("%s → %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAges(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{300 * time.Millisecond, "0.3s"}, {-time.Second, "0.0s"}, {42 * time.Second, "42s"},
		{5 * time.Minute, "5m"}, {3 * time.Hour, "3h"}, {72 * time.Hour, "3d"},
	}
	for _, tc := range tests {
		if got := string(appendAge(nil, tc.d)); got != tc.want {
			t.Errorf("appendAge(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	for d, want := range map[time.Duration]string{12 * time.Millisecond: "+12ms", -240 * time.Millisecond: "−240ms", 1500 * time.Millisecond: "+1.5s"} {
		if got := string(appendOffset(nil, d)); got != want {
			t.Errorf("appendOffset(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	vals := []decimal.Decimal{d("1"), d("2"), d("3"), d("4"), d("5"), d("6"), d("7"), d("8")}
	got, n := appendSpark(nil, vals, 8)
	if string(got) != "▁▂▃▄▅▆▇█" || n != 8 {
		t.Fatalf("spark = %q (%d), want the eight bars", got, n)
	}
	got, n = appendSpark(nil, vals, 3)
	if string(got) != "▁▅█" || n != 3 {
		t.Fatalf("last three = %q (%d)", got, n)
	}
	flat, _ := appendSpark(nil, []decimal.Decimal{d("5"), d("5")}, 4)
	if string(flat) != "▄▄" {
		t.Fatalf("flat series = %q, want mid-height bars", flat)
	}
}

func TestLayoutColumnsFit(t *testing.T) {
	dash := newDashboard(NewStyles(asciiRenderer()), nil)
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
		c.cell(s, w, right, paint{})
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
		if got := textWidth(out); got != w && !strings.ContainsFunc(out, func(r rune) bool { return runeCells(r) == 0 }) {
			t.Fatalf("cell(%q, %d) is %d cells on screen", s, w, got)
		}
	})
}

// FuzzSecretField types arbitrary input into the masked field: the mask never shows the text.
func FuzzSecretField(f *testing.F) {
	f.Add("correct horse battery staple")
	f.Add("\x00\x1b pass")
	f.Fuzz(func(t *testing.T, s string) {
		var fld secretField
		fld.key(keyMsg("x"))
		fld.key(keyMsg(s))
		m := fld.mask(20)
		if strings.Trim(m, "•…") != "" {
			t.Fatalf("mask %q shows more than dots", m)
		}
		out := fld.take()
		if len(fld.buf) != 0 {
			t.Fatal("take left content in the field")
		}
		zero(out)
	})
}
