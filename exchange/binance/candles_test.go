package binance

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestCandles(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `[[1764369600000,"64000.01","64100.00","63900.50","64050.25","12.345",1764369899999,"790000.1",1500,"6.1","390000.0","0"],
[1764369900000,"64050.25","64060.00","64000.00","64010.00","3.2",1764370199999,"204800.0",300,"1.6","102400.0","0"]]`)
	})
	c := rs.client(t, func(cfg *Config) { cfg.Creds = nil })
	got, err := c.Candles(context.Background(), "btcusdt", 5*time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Open.Equal(time.UnixMilli(1764369600000)) || got[0].Open.Location() != time.UTC {
		t.Fatalf("candles = %+v", got)
	}
	eq(t, "open", got[0].O, "64000.01")
	eq(t, "high", got[0].H, "64100")
	eq(t, "low", got[0].L, "63900.5")
	eq(t, "close", got[1].C, "64010")
	eq(t, "volume", got[1].Volume, "3.2")
	q := rs.requests("/api/v3/klines")[0].Query
	if q.Get("interval") != "5m" || q.Get("symbol") != "BTCUSDT" || q.Get("limit") != "2" || q.Has("signature") {
		t.Fatalf("query = %v (public data must not be signed)", q)
	}
}

func TestCandlesRejects(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		body     string
		want     error
	}{
		{"unsupported interval", 7 * time.Minute, `[]`, exchange.ErrRejected},
		{"short row", time.Minute, `[[1,"1","2"]]`, nil},
		{"bad decimal", time.Minute, `[[1,"x","2","3","4","5"]]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			rs.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) })
			c := rs.client(t)
			_, err := c.Candles(context.Background(), "BTCUSDT", tt.interval, 10)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want an error (%v)", err, tt.want)
			}
		})
	}
}

func TestKlineIntervals(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Minute: "1m", 15 * time.Minute: "15m", 4 * time.Hour: "4h", 24 * time.Hour: "1d", 7 * 24 * time.Hour: "1w"} {
		if got, ok := klineInterval(d); !ok || got != want {
			t.Errorf("klineInterval(%s) = %q, %v; want %q", d, got, ok, want)
		}
	}
}
