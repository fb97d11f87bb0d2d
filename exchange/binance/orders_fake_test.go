package binance

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// fakeExchange starts the fake Binance server with one funded trade-only key and a client for it.
func fakeExchange(t *testing.T, opts fake.Options, mut ...func(*Config)) (*fake.Server, *Client) {
	t.Helper()
	srv, err := fake.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if err := srv.AddKey(testKey, testSecret, fake.TradeOnly(), map[string]string{"USDT": "10000", "BTC": "1"}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Name: Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL(), Creds: &staticCreds{key: testKey, secret: testSecret}}
	for _, m := range mut {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// countRequests counts recorded requests to method and path.
func countRequests(srv *fake.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func TestFakeOrderLifecycle(t *testing.T) {
	srv, c := fakeExchange(t, fake.Options{})
	ctx := context.Background()

	placed, err := c.PlaceOrder(ctx, limitBuy("qd-life-1", "59000.004", "0.0010009"))
	if err != nil {
		t.Fatal(err)
	}
	if placed.Status != exchange.StatusNew || placed.ClientID != "qd-life-1" || placed.ExchangeID == 0 {
		t.Fatalf("placed = %+v", placed)
	}
	eq(t, "price", placed.Price, "59000")
	eq(t, "quantity", placed.Quantity, "0.001")

	got, err := c.GetOrder(ctx, "BTCUSDT", "qd-life-1")
	if err != nil || got.ExchangeID != placed.ExchangeID || got.Status != exchange.StatusNew {
		t.Fatalf("GetOrder = %+v, %v", got, err)
	}
	open, err := c.OpenOrders(ctx, "BTCUSDT")
	if err != nil || len(open) != 1 || open[0].ClientID != "qd-life-1" {
		t.Fatalf("OpenOrders = %+v, %v", open, err)
	}
	bals, err := c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	usdt := balanceOf(bals, "USDT")
	eq(t, "USDT locked", usdt.Locked, "59")
	eq(t, "USDT free", usdt.Free, "9941")

	cancelled, err := c.CancelOrder(ctx, "BTCUSDT", "qd-life-1")
	if err != nil || cancelled.Status != exchange.StatusCanceled || cancelled.ClientID != "qd-life-1" {
		t.Fatalf("CancelOrder = %+v, %v", cancelled, err)
	}
	if open, _ := c.OpenOrders(ctx, ""); len(open) != 0 {
		t.Fatalf("open after cancel = %+v", open)
	}
	if _, err := c.CancelOrder(ctx, "BTCUSDT", "qd-life-1"); !errors.Is(err, exchange.ErrUnknownOrder) {
		t.Fatalf("second cancel: %v, want ErrUnknownOrder", err)
	}
	if _, err := c.GetOrder(ctx, "BTCUSDT", "qd-never"); !errors.Is(err, exchange.ErrUnknownOrder) {
		t.Fatalf("GetOrder of an unknown id: %v, want ErrUnknownOrder", err)
	}

	bought, err := c.PlaceOrder(ctx, exchange.OrderRequest{ClientID: "qd-mkt-1", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market, QuoteQty: decimal.MustParse("120")})
	if err != nil {
		t.Fatal(err)
	}
	if bought.Status != exchange.StatusFilled || len(bought.Fills) == 0 {
		t.Fatalf("market buy = %+v", bought)
	}
	fills, err := c.OrderFills(ctx, "BTCUSDT", "qd-mkt-1")
	if err != nil || len(fills) != len(bought.Fills) || fills[0].TradeID != bought.Fills[0].TradeID || fills[0].Side != exchange.Buy {
		t.Fatalf("OrderFills = %+v, %v; placement fills %+v", fills, err, bought.Fills)
	}
	sold, err := c.PlaceOrder(ctx, exchange.OrderRequest{ClientID: "qd-mkt-2", Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.Market, Quantity: decimal.MustParse("0.0011")})
	if err != nil || sold.Status != exchange.StatusFilled {
		t.Fatalf("market sell = %+v, %v", sold, err)
	}
	if _, err := c.PlaceOrder(ctx, limitBuy("qd-big", "59000", "1")); !errors.Is(err, exchange.ErrInsufficientBalance) {
		t.Fatalf("oversized order: %v, want ErrInsufficientBalance", err)
	}
	if got := srv.NewOrderIDs(); len(got) != 4 {
		t.Fatalf("new-order requests = %v, want 4", got)
	}
}

func balanceOf(bals []exchange.Balance, asset string) exchange.Balance {
	for _, b := range bals {
		if b.Asset == asset {
			return b
		}
	}
	return exchange.Balance{Asset: asset}
}

func TestFakeRulesAndCandles(t *testing.T) {
	_, c := fakeExchange(t, fake.Options{})
	ctx := context.Background()
	r, err := c.Rules(ctx, "BNBUSDT") // listed with the legacy MIN_NOTIONAL filter
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "BNB min notional", r.MinNotional, "5")
	eq(t, "BNB step", r.StepSize, "0.001")
	if _, err := c.Rules(ctx, "NOPEUSDT"); err == nil {
		t.Fatal("an unlisted symbol must be an error")
	}
	candles, err := c.Candles(ctx, "BTCUSDT", time.Minute, 5)
	if err != nil || len(candles) == 0 || len(candles) > 5 {
		t.Fatalf("candles = %d, %v", len(candles), err)
	}
	if _, err := c.PlaceOrder(ctx, limitBuy("qd-small", "60000", "0.00005")); !errors.Is(err, exchange.ErrFilter) {
		t.Fatalf("below min notional: %v, want ErrFilter", err)
	}
}

func TestFakeWrongSecretIsRejected(t *testing.T) {
	_, c := fakeExchange(t, fake.Options{}, func(cfg *Config) {
		cfg.Creds = &staticCreds{key: testKey, secret: "wrong-" + testSecret[6:]}
	})
	_, err := c.Balances(context.Background())
	if !errors.Is(err, exchange.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	assertNoSecrets(t, err.Error())
}

func TestFakeClockSkewRecoveredOnce(t *testing.T) {
	tests := []struct {
		skews    int
		wantErr  error
		wantCall int
	}{
		{1, nil, 2},
		{2, exchange.ErrClockSkew, 2},
	}
	for _, tt := range tests {
		srv, c := fakeExchange(t, fake.Options{})
		srv.ClockSkewNext(tt.skews)
		_, err := c.Balances(context.Background())
		if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Fatalf("%d skews: err = %v, want %v", tt.skews, err, tt.wantErr)
		}
		if n := countRequests(srv, http.MethodGet, "/api/v3/account"); n != tt.wantCall {
			t.Fatalf("%d skews: %d account requests, want %d", tt.skews, n, tt.wantCall)
		}
		if n := countRequests(srv, http.MethodGet, "/api/v3/time"); n != 2 {
			t.Fatalf("%d skews: %d time requests, want 2 (start and resync)", tt.skews, n)
		}
	}
}

func TestFakeRealClockOffsetIsCorrected(t *testing.T) {
	// The exchange's clock runs 30 s ahead: without the offset every signed call would be -1021.
	srv, c := fakeExchange(t, fake.Options{Clock: clock.Func(func() time.Time { return time.Now().Add(30 * time.Second) })})
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	if off := c.ClockOffset(); off < 29*time.Second || off > 31*time.Second {
		t.Fatalf("offset = %s, want about 30 s", off)
	}
	if n := countRequests(srv, http.MethodGet, "/api/v3/account"); n != 1 {
		t.Fatalf("%d account requests, want 1", n)
	}
}

func TestFakeBackOffSendsNothingDuringBan(t *testing.T) {
	tests := []struct {
		name   string
		status int
		banned bool
	}{
		{"429", http.StatusTooManyRequests, false},
		{"418", http.StatusTeapot, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(time.Now())
			srv, c := fakeExchange(t, fake.Options{Clock: clock}, func(cfg *Config) { cfg.Clock = clock })
			ctx := context.Background()
			if _, err := c.Balances(ctx); err != nil { // syncs the clock first
				t.Fatal(err)
			}
			srv.RateLimitNext(1, tt.status, 90*time.Second)
			_, err := c.Balances(ctx)
			var rl *exchange.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != 90*time.Second || rl.Banned != tt.banned {
				t.Fatalf("err = %v, want a %s RateLimitError for 90 s", err, tt.name)
			}
			before := len(srv.Requests())
			clock.Advance(89 * time.Second)
			for _, call := range []func() error{
				func() error { _, err := c.Balances(ctx); return err },
				func() error { _, err := c.PlaceOrder(ctx, limitBuy("qd-ban", "59000", "0.001")); return err },
				func() error { _, err := c.Candles(ctx, "BTCUSDT", time.Minute, 1); return err },
			} {
				if err := call(); !errors.As(err, &rl) || rl.Banned != tt.banned || rl.RetryAfter != time.Second {
					t.Fatalf("during the ban: err = %v", err)
				}
			}
			if after := len(srv.Requests()); after != before {
				t.Fatalf("%d requests reached the exchange during the ban", after-before)
			}
			if st := c.RateState(); st.Banned != tt.banned || st.BannedUntil.IsZero() {
				t.Fatalf("RateState = %+v", st)
			}
			clock.Advance(time.Second)
			if _, err := c.Balances(ctx); err != nil {
				t.Fatalf("after the ban: %v", err)
			}
		})
	}
}

func TestFakeAmbiguousPlacementIsFoundNotRepeated(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*fake.Server)
		placed bool // whether the order exists after the failure
	}{
		{"response dropped after the order was applied", func(s *fake.Server) { s.DropOrderResponseNext(1) }, true},
		{"500 after the order was applied", func(s *fake.Server) { s.ServerErrorAfterApplyNext(1) }, true},
		{"500 before processing", func(s *fake.Server) { s.ServerErrorNext(1) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := fakeExchange(t, fake.Options{})
			ctx := context.Background()
			if _, err := c.Rules(ctx, "BTCUSDT"); err != nil { // so the fault hits the placement
				t.Fatal(err)
			}
			if err := c.SyncTime(ctx); err != nil {
				t.Fatal(err)
			}
			tt.inject(srv)
			_, err := c.PlaceOrder(ctx, limitBuy("qd-trap-1", "59000", "0.001"))
			if !errors.Is(err, exchange.ErrAmbiguous) {
				t.Fatalf("err = %v, want ErrAmbiguous", err)
			}
			assertNoSecrets(t, err.Error())
			o, err := c.GetOrder(ctx, "BTCUSDT", "qd-trap-1")
			switch {
			case tt.placed && (err != nil || o.ClientID != "qd-trap-1" || o.Status != exchange.StatusNew):
				t.Fatalf("lookup = %+v, %v; want the placed order", o, err)
			case !tt.placed && !errors.Is(err, exchange.ErrUnknownOrder):
				t.Fatalf("lookup err = %v, want ErrUnknownOrder", err)
			}
			if ids := srv.NewOrderIDs(); len(ids) != 1 || ids[0] != "qd-trap-1" {
				t.Fatalf("new-order requests = %v, want exactly one", ids)
			}
		})
	}
}

func TestFakeSlowAnswerIsAmbiguous(t *testing.T) {
	srv, c := fakeExchange(t, fake.Options{}, func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond} })
	ctx := context.Background()
	if _, err := c.Rules(ctx, "BTCUSDT"); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	srv.DelayNext(1, 2*time.Second)
	_, err := c.PlaceOrder(ctx, limitBuy("qd-slow-1", "59000", "0.001"))
	if !errors.Is(err, exchange.ErrAmbiguous) {
		t.Fatalf("err = %v, want ErrAmbiguous", err)
	}
	if ids := srv.NewOrderIDs(); len(ids) != 1 {
		t.Fatalf("new-order requests = %v, want 1", ids)
	}
}

func TestFakePermissionCheck(t *testing.T) {
	tests := []struct {
		name    string
		testnet bool
		perms   fake.Permissions
		want    exchange.Permissions
	}{
		{"trade only", false, fake.TradeOnly(), exchange.Permissions{CanTrade: true, Checked: true}},
		{"withdrawals", false, fake.Permissions{Reading: true, Trade: true, Withdraw: true, IPRestrict: true}, exchange.Permissions{CanTrade: true, CanWithdraw: true, IPRestricted: true, Checked: true}},
		{"testnet", true, fake.TradeOnly(), exchange.Permissions{CanTrade: true, Checked: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := fake.New(fake.Options{Testnet: tt.testnet})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if err := srv.AddKey(testKey, testSecret, tt.perms, nil); err != nil {
				t.Fatal(err)
			}
			name := Mainnet
			if tt.testnet {
				name = Testnet
			}
			pc := NewPermissionChecker(Config{Name: name, RESTURL: srv.URL()})
			got, err := pc.CheckPermissions(context.Background(), []byte(testKey), []byte(testSecret))
			if err != nil {
				t.Fatal(err)
			}
			if got.CanTrade != tt.want.CanTrade || got.CanWithdraw != tt.want.CanWithdraw || got.IPRestricted != tt.want.IPRestricted || got.Checked != tt.want.Checked {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if _, err := pc.CheckPermissions(context.Background(), []byte(testKey), []byte("bad")); !errors.Is(err, exchange.ErrAuth) {
				t.Fatalf("wrong secret: %v, want ErrAuth", err)
			}
		})
	}
}

func TestFakeConcurrentOrders(t *testing.T) {
	srv, c := fakeExchange(t, fake.Options{})
	ctx := context.Background()
	const workers, each = 8, 5
	errs := make(chan error, workers*each)
	for w := range workers {
		go func() {
			for i := range each {
				id := "qd-conc-" + itoa(int64(w)) + "-" + itoa(int64(i))
				_, err := c.PlaceOrder(ctx, limitBuy(id, "50000", "0.0002"))
				errs <- err
			}
		}()
	}
	for range workers * each {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	ids := srv.NewOrderIDs()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("client id %s sent twice", id)
		}
		seen[id] = true
	}
	if len(ids) != workers*each {
		t.Fatalf("%d orders sent, want %d", len(ids), workers*each)
	}
	open, err := c.OpenOrders(ctx, "BTCUSDT")
	if err != nil || len(open) != workers*each {
		t.Fatalf("open orders = %d, %v", len(open), err)
	}
	if n := countRequests(srv, http.MethodGet, "/api/v3/time"); n != 1 {
		t.Fatalf("%d clock syncs for concurrent first calls, want 1", n)
	}
	if n := countRequests(srv, http.MethodGet, "/api/v3/exchangeInfo"); n != 1 {
		t.Fatalf("%d exchangeInfo requests for concurrent first orders, want 1", n)
	}
}
