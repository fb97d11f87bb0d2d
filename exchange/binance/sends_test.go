package binance

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// sendLog records what OnSend heard, and how many new-order requests the fake had received
// at that moment (the report must come before the request leaves).
type sendLog struct {
	srv    *fake.Server
	sends  []exchange.SignedSend
	before []int
	fail   error
}

func (l *sendLog) onSend(_ context.Context, s exchange.SignedSend) error {
	l.sends = append(l.sends, s)
	l.before = append(l.before, len(l.srv.NewOrderIDs()))
	return l.fail
}

// Every signed send of an order is reported before it leaves, with the timestamp actually
// signed, the receive window and the clock's uncertainty; the resend after -1021 too; slow
// steps before signing (a slow clock sync, a wait for the weight budget) move the timestamp.
func TestPlaceOrderReportsEverySend(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		recvWindow time.Duration
		inject     func(*fake.Server)
		wantSends  int
		minSigned  time.Duration // the last send's timestamp is at least t0 + this
	}{
		{"one send", 0, func(*fake.Server) {}, 1, 0},
		{"-1021: resynchronised and sent again", 0, func(s *fake.Server) { s.ClockSkewNext(1) }, 2, 0},
		// The slow answer skews the offset by half its delay: the first send's timestamp is
		// ahead of the exchange's clock, refused (-1021), and sent again after a new sync.
		{"slow clock sync before signing", 0, func(s *fake.Server) { s.SlowNext("/api/v3/time", 1, 4*time.Second) }, 2, 4 * time.Second},
		{"weight budget wait before signing", 0, func(s *fake.Server) { s.UseWeight(5950) }, 1, 59 * time.Second},
		{"its own receive window", 20 * time.Second, func(*fake.Server) {}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := fake.NewClock(t0)
			srv, c := fakeExchange(t, fake.Options{Clock: clk}, func(cfg *Config) {
				cfg.Clock, cfg.RecvWindow = clk, tc.recvWindow
			})
			ctx := context.Background()
			if _, err := c.Rules(ctx, "BTCUSDT"); err != nil {
				t.Fatal(err)
			}
			tc.inject(srv)
			log := &sendLog{srv: srv}
			req := limitBuy("qd-send-1", "61000", "0.001")
			req.OnSend = log.onSend
			if _, err := c.PlaceOrder(ctx, req); err != nil {
				t.Fatal(err)
			}
			if len(log.sends) != tc.wantSends {
				t.Fatalf("%d sends reported, want %d: %+v", len(log.sends), tc.wantSends, log.sends)
			}
			window := tc.recvWindow
			if window == 0 {
				window = defaultRecvWindow
			}
			for i, s := range log.sends {
				if log.before[i] != i {
					t.Errorf("send %d reported after %d requests had reached the exchange, want %d", i, log.before[i], i)
				}
				if s.ClientID != "qd-send-1" || s.RecvWindow != window || s.Uncertainty < time.Millisecond {
					t.Errorf("send %d = %+v", i, s)
				}
			}
			last := log.sends[len(log.sends)-1]
			if last.Timestamp.Before(t0.Add(tc.minSigned)) {
				t.Errorf("signed at %s, want at least %s after the call began", last.Timestamp, tc.minSigned)
			}
			if last.Timestamp.After(clk.Now()) {
				t.Errorf("signed at %s, after the call ended at %s", last.Timestamp, clk.Now())
			}
			// The exchange refuses the request by ExpiresLocal at the latest.
			if exp := last.ExpiresLocal(); exp.Before(last.Timestamp.Add(window).Add(-last.Offset)) {
				t.Errorf("expires at %s, before timestamp + window by the local clock", exp)
			}
		})
	}
}

// A send the caller could not record does not leave, and the error is the caller's.
func TestPlaceOrderNotSentWhenReportFails(t *testing.T) {
	srv, c := fakeExchange(t, fake.Options{})
	ctx := context.Background()
	errDisk := errors.New("disk full")
	log := &sendLog{srv: srv, fail: errDisk}
	req := limitBuy("qd-send-2", "61000", "0.001")
	req.OnSend = log.onSend
	_, err := c.PlaceOrder(ctx, req)
	if !errors.Is(err, errDisk) || errors.Is(err, exchange.ErrAmbiguous) {
		t.Fatalf("err = %v, want the report's error and not ambiguous", err)
	}
	if n := countRequests(srv, http.MethodPost, "/api/v3/order"); n != 0 {
		t.Fatalf("%d new-order requests reached the exchange, want none", n)
	}
}

// The uncertainty grows with the time since the clock was measured.
func TestClockUncertaintyGrowsWithDrift(t *testing.T) {
	clk := fake.NewClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	_, c := fakeExchange(t, fake.Options{Clock: clk}, func(cfg *Config) { cfg.Clock = clk })
	if err := c.SyncTime(context.Background()); err != nil {
		t.Fatal(err)
	}
	u0 := c.ClockUncertainty()
	clk.Advance(time.Hour)
	if u1 := c.ClockUncertainty(); u1-u0 != time.Hour/driftDivisor {
		t.Fatalf("uncertainty %s after an hour, %s at the sync; want %s more", u1, u0, time.Hour/driftDivisor)
	}
}

// Against the fake exchange: "execution status unknown" and unknown codes come back from
// PlaceOrder as ambiguous whatever the HTTP status, and the order is found by lookup when it
// was placed.
func TestPlaceOrderAmbiguousAnswers(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		code       int
		afterApply bool
		wantKind   error
	}{
		{"-1006 on a 400, placed", 400, -1006, true, exchange.ErrAmbiguous},
		{"-1007 on a 408, placed", 408, -1007, true, exchange.ErrAmbiguous},
		{"-1007 on a 400, not placed", 400, -1007, false, exchange.ErrAmbiguous},
		{"unknown code on a 400, placed", 400, -1999, true, exchange.ErrAmbiguous},
		{"unknown code on a 409", 409, -3001, false, exchange.ErrAmbiguous},
		{"known rejection stays definite", 400, -2010, false, exchange.ErrRejected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := fakeExchange(t, fake.Options{})
			ctx := context.Background()
			srv.AnswerOrderNext(tc.status, tc.code, "An answer.", tc.afterApply)
			_, err := c.PlaceOrder(ctx, limitBuy("qd-amb-1", "61000", "0.001"))
			if !errors.Is(err, tc.wantKind) {
				t.Fatalf("err = %v, want %v", err, tc.wantKind)
			}
			if tc.wantKind != exchange.ErrAmbiguous && errors.Is(err, exchange.ErrAmbiguous) {
				t.Fatalf("err = %v is ambiguous, want definite", err)
			}
			_, gerr := c.GetOrder(ctx, "BTCUSDT", "qd-amb-1")
			if placed := gerr == nil; placed != tc.afterApply {
				t.Fatalf("lookup: %v, want placed=%v", gerr, tc.afterApply)
			}
		})
	}
}
