package paper

import (
	"context"
	"database/sql"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

var start = map[string]decimal.Decimal{"USDT": d("10000"), "BTC": d("0.5")}

func TestMarketOrdersFillAtTouch(t *testing.T) {
	for _, tc := range []struct {
		name              string
		req               exchange.OrderRequest
		price, qty        string
		fee, feeAsset     string
		wantUSDT, wantBTC string
	}{
		{"buy quantity", market("a", exchange.Buy, "0.01"), "50000.1", "0.01", "0.00001", "BTC", "9499.999", "0.50999"},
		{"buy quote amount", marketQuote("b", exchange.Buy, "100"), "50000.1", "0.00199", "0.00000199", "BTC", "9900.499801", "0.50198801"},
		{"sell quantity", market("c", exchange.Sell, "0.1"), "50000", "0.1", "5", "USDT", "14995", "0.4"},
		{"sell quote amount", marketQuote("d", exchange.Sell, "1000"), "50000", "0.02", "1", "USDT", "10999", "0.48"},
		{"quantity rounds down to the step", market("e", exchange.Buy, "0.0100099"), "50000.1", "0.01", "0.00001", "BTC", "9499.999", "0.50999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, start)
			r.tick("50000.00", "50000.10")
			o := r.mustPlace(tc.req)
			if o.Status != exchange.StatusFilled || o.ExecutedQty.String() != tc.qty || len(o.Fills) != 1 || o.ExchangeID == 0 {
				t.Fatalf("order %+v, want filled %s in one fill", o, tc.qty)
			}
			f := o.Fills[0]
			if !f.Price.Equal(d(tc.price)) || !f.Qty.Equal(d(tc.qty)) || !f.Fee.Equal(d(tc.fee)) || f.FeeAsset != tc.feeAsset || f.TradeID == 0 {
				t.Fatalf("fill %+v, want %s at %s fee %s %s", f, tc.qty, tc.price, tc.fee, tc.feeAsset)
			}
			if value, _ := f.Price.Mul(f.Qty); !o.QuoteQty.Equal(value) {
				t.Fatalf("quote executed %s, want %s", o.QuoteQty, value)
			}
			r.wantBalance("USDT", tc.wantUSDT, "0")
			r.wantBalance("BTC", tc.wantBTC, "0")
			fills, err := r.acct.OrderFills(context.Background(), "BTCUSDT", tc.req.ClientID)
			if err != nil || len(fills) != 1 || fills[0] != f {
				t.Fatalf("stored fills %+v (%v), want %+v", fills, err, f)
			}
		})
	}
}

func TestMarketOrderNeedsAPrice(t *testing.T) {
	r := newRig(t, start)
	if _, err := r.place(market("a", exchange.Buy, "0.01")); !isErr(err, exchange.ErrUnavailable) {
		t.Fatalf("market order before any tick: %v, want ErrUnavailable", err)
	}
	// A trade-only feed is enough: the last price stands in for the book.
	r.acct.OnTick(exchange.Tick{Symbol: "BTCUSDT", Last: d("40000")})
	o := r.mustPlace(market("a", exchange.Buy, "0.01"))
	if !o.Fills[0].Price.Equal(d("40000")) {
		t.Fatalf("filled at %s, want the last price 40000", o.Fills[0].Price)
	}
}

func TestLimitOrdersLockAndFillWhenCrossed(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	buy := r.mustPlace(limit("buy", exchange.Buy, "0.01", "49000.009")) // rounds down to 49000.00
	sell := r.mustPlace(limit("sell", exchange.Sell, "0.2", "51000"))
	if buy.Status != exchange.StatusNew || !buy.Price.Equal(d("49000")) || sell.Status != exchange.StatusNew {
		t.Fatalf("orders %+v %+v, want resting", buy, sell)
	}
	r.wantBalance("USDT", "9510", "490")
	r.wantBalance("BTC", "0.3", "0.2")

	r.tick("49000.01", "49000.02") // close, not crossed
	if open, _ := r.acct.OpenOrders(context.Background(), ""); len(open) != 2 {
		t.Fatalf("%d open orders, want 2", len(open))
	}
	r.tick("48999.98", "48999.99") // ask below the buy: fills at 49000, the order's own price
	got, err := r.acct.GetOrder(context.Background(), "BTCUSDT", "buy")
	if err != nil || got.Status != exchange.StatusFilled || !got.QuoteQty.Equal(d("490")) {
		t.Fatalf("buy after crossing: %+v (%v)", got, err)
	}
	r.wantBalance("USDT", "9510", "0")
	r.wantBalance("BTC", "0.30999", "0.2") // 0.3 + 0.01 - 0.00001 fee

	r.tick("51000", "51000.01") // bid reaches the sell
	fills, err := r.acct.OrderFills(context.Background(), "BTCUSDT", "sell")
	if err != nil || len(fills) != 1 || !fills[0].Price.Equal(d("51000")) || !fills[0].Fee.Equal(d("10.2")) {
		t.Fatalf("sell fills %+v (%v), want one at 51000 with fee 10.2", fills, err)
	}
	r.wantBalance("USDT", "19699.8", "0") // 9510 + 10200 - 10.2
	r.wantBalance("BTC", "0.30999", "0")
	if open, _ := r.acct.OpenOrders(context.Background(), "BTCUSDT"); len(open) != 0 {
		t.Fatalf("open orders left: %+v", open)
	}
}

func TestMarketableLimitTradesAtOnce(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	o := r.mustPlace(limit("a", exchange.Buy, "0.01", "50500"))
	if o.Status != exchange.StatusFilled || !o.Fills[0].Price.Equal(d("50000.1")) {
		t.Fatalf("marketable buy %+v, want filled at the ask 50000.1", o)
	}
	r.wantBalance("USDT", "9499.999", "0")

	for _, tif := range []exchange.TimeInForce{exchange.IOC, exchange.FOK} {
		req := limit("ioc-"+string(tif), exchange.Buy, "0.01", "40000")
		req.TimeInForce = tif
		o := r.mustPlace(req)
		if o.Status != exchange.StatusExpired {
			t.Fatalf("%s limit away from the market: %s, want EXPIRED", tif, o.Status)
		}
	}
	r.wantBalance("USDT", "9499.999", "0")
}

func TestCancelReleasesFunds(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	r.mustPlace(limit("a", exchange.Buy, "0.012", "45000.5"))
	r.wantBalance("USDT", "9459.994", "540.006")
	o, err := r.acct.CancelOrder(context.Background(), "BTCUSDT", "a")
	if err != nil || o.Status != exchange.StatusCanceled {
		t.Fatalf("cancel: %+v (%v)", o, err)
	}
	r.wantBalance("USDT", "10000", "0")
	for _, tc := range []struct {
		symbol, id string
		want       error
	}{
		{"BTCUSDT", "a", exchange.ErrRejected}, // already cancelled
		{"BTCUSDT", "nope", exchange.ErrUnknownOrder},
		{"ETHUSDT", "a", exchange.ErrUnknownOrder}, // another symbol
	} {
		if _, err := r.acct.CancelOrder(context.Background(), tc.symbol, tc.id); !isErr(err, tc.want) {
			t.Errorf("cancel %s %s: %v, want %v", tc.symbol, tc.id, err, tc.want)
		}
	}
	if _, err := r.acct.GetOrder(context.Background(), "BTCUSDT", "nope"); !isErr(err, exchange.ErrUnknownOrder) {
		t.Errorf("GetOrder of a never placed order: %v", err)
	}
	if _, err := r.acct.OrderFills(context.Background(), "BTCUSDT", "nope"); !isErr(err, exchange.ErrUnknownOrder) {
		t.Errorf("OrderFills of a never placed order: %v", err)
	}
}

func TestRefusedOrdersLeaveNoTrace(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  exchange.OrderRequest
		want error
	}{
		{"empty client id", limit("", exchange.Buy, "0.01", "40000"), exchange.ErrRejected},
		{"client id too long", limit(string(make([]byte, 65)), exchange.Buy, "0.01", "40000"), exchange.ErrRejected},
		{"quantity under the step", limit("a", exchange.Buy, "0.000001", "40000"), exchange.ErrFilter},
		{"value under min notional", limit("a", exchange.Buy, "0.0001", "40000"), exchange.ErrFilter},
		{"zero price", limit("a", exchange.Buy, "0.01", "0"), exchange.ErrFilter},
		{"bad side", limit("a", "HOLD", "0.01", "40000"), exchange.ErrFilter},
		{"quote amount on a limit", func() exchange.OrderRequest {
			q := limit("a", exchange.Buy, "0.01", "40000")
			q.QuoteQty = d("100")
			return q
		}(), exchange.ErrFilter},
		{"market under min notional", market("a", exchange.Buy, "0.00001"), exchange.ErrFilter},
		{"market quote amount under min notional", marketQuote("a", exchange.Buy, "4"), exchange.ErrFilter},
		{"limit buy beyond the quote balance", limit("a", exchange.Buy, "1", "40000"), exchange.ErrInsufficientBalance},
		{"limit sell beyond the base balance", limit("a", exchange.Sell, "0.50001", "60000"), exchange.ErrInsufficientBalance},
		{"market buy beyond the quote balance", marketQuote("a", exchange.Buy, "10001"), exchange.ErrInsufficientBalance},
		{"market sell beyond the base balance", market("a", exchange.Sell, "0.6"), exchange.ErrInsufficientBalance},
		{"nonsense symbol", exchange.OrderRequest{ClientID: "a", Symbol: "btc", Side: exchange.Buy, Type: exchange.Market, Quantity: d("1")}, exchange.ErrFilter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, start)
			r.tick("50000.00", "50000.10")
			before := r.balances()
			_, err := r.place(tc.req)
			if err == nil || (tc.want != nil && !isErr(err, tc.want)) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if after := r.balances(); len(after) != len(before) || after["USDT"] != before["USDT"] || after["BTC"] != before["BTC"] {
				t.Fatalf("balances moved from %v to %v", before, after)
			}
			if _, err := r.acct.GetOrder(context.Background(), tc.req.Symbol, tc.req.ClientID); !isErr(err, exchange.ErrUnknownOrder) {
				t.Fatalf("refused order is known: %v", err)
			}
		})
	}
}

func TestDuplicateClientID(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	r.mustPlace(limit("rest", exchange.Buy, "0.01", "40000"))
	r.mustPlace(market("done", exchange.Buy, "0.01"))
	for _, id := range []string{"rest", "done"} {
		if _, err := r.place(limit(id, exchange.Buy, "0.01", "41000")); !isErr(err, exchange.ErrRejected) {
			t.Errorf("second order %s: %v, want ErrRejected", id, err)
		}
	}
	r.wantBalance("USDT", "9099.999", "400") // only the first two orders moved money
}

// Placements of one client id at once, market and limit: exactly one is taken, whether the
// others find it being saved or already in the file.
func TestConcurrentDuplicateClientID(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	for _, req := range []exchange.OrderRequest{market("m", exchange.Buy, "0.001"), limit("l", exchange.Buy, "0.001", "40000")} {
		const n = 8
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := r.place(req)
				errs <- err
			}()
		}
		taken := 0
		for range n {
			switch err := <-errs; {
			case err == nil:
				taken++
			case !isErr(err, exchange.ErrRejected):
				t.Fatalf("%s: %v, want ErrRejected for the copies", req.ClientID, err)
			}
		}
		if taken != 1 {
			t.Fatalf("%s: %d of %d placements taken, want 1", req.ClientID, taken, n)
		}
	}
	r.wantBalance("USDT", "9909.9999", "40") // one market buy of 0.001 at 50000.10, one buy of 0.001 resting at 40000
}

// A placement's lookup of its client id in the file does not hold the account's lock: a tick
// that comes while the lookup waits for the database is matched at once.
func TestTickDoesNotWaitForAPlacementsLookup(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	r.mustPlace(limit("rest", exchange.Buy, "0.01", "49000"))
	ctx := context.Background()
	r.db.SetMaxOpenConns(1)
	conn, err := r.db.Conn(ctx) // the only connection: the lookup waits for it
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	placed := make(chan error, 1)
	go func() {
		_, err := r.place(limit("new", exchange.Buy, "0.01", "45000"))
		placed <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); r.db.Stats().WaitCount == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the placement never asked the database for its client id")
		}
		runtime.Gosched()
	}
	ticked := make(chan struct{})
	go func() {
		r.tick("48999.00", "48999.10") // crosses rest
		close(ticked)
	}()
	select {
	case <-ticked:
	case <-time.After(10 * time.Second):
		t.Fatal("the tick waited for the placement's lookup")
	}
	r.wantBalance("USDT", "9510", "0") // rest filled in memory; new not placed yet
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-placed; err != nil {
		t.Fatalf("placing once the database is free: %v", err)
	}
	r.wantBalance("USDT", "9060", "450")
}

func TestDefaultsAndBadOptions(t *testing.T) {
	r := newRig(t, nil)
	if r.acct.Name() != DefaultName {
		t.Fatalf("name %q", r.acct.Name())
	}
	r.wantBalance("USDT", "10000", "0")
	r.tick("50000.00", "50000.10")
	o := r.mustPlace(market("a", exchange.Buy, "0.1"))
	if !o.Fills[0].Fee.Equal(d("0.0001")) {
		t.Fatalf("default fee %s, want 0.1%% of 0.1", o.Fills[0].Fee)
	}

	rules := sim.New(sim.Options{})
	free, err := New(context.Background(), r.db, Options{Name: "free", Rules: rules, NoFee: true, FeeRate: d("0.5")})
	if err != nil {
		t.Fatal(err)
	}
	defer free.Close()
	free.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d("50000"), Ask: d("50000")})
	if o, err := free.PlaceOrder(context.Background(), market("a", exchange.Buy, "0.1")); err != nil || !o.Fills[0].Fee.IsZero() {
		t.Fatalf("fee-free account: %+v (%v)", o, err)
	}

	for _, tc := range []struct {
		name string
		db   *sql.DB
		opts Options
	}{
		{"no database", nil, Options{Rules: rules}},
		{"no rules", r.db, Options{}},
		{"negative fee", r.db, Options{Rules: rules, FeeRate: d("-0.001")}},
		{"fee of 100%", r.db, Options{Rules: rules, FeeRate: d("1")}},
		{"negative balance", r.db, Options{Rules: rules, Name: "x", StartingBalances: map[string]decimal.Decimal{"USDT": d("-1")}}},
		{"unnamed asset", r.db, Options{Rules: rules, Name: "x", StartingBalances: map[string]decimal.Decimal{"": d("1")}}},
		{"long name", r.db, Options{Rules: rules, Name: strings.Repeat("n", 65)}},
	} {
		if _, err := New(context.Background(), tc.db, tc.opts); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
