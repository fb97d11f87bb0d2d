package common

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestAppendDec(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"}, {"1", "1"}, {"999", "999"}, {"1000", "1,000"}, {"64123.45", "64,123.45"},
		{"-1234567.891", "-1,234,567.891"}, {"100000", "100,000"}, {"0.00001234", "0.00001234"},
	}
	for _, tc := range tests {
		if got := string(AppendDec(nil, decimal.MustParse(tc.in))); got != tc.want {
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
		{AppendSigned, "12.5", "+12.5"},
		{AppendSigned, "-3.40", "−3.40"},
		{AppendSigned, "0", "0"},
		{AppendChange, "1.234", "▲ +1.23%"},
		{AppendChange, "-0.456", "▼ −0.46%"},
		{AppendChange, "0", "  0.00%"},
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
		if got := string(AppendAge(nil, tc.d)); got != tc.want {
			t.Errorf("appendAge(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	for d, want := range map[time.Duration]string{12 * time.Millisecond: "+12ms", -240 * time.Millisecond: "−240ms", 1500 * time.Millisecond: "+1.5s"} {
		if got := string(AppendOffset(nil, d)); got != want {
			t.Errorf("appendOffset(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	vals := []decimal.Decimal{decimal.MustParse("1"), decimal.MustParse("2"), decimal.MustParse("3"), decimal.MustParse("4"), decimal.MustParse("5"), decimal.MustParse("6"), decimal.MustParse("7"), decimal.MustParse("8")}
	got, n := AppendSpark(nil, vals, 8)
	if string(got) != "▁▂▃▄▅▆▇█" || n != 8 {
		t.Fatalf("spark = %q (%d), want the eight bars", got, n)
	}
	got, n = AppendSpark(nil, vals, 3)
	if string(got) != "▁▅█" || n != 3 {
		t.Fatalf("last three = %q (%d)", got, n)
	}
	flat, _ := AppendSpark(nil, []decimal.Decimal{decimal.MustParse("5"), decimal.MustParse("5")}, 4)
	if string(flat) != "▄▄" {
		t.Fatalf("flat series = %q, want mid-height bars", flat)
	}
}

// FuzzSecretField types arbitrary input into the masked field: the mask never shows the text.
func FuzzSecretField(f *testing.F) {
	f.Add("correct horse battery staple")
	f.Add("\x00\x1b pass")
	f.Fuzz(func(t *testing.T, s string) {
		var fld SecretField
		fld.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
		fld.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
		m := fld.Mask(20)
		if strings.Trim(m, "•…") != "" {
			t.Fatalf("mask %q shows more than dots", m)
		}
		out := fld.Take()
		if len(fld.buf) != 0 {
			t.Fatal("take left content in the field")
		}
		Zero(out)
	})
}

// TestPrecisionAt: a price shows the tick's decimals and a quantity the step's, padded and
// rounded; with no tick or step the generic rule applies.
func TestPrecisionAt(t *testing.T) {
	tests := []struct {
		name, in, unit string
		qty            bool
		want           string
	}{
		{"price to a cent tick", "64123.456", "0.01000000", false, "64123.46"},
		{"price padded to the tick", "0.5", "0.00010000", false, "0.5000"},
		{"price to a whole tick", "123.6", "1.00000000", false, "124"},
		{"price without a tick", "64123.456789", "0", false, "64123.4568"},
		{"price below one without a tick", "0.000012345678", "0", false, "0.00001235"},
		{"quantity to the step", "0.0123456", "0.00001000", true, "0.01235"},
		{"zero quantity padded", "0", "0.00100000", true, "0.000"},
		{"quantity to a whole step", "12.0", "1", true, "12"},
		{"quantity without a step", "0.0120", "0", true, "0.012"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, unit := decimal.MustParse(tc.in), decimal.MustParse(tc.unit)
			got := PriceAt(in, unit)
			if tc.qty {
				got = QtyAt(in, unit)
			}
			if got.String() != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// Prices, quantities and quote amounts show to the symbol's precision, so a column's values
// line up and none is cut: tick 0.01 gives two decimals, step 0.00001 five, a USDT amount cents
// and a BTC amount eight decimals.
func TestPrecisionFormatting(t *testing.T) {
	var p Precisions
	p.m = map[string]precision{}
	p.Loaded(PrecisionMsg{For: &p, Symbol: "BTCUSDT", Rules: exchange.Rules{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT",
		TickSize: decimal.MustParse("0.01"), StepSize: decimal.MustParse("0.00001")}})
	p.Loaded(PrecisionMsg{For: &p, Symbol: "ETHBTC", Rules: exchange.Rules{Symbol: "ETHBTC", Base: "ETH", Quote: "BTC",
		TickSize: decimal.MustParse("0.00001"), StepSize: decimal.MustParse("0.0001")}})
	d := decimal.MustParse
	tests := []struct {
		name string
		got  decimal.Decimal
		want string
	}{
		{"price to the tick", p.Price("BTCUSDT", d("64123.456789")), "64,123.46"},
		{"price padded to the tick", p.Price("BTCUSDT", d("64000")), "64,000.00"},
		{"quantity to the step", p.Qty("BTCUSDT", d("0.1")), "0.10000"},
		{"usdt value to cents", p.Quote("BTCUSDT", d("1234.5678")), "1,234.57"},
		{"btc value to eight decimals", p.Quote("ETHBTC", d("0.0123456789")), "0.01234568"},
		{"eth price to its tick", p.Price("ETHBTC", d("0.052")), "0.05200"},
		{"a held position keeps its dust", p.Held("BTCUSDT", d("0.00038961")), "0.00038961"},
		{"a held position padded to the step", p.Held("BTCUSDT", d("0.1")), "0.10000"},
		{"held usdt cut, never rounded up", HeldQuoteAt(d("9990.50500001"), "USDT"), "9,990.50"},
		{"unknown symbol: the generic rule", p.Price("XRPUSDT", d("0.512345678")), "0.51234568"},
		{"unknown symbol's value: cents", p.Quote("XRPUSDT", d("12.346")), "12.35"},
	}
	for _, tc := range tests {
		if got := FmtDec(tc.got); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
