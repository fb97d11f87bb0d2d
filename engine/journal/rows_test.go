package journal

import (
	"errors"
	"testing"
	"time"

	"github.com/govalues/decimal"
)

// FuzzRowParser: a stored value either parses to exactly what the decimal and time parsers
// read, or is an error naming the row; never a silent zero, never a panic, and the message
// stays bounded however long the damaged value is.
func FuzzRowParser(f *testing.F) {
	for _, s := range []string{"0", "90.5", "", "abc", "1e5", "-0.0001", "2026-12-06T12:00:00.000000000Z", "2026-13-45", "0001-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := rowParser{table: "fills", key: "7", bot: "b"}
		d := p.dec("qty", s)
		want, derr := decimal.Parse(s)
		if (derr == nil) != (p.result() == nil) {
			t.Fatalf("dec(%q): parse error %v, row error %v", s, derr, p.result())
		}
		if derr == nil && !d.Equal(want) {
			t.Fatalf("dec(%q) = %s, want %s", s, d, want)
		}
		q := rowParser{table: "orders", key: "qd-x", bot: "b"}
		tm := q.time("created_at", s)
		wantT, terr := time.Parse(time.RFC3339Nano, s)
		if (terr == nil) != (q.result() == nil) {
			t.Fatalf("time(%q): parse error %v, row error %v", s, terr, q.result())
		}
		if terr == nil && !tm.Equal(wantT) {
			t.Fatalf("time(%q) = %s, want %s", s, tm, wantT)
		}
		for _, err := range []error{p.result(), q.result()} {
			if err == nil {
				continue
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("%v is not ErrDamaged", err)
			}
			if bot, ok := DamagedBot(err); !ok || bot != "b" {
				t.Fatalf("%v names bot %q", err, bot)
			}
			if n := len(err.Error()); n > 400 {
				t.Fatalf("message of %d bytes for a %d-byte value", n, len(s))
			}
		}
	})
}
