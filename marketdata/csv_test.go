package marketdata

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const header = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n"

// Rows as Binance publishes them: open time, OHLCV, then columns QuantDeck ignores.
const (
	rowMS0 = "1735689600000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999,768978.07526370,1813,3.07016000,287221.02011080,0\n"
	rowMS1 = "1735689660000,93610.93000000,93652.00000000,93606.00000000,93650.01000000,10.28491000,1735689719999,963040.60540270,1658,5.39000000,504698.48960220,0\n"
	rowMS3 = "1735689780000,93650.01000000,93700.00000000,93600.00000000,93700.00000000,1.00000000,1735689839999,93650.0,10,0.5,46825.0,0\n"
	rowUS0 = "1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,768978.07526370,1813,3.07016000,287221.02011080,0\n"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		first   string // open time of the first row
		wantErr string // substring: "" means valid
	}{
		{"milliseconds, no header", rowMS0 + rowMS1, 2, "2025-01-01T00:00:00Z", ""},
		{"microseconds, with header", header + rowUS0, 1, "2025-01-01T00:00:00Z", ""},
		{"crlf and a blank line", strings.ReplaceAll(rowMS0, "\n", "\r\n") + "\n" + rowMS1, 2, "2025-01-01T00:00:00Z", ""},
		{"too few fields", rowMS0 + "1735689660000,1,2,1\n", 0, "", "x.csv:2: 4 fields"},
		{"bad time", rowMS0 + "-5,1,1,1,1,1\n", 0, "", "x.csv:2: open time"},
		{"a header on line 2", rowMS0 + header, 0, "", "x.csv:2: open time"},
		{"bad price", rowMS0 + rowMS1 + "1735689720000,1,x,1,1,1\n", 0, "", `x.csv:3: high "x" is not a decimal`},
		{"zero price", "1735689600000,0,1,0,1,1\n", 0, "", "x.csv:1: open 0 must be above zero"},
		{"negative volume", "1735689600000,1,1,1,1,-1\n", 0, "", "x.csv:1: volume -1"},
		{"high below close", "1735689600000,1,1,1,2,1\n", 0, "", "x.csv:1: high 1 and low 1 do not contain"},
		{"off the grid", "1735689600001,1,1,1,1,1\n", 0, "", "x.csv:1: open time 2025-01-01T00:00:00.001Z is not on the 1m grid"},
		{"a huge line", strings.Repeat("1", 5000) + "\n", 0, "", "x.csv:1: line longer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := ParseCSV(strings.NewReader(tc.in), "x.csv", time.Minute)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != tc.want || cs[0].Open.Format(time.RFC3339) != tc.first {
				t.Fatalf("%d candles from %v, want %d from %s", len(cs), cs, tc.want, tc.first)
			}
			if !cs[0].O.Equal(d("93576")) || !cs[0].Volume.Equal(d("8.21827")) {
				t.Fatalf("first candle %+v", cs[0])
			}
		})
	}
}

func TestNameInfo(t *testing.T) {
	tests := []struct {
		path   string
		symbol string
		iv     time.Duration
		ok     bool
	}{
		{"/data/BTCUSDT-1m-2025-01.zip", "BTCUSDT", time.Minute, true},
		{"ETHUSDT-4h-2024-12-31.csv", "ETHUSDT", 4 * time.Hour, true},
		{"BTCUSDT-7m-2025-01.zip", "", 0, false},
		{"prices.csv", "", 0, false},
	}
	for _, tc := range tests {
		sym, iv, ok := NameInfo(tc.path)
		if sym != tc.symbol || iv != tc.iv || ok != tc.ok {
			t.Errorf("NameInfo(%s) = %s %s %v, want %s %s %v", tc.path, sym, iv, ok, tc.symbol, tc.iv, tc.ok)
		}
	}
}

// Importing archive files: zipped with microsecond times, plain with a header; overlapping
// rows are merged, gaps reported, and a file with a bad row is refused whole with file:line.
func TestImport(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	zpath := filepath.Join(dir, "BTCUSDT-1m-2025-01.zip")
	zf, err := os.Create(zpath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("BTCUSDT-1m-2025-01.csv")
	w.Write([]byte(rowUS0 + rowMS1))
	zw.Close()
	zf.Close()
	res, err := s.Import(ctx, zpath, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Symbol != "BTCUSDT" || res.Interval != time.Minute || res.Rows != 2 || res.Added != 2 || len(res.Gaps) != 0 {
		t.Fatalf("zip import = %+v", res)
	}
	plain := filepath.Join(dir, "prices.csv")
	os.WriteFile(plain, []byte(header+rowMS1+rowMS3+rowMS3), 0o600)
	if _, err := s.Import(ctx, plain, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "--symbol and --interval") {
		t.Fatalf("a file without a symbol in its name: err = %v", err)
	}
	res, err = s.Import(ctx, plain, ImportOptions{Symbol: "btcusdt", Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Duplicates != 2 || len(res.Gaps) != 1 || res.Gaps[0].Missing != 1 {
		t.Fatalf("plain import = %+v, want 1 added, 2 duplicates, a gap of 1", res)
	}
	bad := filepath.Join(dir, "BTCUSDT-1m-2025-02.csv")
	os.WriteFile(bad, []byte("1738368000000,1,2,1,2,1\n1738368060000,1,2,1\n"), 0o600)
	if _, err := s.Import(ctx, bad, ImportOptions{}); err == nil || !strings.Contains(err.Error(), bad+":2:") {
		t.Fatalf("bad row: err = %v, want file:line", err)
	}
	got, err := s.Load(ctx, "BTCUSDT", time.Minute, time.Time{}, time.Time{})
	if err != nil || len(got) != 3 {
		t.Fatalf("stored %d candles (%v), want 3 (the refused file adds none)", len(got), err)
	}
}

// FuzzParseCSV: any input is refused or parsed without panicking; what parses is on the grid,
// has positive prices with the high and low around open and close, and survives the store's
// encoding exactly.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{rowMS0 + rowMS1, header + rowUS0, "1,1,1,1,1,1", "\ufeff" + header, ",,,,,", "9999999999999999999,1,1,1,1,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseCSV(strings.NewReader(in), "f.csv", time.Minute)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Open.UnixNano()%int64(time.Minute) != 0 || !c.L.IsPos() || c.H.Cmp(c.O) < 0 || c.H.Cmp(c.C) < 0 || c.L.Cmp(c.O) > 0 || c.Volume.IsNeg() {
				t.Fatalf("accepted %+v", c)
			}
		}
		sorted := dedupe(cs)
		for len(sorted) > 0 {
			idx := chunkOf(sorted[0].Open, time.Minute)
			n := 1
			for n < len(sorted) && chunkOf(sorted[n].Open, time.Minute) == idx {
				n++
			}
			blob, err := encodeChunk(sorted[:n], time.Minute, idx)
			if err == nil {
				back, err := decodeChunk(nil, blob, time.Minute, idx)
				if err != nil {
					t.Fatalf("decoding what was encoded: %v", err)
				}
				sameCandles(t, back, sorted[:n])
			}
			sorted = sorted[n:]
		}
	})
}
