package paper

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func next(t *testing.T, ch <-chan exchange.Order) exchange.Order {
	t.Helper()
	select {
	case o, ok := <-ch:
		if !ok {
			t.Fatal("update stream closed")
		}
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no order update before the deadline")
	}
	return exchange.Order{}
}

func TestOrderUpdatesReportEveryChange(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	r.mustPlace(limit("before", exchange.Buy, "0.01", "40000")) // before subscribing: not queued
	ch := r.acct.OrderUpdates()
	if ch2 := r.acct.OrderUpdates(); ch2 != ch {
		t.Fatal("OrderUpdates returned a second channel")
	}
	r.mustPlace(limit("a", exchange.Buy, "0.01", "49000"))
	r.tick("48999", "48999.5")
	r.mustPlace(market("b", exchange.Sell, "0.01"))
	if _, err := r.acct.CancelOrder(context.Background(), "BTCUSDT", "before"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		id     string
		status exchange.OrderStatus
		fills  int
	}{
		{"a", exchange.StatusNew, 0},
		{"a", exchange.StatusFilled, 1},
		{"b", exchange.StatusFilled, 1},
		{"before", exchange.StatusCanceled, 0},
	} {
		got := next(t, ch)
		if got.ClientID != want.id || got.Status != want.status || len(got.Fills) != want.fills {
			t.Fatalf("update %+v, want %s %s with %d fills", got, want.id, want.status, want.fills)
		}
		if want.fills == 1 && (got.Fills[0].TradeID == 0 || !got.Fills[0].Qty.Equal(got.ExecutedQty)) {
			t.Fatalf("update %s carries fill %+v", got.ClientID, got.Fills[0])
		}
	}
	if err := r.acct.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case o, ok := <-ch:
		if ok {
			t.Fatalf("update after Close: %+v", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("update stream not closed by Close")
	}
}

// OnTick never waits for the reader, and nothing is lost while it does not read.
func TestOrderUpdatesNeverBlockNorDrop(t *testing.T) {
	r := newRig(t, map[string]decimal.Decimal{"USDT": d("1000000")})
	r.tick("50000.00", "50000.10")
	ch := r.acct.OrderUpdates()
	const n = 3 * updatesBuffer
	for i := range n {
		r.mustPlace(limit(fmt.Sprint("o", i), exchange.Buy, "0.001", fmt.Sprint(40000+i)))
	}
	r.tick("39000", "39000.01") // fills all n in one tick, with nobody reading
	seen := map[string][]exchange.OrderStatus{}
	for range 2 * n {
		o := next(t, ch)
		seen[o.ClientID] = append(seen[o.ClientID], o.Status)
	}
	for i := range n {
		id := fmt.Sprint("o", i)
		if s := seen[id]; len(s) != 2 || s[0] != exchange.StatusNew || s[1] != exchange.StatusFilled {
			t.Fatalf("updates of %s: %v", id, s)
		}
	}
}

func TestCloseStopsTheUpdateGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		r := newRig(t, nil)
		r.acct.OrderUpdates()
		r.tick("50000.00", "50000.10")
		r.mustPlace(market("a", exchange.Buy, "0.01")) // an update nobody reads
		if err := r.acct.Close(); err != nil {
			t.Fatal(err)
		}
		if err := r.acct.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		r.db.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before", runtime.NumGoroutine(), before)
		}
		runtime.Gosched()
	}
}

// Orders placed and cancelled while ticks fill them keep every balance exact: what is held
// equals what was started with plus the fills' effects, and locks equal the open orders'.
func TestConcurrentPlaceAndTick(t *testing.T) {
	r := newRig(t, map[string]decimal.Decimal{"USDT": d("100000"), "BTC": d("2")})
	r.tick("50000.00", "50000.10")
	updates := r.acct.OrderUpdates()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { // the reader the engine would be
		for {
			select {
			case <-updates:
			case <-ctx.Done():
				return
			}
		}
	})
	var feed sync.WaitGroup
	feed.Go(func() {
		for i := range 400 {
			p := 49900 + (i*37)%200
			r.tick(fmt.Sprint(p), fmt.Sprint(p, ".5"))
		}
	})
	const workers, each = 4, 15
	var placers sync.WaitGroup
	for w := range workers {
		placers.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				side := exchange.Buy
				if i%2 == 1 {
					side = exchange.Sell
				}
				var err error
				switch i % 3 {
				case 0:
					_, err = r.place(market(id, side, "0.001"))
				default:
					_, err = r.place(limit(id, side, "0.002", fmt.Sprint(49900+i*13)))
				}
				if err != nil {
					t.Errorf("placing %s: %v", id, err)
					continue
				}
				if i%4 == 3 {
					r.acct.CancelOrder(context.Background(), "BTCUSDT", id) // may already be filled
				}
			}
		})
	}
	placers.Wait()
	feed.Wait()
	cancel()
	wg.Wait()

	usdt, btc := d("100000"), d("2")
	nfills := 0
	for w := range workers {
		for i := range each {
			fills, err := r.acct.OrderFills(context.Background(), "BTCUSDT", fmt.Sprintf("w%d-%d", w, i))
			if err != nil {
				t.Fatal(err)
			}
			nfills += len(fills)
			for _, f := range fills {
				value, _ := f.Price.Mul(f.Qty)
				if f.Side == exchange.Buy {
					usdt, _ = usdt.Sub(value)
					btc, _ = btc.Add(f.Qty)
					btc, _ = btc.Sub(f.Fee)
				} else {
					usdt, _ = usdt.Add(value)
					usdt, _ = usdt.Sub(f.Fee)
					btc, _ = btc.Sub(f.Qty)
				}
			}
		}
	}
	if nfills < workers*each/3 {
		t.Fatalf("%d fills, want at least the %d market orders'", nfills, workers*each/3)
	}
	open, err := r.acct.OpenOrders(context.Background(), "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	lockedUSDT, lockedBTC := decimal.Zero, decimal.Zero
	for _, o := range open {
		if o.Side == exchange.Buy {
			v, _ := o.Price.Mul(o.Quantity)
			lockedUSDT, _ = lockedUSDT.Add(v)
		} else {
			lockedBTC, _ = lockedBTC.Add(o.Quantity)
		}
	}
	bs, _ := r.acct.Balances(context.Background())
	for _, b := range bs {
		total, _ := b.Free.Add(b.Locked)
		want, wantLocked := usdt, lockedUSDT
		if b.Asset == "BTC" {
			want, wantLocked = btc, lockedBTC
		}
		if !total.Equal(want) || !b.Locked.Equal(wantLocked) || b.Free.IsNeg() {
			t.Errorf("%s: free %s locked %s, want total %s locked %s", b.Asset, b.Free, b.Locked, want, wantLocked)
		}
	}
}
