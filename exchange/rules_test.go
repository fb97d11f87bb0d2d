package exchange

import (
	"errors"
	"strings"
	"testing"

	"github.com/govalues/decimal"
)

func d(s string) decimal.Decimal {
	if s == "" {
		return decimal.Decimal{}
	}
	return decimal.MustParse(s)
}

func btcRules() Rules {
	return Rules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Status: "TRADING",
		TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
		StepSize: d("0.00001"), MinQty: d("0.00001"), MaxQty: d("9000"),
		MarketStepSize: d("0.0001"), MarketMaxQty: d("100"),
		MinNotional: d("5"), ApplyMinToMarket: true,
	}
}

func TestRoundPrice(t *testing.T) {
	r := btcRules()
	tests := []struct {
		in   string
		side Side
		want string
	}{
		{"97123.456789", Buy, "97123.45"},
		{"97123.456789", Sell, "97123.46"},
		{"97123.45", Buy, "97123.45"},
		{"97123.45", Sell, "97123.45"},
		{"97123.4500000", Sell, "97123.45"},
		{"0.001", Buy, "0"},
		{"0.001", Sell, "0.01"},
	}
	for _, tt := range tests {
		got := r.RoundPrice(d(tt.in), tt.side)
		if got.Cmp(d(tt.want)) != 0 {
			t.Errorf("RoundPrice(%s, %s) = %s, want %s", tt.in, tt.side, got, tt.want)
		}
	}
}

func TestRoundQty(t *testing.T) {
	r := btcRules()
	tests := []struct {
		in   string
		typ  OrderType
		want string
	}{
		{"0.123456789", Limit, "0.12345"},
		{"0.123456789", Market, "0.1234"},
		{"0.00000999", Limit, "0"},
		{"1", Limit, "1"},
		{"1.000000000000", Limit, "1"},
	}
	for _, tt := range tests {
		got := r.RoundQty(d(tt.in), tt.typ)
		if got.Cmp(d(tt.want)) != 0 {
			t.Errorf("RoundQty(%s, %s) = %s, want %s", tt.in, tt.typ, got, tt.want)
		}
	}
}

func TestRoundToOddStep(t *testing.T) {
	// Steps that are not powers of ten exist (e.g. tick 0.05).
	got := roundToStep(d("1.12"), d("0.05"), false)
	if got.Cmp(d("1.10")) != 0 {
		t.Errorf("down: got %s, want 1.10", got)
	}
	got = roundToStep(d("1.12"), d("0.05"), true)
	if got.Cmp(d("1.15")) != 0 {
		t.Errorf("up: got %s, want 1.15", got)
	}
}

func TestNormalize(t *testing.T) {
	r := btcRules()
	tests := []struct {
		name      string
		req       OrderRequest
		ref       string
		rules     func(*Rules)
		wantPrice string
		wantQty   string
		wantErr   string // substring; "" means success
	}{
		{name: "limit rounded", req: OrderRequest{Side: Buy, Type: Limit, Price: d("97123.456"), Quantity: d("0.0012345678")},
			wantPrice: "97123.45", wantQty: "0.00123"},
		{name: "limit sell rounds price up", req: OrderRequest{Side: Sell, Type: Limit, Price: d("97123.451"), Quantity: d("0.001")},
			wantPrice: "97123.46", wantQty: "0.001"},
		{name: "limit below min notional", req: OrderRequest{Side: Buy, Type: Limit, Price: d("100"), Quantity: d("0.01")},
			wantErr: "order value 1.00 USDT is below the minimum 5"},
		{name: "notional shown rounded", req: OrderRequest{Side: Buy, Type: Limit, Price: d("68302.13"), Quantity: d("0.00001")},
			wantErr: "order value 0.68 USDT is below the minimum 5"},
		{name: "qty rounds to zero", req: OrderRequest{Side: Buy, Type: Limit, Price: d("100"), Quantity: d("0.000001")},
			wantErr: "rounds to zero"},
		{name: "qty above max", req: OrderRequest{Side: Buy, Type: Limit, Price: d("100"), Quantity: d("9001")},
			wantErr: "above the maximum 9000"},
		{name: "price above max", req: OrderRequest{Side: Buy, Type: Limit, Price: d("2000000"), Quantity: d("1")},
			wantErr: "above the maximum 1000000"},
		{name: "limit needs price", req: OrderRequest{Side: Buy, Type: Limit, Quantity: d("1")},
			wantErr: "needs a price"},
		{name: "negative qty", req: OrderRequest{Side: Buy, Type: Limit, Price: d("100"), Quantity: d("-1")},
			wantErr: "above zero"},
		{name: "market uses market step", req: OrderRequest{Side: Buy, Type: Market, Quantity: d("0.123456")}, ref: "100",
			wantQty: "0.1234"},
		{name: "market notional against ref", req: OrderRequest{Side: Buy, Type: Market, Quantity: d("0.001")}, ref: "100",
			wantErr: "below the minimum"},
		{name: "market quote qty ok", req: OrderRequest{Side: Buy, Type: Market, QuoteQty: d("25")}, ref: "100"},
		{name: "market quote qty too small", req: OrderRequest{Side: Buy, Type: Market, QuoteQty: d("1")},
			wantErr: "below the minimum"},
		{name: "market both", req: OrderRequest{Side: Buy, Type: Market, QuoteQty: d("25"), Quantity: d("1")},
			wantErr: "not both"},
		{name: "market above market max qty", req: OrderRequest{Side: Sell, Type: Market, Quantity: d("101")}, ref: "100",
			wantErr: "above the maximum 100"},
		{name: "not trading", req: OrderRequest{Side: Buy, Type: Limit, Price: d("100"), Quantity: d("1")},
			rules: func(r *Rules) { r.Status = "BREAK" }, wantErr: "not trading"},
		{name: "bad side", req: OrderRequest{Side: "HOLD", Type: Limit, Price: d("100"), Quantity: d("1")},
			wantErr: "BUY or SELL"},
		{name: "bad type", req: OrderRequest{Side: Buy, Type: "STOP", Price: d("100"), Quantity: d("1")},
			wantErr: "LIMIT or MARKET"},
		{name: "min notional not applied to market", req: OrderRequest{Side: Buy, Type: Market, Quantity: d("0.001")}, ref: "100",
			rules: func(r *Rules) { r.ApplyMinToMarket = false }, wantQty: "0.001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := r
			if tt.rules != nil {
				tt.rules(&rr)
			}
			got, err := rr.Normalize(tt.req, d(tt.ref))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got %+v, want error containing %q", got, tt.wantErr)
				}
				if !errors.Is(err, ErrFilter) {
					t.Errorf("error %v does not wrap ErrFilter", err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantPrice != "" && got.Price.Cmp(d(tt.wantPrice)) != 0 {
				t.Errorf("price = %s, want %s", got.Price, tt.wantPrice)
			}
			if tt.wantQty != "" && got.Quantity.Cmp(d(tt.wantQty)) != 0 {
				t.Errorf("quantity = %s, want %s", got.Quantity, tt.wantQty)
			}
			if tt.req.Type == Limit && got.TimeInForce != GTC {
				t.Errorf("time in force = %q, want GTC by default", got.TimeInForce)
			}
		})
	}
}

func TestOrderStatusFinal(t *testing.T) {
	for s, want := range map[OrderStatus]bool{
		StatusNew: false, StatusPartiallyFilled: false, StatusFilled: true,
		StatusCanceled: true, StatusRejected: true, StatusExpired: true,
	} {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v, want %v", s, !want, want)
		}
	}
}

func TestErrorsMatchSentinels(t *testing.T) {
	var err error = &RateLimitError{RetryAfter: 5e9}
	if !errors.Is(err, ErrRateLimited) {
		t.Error("RateLimitError does not match ErrRateLimited")
	}
	err = &APIError{Code: -2010, Msg: "Account has insufficient balance", Kind: ErrInsufficientBalance}
	if !errors.Is(err, ErrInsufficientBalance) {
		t.Error("APIError does not unwrap to its kind")
	}
}
