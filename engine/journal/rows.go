package journal

import (
	"errors"
	"fmt"
	"time"

	"github.com/govalues/decimal"
)

// ErrDamaged: a stored decimal or time does not parse. The affected bot stops with the row and
// field named; nothing reads the value as zero or as the year 1.
var ErrDamaged = errors.New("the journal is damaged")

// BadRowError names the stored row and field that do not parse. The value is quoted (clipped):
// decimals and times are not secret.
type BadRowError struct {
	Table string // "orders", "fills", "bots"
	Key   string // client id, trade id or bot name
	Bot   string // the bot the row belongs to, "" for manual orders
	Field string
	Value string
}

func (e *BadRowError) Error() string {
	return fmt.Sprintf("%v: %s row %s: %s %q does not parse; restore the database from a backup or fix the row by hand",
		ErrDamaged, e.Table, e.Key, e.Field, clip(e.Value))
}

func (e *BadRowError) Unwrap() error { return ErrDamaged }

// DamagedBot returns the bot a damaged-row error belongs to.
func DamagedBot(err error) (bot string, ok bool) {
	var bad *BadRowError
	if errors.As(err, &bad) {
		return bad.Bot, true
	}
	return "", false
}

// rowParser parses one stored row's fields, keeping the first failure.
type rowParser struct {
	table, key, bot string
	err             *BadRowError
}

func (p *rowParser) fail(field, value string) {
	if p.err == nil {
		p.err = &BadRowError{Table: p.table, Key: p.key, Bot: p.bot, Field: field, Value: value}
	}
}

// dec parses a stored decimal.
func (p *rowParser) dec(field, s string) decimal.Decimal {
	d, err := decimal.Parse(s)
	if err != nil {
		p.fail(field, s)
		return decimal.Zero
	}
	return d
}

// time parses a stored time.
func (p *rowParser) time(field, s string) time.Time {
	t, err := ParseTime(s)
	if err != nil {
		p.fail(field, s)
		return time.Time{}
	}
	return t
}

// result returns the first failure as an error, nil when every field parsed.
func (p *rowParser) result() error {
	if p.err == nil {
		return nil
	}
	return p.err
}

// storedLayout writes every fraction with nine digits, so the text order of stored times is
// their time order (RFC 3339 with trimmed fractions puts "…05.4Z" after "…05.45Z").
// ParseTime reads both, so rows written with trimmed fractions still load.
const storedLayout = "2006-01-02T15:04:05.000000000Z07:00"

// FormatTime is how the journal stores a time: UTC, nine fraction digits.
func FormatTime(t time.Time) string { return t.UTC().Format(storedLayout) }

// ParseTime reads a time the journal wrote; text that is not one is an error, never the zero
// time.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q does not parse", clip(s))
	}
	return t.UTC(), nil
}

// clip bounds a damaged stored value quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// NullTime stores the zero time as NULL.
func NullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return FormatTime(t)
}

type scanner interface{ Scan(dest ...any) error }
