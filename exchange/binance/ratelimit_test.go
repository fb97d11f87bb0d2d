package binance

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestBackOffHonoured(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantWait   time.Duration
		wantBanned bool
	}{
		{"429 with Retry-After", 429, "7", 7 * time.Second, false},
		{"429 without Retry-After", 429, "", default429Wait, false},
		{"418 ban", 418, "120", 120 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			clock := newFakeClock(time.Now())
			var mu sync.Mutex
			limited := true
			rs.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if limited {
					limited = false
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					writeJSON(w, tt.status, `{"code":-1003,"msg":"Too many requests."}`)
					return
				}
				writeJSON(w, 200, `[]`)
			})
			c := rs.client(t, func(cfg *Config) { cfg.Clock = clock })
			ctx := context.Background()
			_, err := c.Candles(ctx, "BTCUSDT", time.Minute, 10)
			var rl *exchange.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != tt.wantWait || rl.Banned != tt.wantBanned {
				t.Fatalf("err = %v, want RateLimitError{%s, banned=%v}", err, tt.wantWait, tt.wantBanned)
			}
			if !errors.Is(err, exchange.ErrRateLimited) {
				t.Fatal("a rate-limit error must match ErrRateLimited")
			}
			st := c.RateState()
			if st.Banned != tt.wantBanned || !st.BannedUntil.Equal(clock.Now().Add(tt.wantWait).UTC()) {
				t.Fatalf("RateState = %+v", st)
			}
			// During the back-off nothing reaches the exchange, signed or not.
			clock.Advance(tt.wantWait - time.Second)
			for range 3 {
				_, err = c.Candles(ctx, "BTCUSDT", time.Minute, 10)
				if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
					t.Fatalf("during back-off: err = %v, want RateLimitError with 1s left", err)
				}
			}
			if _, err := c.Balances(ctx); !errors.As(err, &rl) {
				t.Fatalf("signed call during back-off: err = %v", err)
			}
			if n := len(rs.requests("")); n != 1 {
				t.Fatalf("%d requests reached the exchange, want 1", n)
			}
			clock.Advance(time.Second)
			if _, err := c.Candles(ctx, "BTCUSDT", time.Minute, 10); err != nil {
				t.Fatalf("after the back-off: %v", err)
			}
			if st := c.RateState(); !st.BannedUntil.IsZero() || st.Banned {
				t.Fatalf("RateState after back-off = %+v", st)
			}
		})
	}
}

func TestWeightNearLimitWaitsForNextMinute(t *testing.T) {
	rs := newRESTServer(t)
	// 20 s into a minute.
	start := time.Now().Truncate(time.Minute).Add(20 * time.Second)
	clock := newFakeClock(start)
	rs.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-MBX-USED-WEIGHT-1M", "100")
		writeJSON(w, 200, exchangeInfoJSON)
	})
	rs.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-MBX-USED-WEIGHT-1M", "5399")
		writeJSON(w, 200, `[]`)
	})
	c := rs.client(t, func(cfg *Config) { cfg.Clock = clock })
	var waits []time.Duration
	clock.onSleep = func(d time.Duration) {
		waits = append(waits, d)
		if n := len(rs.requests("")); n != 2 {
			t.Errorf("%d requests before the wait ended, want 2", n)
		}
	}
	ctx := context.Background()
	if _, err := c.Rules(ctx, "BTCUSDT"); err != nil {
		t.Fatal(err)
	}
	if st := c.RateState(); st.WeightLimit != 6000 || st.UsedWeight != 100 {
		t.Fatalf("RateState = %+v, want 100 of 6000", st)
	}
	if _, err := c.Candles(ctx, "BTCUSDT", time.Minute, 1); err != nil {
		t.Fatal(err)
	}
	if st := c.RateState(); st.UsedWeight != 5399 {
		t.Fatalf("used weight = %d, want 5399 from the header", st.UsedWeight)
	}
	if _, err := c.Candles(ctx, "BTCUSDT", time.Minute, 1); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] < 40*time.Second || waits[0] > 41*time.Second {
		t.Fatalf("waits = %v, want one wait of about 40 s (to the next minute)", waits)
	}
	if n := len(rs.requests("")); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestWeightWaitEndsWithContext(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-MBX-USED-WEIGHT-1M", "5990")
		writeJSON(w, 200, `[]`)
	})
	c := rs.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := c.Candles(ctx, "BTCUSDT", time.Minute, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err := c.Candles(ctx, "BTCUSDT", time.Minute, 1)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, exchange.ErrUnavailable) {
		t.Fatalf("err = %v, want context.Canceled and ErrUnavailable", err)
	}
}

func TestSharedLimitsStopEveryClient(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		writeJSON(w, 418, `{"code":-1003,"msg":"Way too much request weight used; IP banned."}`)
	})
	shared := NewLimits()
	market := rs.client(t, func(cfg *Config) { cfg.Limits = shared; cfg.Creds = nil })
	trader := rs.client(t, func(cfg *Config) { cfg.Limits = shared })
	own := rs.client(t)
	ctx := context.Background()
	if _, err := market.Candles(ctx, "BTCUSDT", time.Minute, 1); err == nil {
		t.Fatal("want the ban")
	}
	var rl *exchange.RateLimitError
	if _, err := trader.Balances(ctx); !errors.As(err, &rl) || !rl.Banned {
		t.Fatalf("trader sharing the limits: err = %v, want the IP ban", err)
	}
	if st := trader.RateState(); !st.Banned {
		t.Fatalf("trader RateState = %+v, want banned", st)
	}
	if n := len(rs.requests("")); n != 1 {
		t.Fatalf("%d requests, want only the one that got banned", n)
	}
	if st := own.RateState(); st.Banned {
		t.Fatal("a client with its own limits must not see another's ban")
	}
}
