package fake

import (
	"net/url"
	"testing"
	"time"
)

func TestPublicEndpoints(t *testing.T) {
	clk := NewClock(time.Date(2026, 3, 1, 12, 30, 15, 0, time.UTC))
	s := start(t, Options{Clock: clk})
	c := newClient(t, s)
	if m := c.public("/api/v3/time", nil).json(t); m["serverTime"] != float64(clk.Now().UnixMilli()) {
		t.Errorf("time = %v", m)
	}
	var info struct {
		RateLimits []struct {
			RateLimitType string
			Limit         int
		}
		Symbols []struct {
			Symbol, Status, BaseAsset, QuoteAsset string
			Filters                               []map[string]any
		}
	}
	decode(t, c.public("/api/v3/exchangeInfo", nil).body, &info)
	if len(info.Symbols) != 4 || info.RateLimits[0].RateLimitType != "REQUEST_WEIGHT" || info.RateLimits[0].Limit != 6000 {
		t.Fatalf("exchangeInfo = %+v", info)
	}
	kinds := map[string]map[string]any{}
	for _, f := range info.Symbols[0].Filters {
		kinds[f["filterType"].(string)] = f
	}
	if kinds["PRICE_FILTER"]["tickSize"] != "0.01000000" || kinds["LOT_SIZE"]["stepSize"] != "0.00001000" || kinds["NOTIONAL"]["minNotional"] != "5.00000000" || kinds["MARKET_LOT_SIZE"] == nil {
		t.Errorf("BTCUSDT filters = %v", kinds)
	}
	bnb := info.Symbols[3]
	hasLegacy := false
	for _, f := range bnb.Filters {
		hasLegacy = hasLegacy || f["filterType"] == "MIN_NOTIONAL"
		if f["filterType"] == "NOTIONAL" {
			t.Errorf("BNBUSDT lists NOTIONAL; want only MIN_NOTIONAL")
		}
	}
	if !hasLegacy || bnb.BaseAsset != "BNB" || bnb.QuoteAsset != "USDT" || bnb.Status != "TRADING" {
		t.Errorf("BNBUSDT = %+v", bnb)
	}
	if r := c.public("/api/v3/exchangeInfo", url.Values{"symbol": {"NOPE"}}); r.code() != -1121 {
		t.Errorf("unknown symbol: %d %s", r.status, r.body)
	}
	if m := c.public("/api/v3/ticker/bookTicker", url.Values{"symbol": {"ETHUSDT"}}).json(t); m["bidPrice"] != "2999.99000000" || m["askPrice"] != "3000.01000000" {
		t.Errorf("bookTicker = %v", m)
	}
}

func TestKlines(t *testing.T) {
	clk := NewClock(time.Date(2026, 3, 1, 12, 30, 15, 0, time.UTC))
	s := start(t, Options{Clock: clk})
	c := newClient(t, s)
	if err := s.SetPrice("BTCUSDT", "61000"); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	decode(t, c.public("/api/v3/klines", url.Values{"symbol": {"BTCUSDT"}, "interval": {"1m"}, "limit": {"5"}}).body, &rows)
	if len(rows) != 5 {
		t.Fatalf("got %d rows, want 5", len(rows))
	}
	last := rows[4]
	if int64(last[0].(float64)) != time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC).UnixMilli() || last[4] != "61000.00000000" || last[8] != float64(1) {
		t.Errorf("live candle = %v", last)
	}
	if int64(last[6].(float64)) != time.Date(2026, 3, 1, 12, 30, 59, 999e6, time.UTC).UnixMilli() {
		t.Errorf("close time = %v", last[6])
	}
	for i := 1; i < len(rows); i++ {
		if rows[i][0].(float64)-rows[i-1][0].(float64) != 60000 {
			t.Errorf("rows %d and %d are not a minute apart", i-1, i)
		}
	}
	// History is stable across calls.
	var again [][]any
	decode(t, c.public("/api/v3/klines", url.Values{"symbol": {"BTCUSDT"}, "interval": {"1m"}, "limit": {"5"}}).body, &again)
	for i := 0; i < 4; i++ {
		if rows[i][4] != again[i][4] {
			t.Errorf("row %d changed between calls: %v vs %v", i, rows[i], again[i])
		}
	}
	var hours [][]any
	decode(t, c.public("/api/v3/klines", url.Values{"symbol": {"ETHUSDT"}, "interval": {"1h"}, "startTime": {"1772359200000"}, "limit": {"3"}}).body, &hours)
	if len(hours) != 3 || int64(hours[0][0].(float64)) != 1772359200000 || hours[2][4] != "3000.00000000" {
		t.Errorf("1h from startTime = %v", hours)
	}
	for _, bad := range []url.Values{
		{"symbol": {"BTCUSDT"}, "interval": {"7m"}},
		{"symbol": {"BTCUSDT"}},
		{"symbol": {"BTCUSDT"}, "interval": {"1m"}, "limit": {"1001"}},
	} {
		if r := c.public("/api/v3/klines", bad); r.status != 400 {
			t.Errorf("klines %v: %d %s, want 400", bad, r.status, r.body)
		}
	}
}

// TestKlinesFollowLiveTrading: history ends at the starting price, and candles since the start
// come from trades, flat where nothing traded, in every interval.
func TestKlinesFollowLiveTrading(t *testing.T) {
	clk := NewClock(time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC))
	s := start(t, Options{Clock: clk})
	c := newClient(t, s)
	clk.Advance(10 * time.Second) // 12:00:40
	_ = s.SetPrice("BTCUSDT", "61000")
	clk.Advance(2 * time.Minute) // 12:02:40; nothing traded in 12:01
	_ = s.SetPrice("BTCUSDT", "59000")
	_ = s.SetPrice("BTCUSDT", "59500")
	clk.Advance(30 * time.Second) // 12:03:10
	var rows [][]any
	decode(t, c.public("/api/v3/klines", url.Values{"symbol": {"BTCUSDT"}, "interval": {"1m"}, "limit": {"5"}}).body, &rows)
	type ohlc struct{ o, h, l, c string }
	got := make([]ohlc, len(rows))
	for i, r := range rows {
		got[i] = ohlc{r[1].(string), r[2].(string), r[3].(string), r[4].(string)}
	}
	want := []ohlc{
		{o: got[0].o, h: got[0].h, l: got[0].l, c: "60000.00000000"},             // 11:59, synthetic, closes at the start price
		{"61000.00000000", "61000.00000000", "61000.00000000", "61000.00000000"}, // 12:00: one trade; a candle opens at its first trade
		{"61000.00000000", "61000.00000000", "61000.00000000", "61000.00000000"}, // 12:01, flat
		{"59000.00000000", "59500.00000000", "59000.00000000", "59500.00000000"}, // 12:02
		{"59500.00000000", "59500.00000000", "59500.00000000", "59500.00000000"}, // 12:03, flat at the current price
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("minute %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	var hour [][]any
	decode(t, c.public("/api/v3/klines", url.Values{"symbol": {"BTCUSDT"}, "interval": {"1h"}, "limit": {"2"}}).body, &hour)
	if h := hour[1]; h[1] != "61000.00000000" || h[2] != "61000.00000000" || h[3] != "59000.00000000" || h[4] != "59500.00000000" || h[8] != float64(3) {
		t.Errorf("12:00 hour = %v, want o 61000 h 61000 l 59000 c 59500 from 3 trades", h)
	}
	if hour[0][4] != "60000.00000000" {
		t.Errorf("11:00 hour closes at %v, want the start price", hour[0][4])
	}
}
