package marketdata

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// Candles come back exactly as stored (every decimal digit), whatever the chunk boundaries
// and scales, and only those in the asked range.
func TestStoreRoundTripsExactly(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	cs := walk(jan1.Add(-90*time.Minute), 3000, 1)
	// Odd scales and huge values in one chunk: a price with 8 decimals, a 19-digit volume.
	cs[10].H, cs[10].Volume = d("60123.45678901"), d("9999999999.99999999")
	cs[11].O = d("0.00000001")
	cs[11].L = d("0.00000001")
	res, err := s.Put(ctx, "BTCUSDT", time.Minute, cs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != len(cs) || res.Duplicates != 0 {
		t.Fatalf("put = %+v, want %d added", res, len(cs))
	}
	got, err := s.Load(ctx, "BTCUSDT", time.Minute, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sameCandles(t, got, cs)
	got, err = s.Load(ctx, "BTCUSDT", time.Minute, jan1, jan1.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sameCandles(t, got, cs[90:90+1440])
	if other, _ := s.Load(ctx, "ETHUSDT", time.Minute, time.Time{}, time.Time{}); len(other) != 0 {
		t.Fatalf("ETHUSDT has %d candles, want none", len(other))
	}
}

// A second Put merges: new open times are added, the same open time is replaced, not doubled.
func TestStoreMergesDuplicates(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	cs := walk(jan1, 100, 2)
	if _, err := s.Put(ctx, "BTCUSDT", time.Minute, cs[:60]); err != nil {
		t.Fatal(err)
	}
	changed := cs[50]
	changed.C = d("1.5")
	changed.L = d("1.5")
	again := append([]exchange.Candle{changed}, cs[51:]...)
	res, err := s.Put(ctx, "BTCUSDT", time.Minute, again)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 40 || res.Duplicates != 10 {
		t.Fatalf("put = %+v, want 40 added and 10 duplicates", res)
	}
	got, err := s.Load(ctx, "BTCUSDT", time.Minute, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]exchange.Candle(nil), cs...)
	want[50] = changed
	sameCandles(t, got, want)
	last, ok, err := s.Last(ctx, "BTCUSDT", time.Minute)
	if err != nil || !ok || !last.Equal(cs[99].Open) {
		t.Fatalf("last = %s %v %v, want %s", last, ok, err, cs[99].Open)
	}
}

// List reports each series' range, count, size and gaps.
func TestListReportsGaps(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	cs := walk(jan1, 200, 3)
	cs = append(cs[:100], cs[105:]...) // 5 missing
	if _, err := s.Put(ctx, "BTCUSDT", time.Minute, cs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "ETHUSDT", time.Hour, []exchange.Candle{{Open: jan1, O: d("1"), H: d("2"), L: d("1"), C: d("2"), Volume: d("0")}}); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Symbol != "BTCUSDT" || list[1].Interval != time.Hour {
		t.Fatalf("list = %+v", list)
	}
	b := list[0]
	if b.Candles != 195 || !b.First.Equal(jan1) || !b.Last.Equal(jan1.Add(199*time.Minute)) || b.Bytes <= 0 {
		t.Fatalf("series = %+v", b)
	}
	if len(b.Gaps) != 1 || b.Gaps[0].Missing != 5 || !b.Gaps[0].From.Equal(jan1.Add(100*time.Minute)) {
		t.Fatalf("gaps = %+v, want 5 missing from 01:40", b.Gaps)
	}
	// Spans gives the same ranges for one symbol, or all, without reading candles for gaps.
	for _, tc := range []struct {
		symbol string
		want   []Series
	}{{"ETHUSDT", list[1:]}, {"", list}, {"SOLUSDT", nil}} {
		got, err := s.Spans(ctx, tc.symbol)
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("spans of %q = %+v (%v), want %d", tc.symbol, got, err, len(tc.want))
		}
		for i, g := range got {
			w := tc.want[i]
			w.Gaps = nil
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("spans of %q: %+v, want %+v", tc.symbol, g, w)
			}
		}
	}
}

// The history file is private to its owner.
func TestStoreFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", fi.Mode().Perm())
	}
}

// A data directory named with a URI's special characters keeps its history in the file it
// names: stored candles come back after a reopen.
func TestStoreOddDirectoryName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "100% a?b#c")
	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	cs := walk(jan1, 10, 1)
	if _, err := s.Put(ctx, "BTCUSDT", time.Minute, cs); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatalf("the history is not in %q: %v", dir, err)
	}
	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Load(ctx, "BTCUSDT", time.Minute, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sameCandles(t, got, cs)
}

// A damaged chunk is reported, never decoded into wrong candles.
func TestDecodeRefusesDamage(t *testing.T) {
	cs := walk(jan1, 10, 4)
	blob, err := encodeChunk(cs, time.Minute, chunkOf(jan1, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, blob[:len(blob)-1], append(append([]byte(nil), blob...), 0), append([]byte{9}, blob[1:]...)} {
		if _, err := decodeChunk(nil, bad, time.Minute, chunkOf(jan1, time.Minute)); err == nil {
			t.Fatalf("decoded a damaged blob of %d bytes", len(bad))
		}
	}
}

// BenchmarkLoadYear loads one stored year of one-minute candles (the backtest's input) and
// reports the database's size on disk: targets under 0.3 s and 40 MB.
func BenchmarkLoadYear(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	year := walk(jan1, 525600, 5)
	if _, err := s.Put(ctx, "BTCUSDT", time.Minute, year); err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, FileName+suffix)); err == nil {
			size += fi.Size()
		}
	}
	b.ResetTimer()
	for b.Loop() {
		cs, err := s.Load(ctx, "BTCUSDT", time.Minute, time.Time{}, time.Time{})
		if err != nil || len(cs) != len(year) {
			b.Fatalf("loaded %d candles (%v)", len(cs), err)
		}
	}
	b.ReportMetric(float64(size)/1e6, "MB-on-disk")
}
