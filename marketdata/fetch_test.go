package marketdata

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/fake"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// A fetch from the local fake Binance (through the real client, pages of 1000) stores every
// closed candle of the range once; run again it resumes where it stopped and asks for nothing
// it has.
func TestFetchFromFakeBinance(t *testing.T) {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := binance.New(binance.Config{Name: "binance", RESTURL: srv.URL(), WSURL: srv.WSURL()})
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	from := now.Add(-50 * time.Hour).Truncate(time.Hour)
	to := from.Add(40 * time.Hour) // 2400 candles: three pages
	var calls int
	res, err := s.Fetch(ctx, c, FetchOptions{Symbol: "BTCUSDT", Interval: time.Minute, From: from, To: to, Now: now,
		Progress: func(reached, end time.Time) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2400 || res.Pages != 3 || calls != 3 || len(res.Gaps) != 0 {
		t.Fatalf("fetch = %+v with %d progress calls, want 2400 candles in 3 pages", res, calls)
	}
	got, err := s.Load(ctx, "BTCUSDT", time.Minute, from, to)
	if err != nil || len(got) != 2400 || !got[0].Open.Equal(from) {
		t.Fatalf("stored %d (%v)", len(got), err)
	}
	res, err = s.Fetch(ctx, c, FetchOptions{Symbol: "BTCUSDT", Interval: time.Minute, From: from, To: to.Add(10 * time.Minute), Now: now})
	if err != nil || res.Added != 10 || res.Pages != 1 || !res.From.Equal(to) {
		t.Fatalf("resumed fetch = %+v (%v), want the 10 new candles from %s in one page", res, err, to)
	}
}

// pagerFunc adapts a function to Pager.
type pagerFunc func(ctx context.Context, symbol string, iv time.Duration, from, to time.Time, limit int) ([]exchange.Candle, error)

func (f pagerFunc) CandlesBetween(ctx context.Context, symbol string, iv time.Duration, from, to time.Time, limit int) ([]exchange.Candle, error) {
	return f(ctx, symbol, iv, from, to, limit)
}

// A fetch that fails midway keeps the pages it saved, says how to resume, and the next run
// continues from there; the simulated market's history is the same whichever pieces are asked.
func TestFetchResumesAfterFailure(t *testing.T) {
	m := sim.New(sim.Options{Seed: 3})
	s := openStore(t)
	ctx := context.Background()
	now := jan1.Add(72 * time.Hour)
	pages := 0
	failing := pagerFunc(func(ctx context.Context, symbol string, iv time.Duration, from, to time.Time, limit int) ([]exchange.Candle, error) {
		pages++
		if pages == 3 {
			return nil, errors.New("connection reset")
		}
		return m.CandlesBetween(ctx, symbol, iv, from, to, limit)
	})
	opts := FetchOptions{Symbol: "BTCUSDT", Interval: time.Minute, From: jan1, To: jan1.Add(48 * time.Hour), Now: now}
	if _, err := s.Fetch(ctx, failing, opts); err == nil {
		t.Fatal("a failed page was not reported")
	}
	res, err := s.Fetch(ctx, m, opts)
	if err != nil || !res.From.Equal(jan1.Add(2000*time.Minute)) || res.Added != 2880-2000 {
		t.Fatalf("resume = %+v (%v), want it to start after the 2000 saved", res, err)
	}
	got, _ := s.Load(ctx, "BTCUSDT", time.Minute, jan1, jan1.Add(48*time.Hour))
	whole, err := m.CandlesBetween(ctx, "BTCUSDT", time.Minute, jan1, jan1.Add(48*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := m.CandlesBetween(ctx, "BTCUSDT", time.Minute, whole[len(whole)-1].Open.Add(time.Minute), jan1.Add(48*time.Hour), 0)
	whole = append(whole, rest...)
	for len(whole) < 2880 {
		more, _ := m.CandlesBetween(ctx, "BTCUSDT", time.Minute, whole[len(whole)-1].Open.Add(time.Minute), jan1.Add(48*time.Hour), 0)
		whole = append(whole, more...)
	}
	sameCandles(t, got, whole)
}
