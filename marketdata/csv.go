package marketdata

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// ErrMalformed wraps every refusal of an archive row; the message says file:line and why.
var ErrMalformed = errors.New("malformed kline row")

// microsFrom is where open times switch from milliseconds to microseconds: no millisecond
// time reaches 10^15 before the year 33658, and every microsecond time since 2001 is above.
const microsFrom = 1_000_000_000_000_000

// maxLine bounds one CSV line; a kline row is about 150 bytes.
const maxLine = 4096

// ParseCSV reads a Binance kline archive CSV (open time, open, high, low, close, volume, then
// columns QuantDeck does not use), with or without a header line, open times in milliseconds
// or microseconds. name is used in errors as name:line. A row whose open time is not on the
// interval iv's grid is refused. Rows are returned as read.
func ParseCSV(r io.Reader, name string, iv time.Duration) ([]exchange.Candle, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxLine)
	var out []exchange.Candle
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if line == 1 && isHeader(text) {
			continue
		}
		c, err := parseRow(text)
		if err == nil && iv > 0 && c.Open.UnixNano()%int64(iv) != 0 {
			err = fmt.Errorf("open time %s is not on the %s grid", c.Open.Format(time.RFC3339Nano), IntervalName(iv))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrMalformed, name, line, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: %s:%d: line longer than %d bytes", ErrMalformed, name, line+1, maxLine)
		}
		return nil, fmt.Errorf("marketdata: reading %s: %w", name, err)
	}
	return out, nil
}

// isHeader reports whether a first line is a header: its first field is not a number.
func isHeader(text string) bool {
	f, _, _ := strings.Cut(text, ",")
	f = strings.TrimSpace(f)
	if f == "" {
		return false
	}
	_, err := strconv.ParseInt(f, 10, 64)
	return err != nil && strings.ContainsAny(f, "abcdefghijklmnopqrstuvwxyz_")
}

func parseRow(text string) (exchange.Candle, error) {
	var c exchange.Candle
	fields := strings.Split(text, ",")
	if len(fields) < 6 {
		return c, fmt.Errorf("%d fields, want at least 6 (open time, open, high, low, close, volume)", len(fields))
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(fields[0]), 10, 64)
	if err != nil || ts < 0 {
		return c, fmt.Errorf("open time %q is not a whole number of milliseconds or microseconds", fields[0])
	}
	if ts >= microsFrom {
		c.Open = time.UnixMicro(ts).UTC()
	} else {
		c.Open = time.UnixMilli(ts).UTC()
	}
	names := [5]string{"open", "high", "low", "close", "volume"}
	for i, p := range [5]*decimal.Decimal{&c.O, &c.H, &c.L, &c.C, &c.Volume} {
		v := strings.TrimSpace(fields[i+1])
		if *p, err = decimal.Parse(v); err != nil {
			return c, fmt.Errorf("%s %q is not a decimal number", names[i], v)
		}
		if p.IsNeg() || i < 4 && !p.IsPos() {
			return c, fmt.Errorf("%s %s must be above zero", names[i], v)
		}
	}
	if c.H.Cmp(c.O.Max(c.C).Max(c.L)) < 0 || c.L.Cmp(c.O.Min(c.C)) > 0 {
		return c, fmt.Errorf("high %s and low %s do not contain open %s and close %s", c.H, c.L, c.O, c.C)
	}
	return c, nil
}

// archiveName matches Binance's archive file names: BTCUSDT-1m-2025-01.zip (monthly) or
// BTCUSDT-1m-2025-01-15.csv (daily).
var archiveName = regexp.MustCompile(`^([A-Z0-9]{2,30})-(1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w)-\d{4}-\d{2}(-\d{2})?\.(zip|csv)$`)

// NameInfo reads the symbol and interval from an archive file name; ok is false when the
// name is not in Binance's form.
func NameInfo(path string) (symbol string, iv time.Duration, ok bool) {
	m := archiveName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return "", 0, false
	}
	iv, err := ParseInterval(m[2])
	return m[1], iv, err == nil
}
