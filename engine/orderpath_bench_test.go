package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// orderPathRig is a live engine on the Binance adapter against the fake exchange on loopback,
// resumed and funded, ready to place orders.
func orderPathRig(b *testing.B) (*inflightRig, *Engine) {
	b.Helper()
	r := newInflightRig(b)
	// No engine-side throttle: the benchmarks measure the path, not the rate limit (whose
	// waits would only move the shared fake clock, and skew the adapter's clock sync).
	r.lim = Limits{OrdersPerSecond: 1e6, Burst: 1e6, MaxOpenOrders: 1 << 20}
	e, c := r.engine(b, 0, nil)
	ctx := context.Background()
	if err := e.Resume(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Balances(ctx); err != nil {
		b.Fatal(err)
	}
	if err := r.fx.SetBalance(crashKey, "USDT", "100000000000"); err != nil {
		b.Fatal(err)
	}
	return r, e
}

// BenchmarkOrderPath: one live order, journal (intent, attempt, the signed send recorded before
// it leaves, the answer) plus signing plus the send to the fake exchange on loopback, against
// the cost of one durable SQLite commit on the same database in the same run.
func BenchmarkOrderPath(b *testing.B) {
	b.Run("order", func(b *testing.B) {
		_, e := orderPathRig(b)
		ctx := context.Background()
		commits := e.j.Commits()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.PlaceManual(ctx, marketableBuy()); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		// One sync an order: the intent, the attempt and the signed send share one, and
		// the answer (staged) rides with the next order's.
		b.ReportMetric(float64(e.j.Commits()-commits)/float64(b.N), "commits/order")
	})
	b.Run("durable-commit", func(b *testing.B) {
		r, _ := orderPathRig(b)
		ctx := context.Background()
		if _, err := r.db.ExecContext(ctx, `CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := r.db.ExecContext(ctx, `INSERT INTO bench_commit(v) VALUES (?)`, "x"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOrderPathParallel: 20 bots' worth of callers placing live orders at once through
// one engine; orders/s counts orders whose journal rows were durable before they left.
func BenchmarkOrderPathParallel(b *testing.B) {
	const bots = 20
	_, e := orderPathRig(b)
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, bots)
	for w := 0; w < bots; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := e.PlaceManual(ctx, marketableBuy()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
}

// BenchmarkResume: a restart that finds 1,000 live rows sent but never answered, each of them
// resting on the fake exchange, and reconciles them all before anything new is sent.
func BenchmarkResume(b *testing.B) {
	const open = 1000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newInflightRig(b)
		e1, c := r.engine(b, 0, nil)
		ctx := context.Background()
		if err := e1.Resume(ctx); err != nil {
			b.Fatal(err)
		}
		if err := r.fx.SetBalance(crashKey, "USDT", "100000000000"); err != nil {
			b.Fatal(err)
		}
		j := e1.j
		now := r.clk.Now()
		for k := 0; k < open; k++ {
			row := &journal.Row{Order: OrderView{Mode: Live, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
				Price: d("50000"), Quantity: d("0.001"), Created: now, Updated: now}, KeyLabel: "k"}
			if err := j.InsertIntent(ctx, row); err != nil {
				b.Fatal(err)
			}
			// Resting (below the market), so the lookup finds it open.
			if _, err := c.PlaceOrder(ctx, (&orderRec{Row: *row}).request()); err != nil {
				b.Fatal(fmt.Errorf("placing %s on the fake: %w", row.ClientID, err))
			}
			row.State, row.Attempts, row.SentAt = OrderSent, 1, now
			if err := j.SaveOrder(ctx, row); err != nil {
				b.Fatal(err)
			}
		}
		e1.Close()
		e2, _ := r.engine(b, 0, nil)
		b.StartTimer()
		if err := e2.Resume(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if rows, _, err := e2.j.OpenOrders(ctx); err != nil || len(rows) != open {
			b.Fatalf("%d rows open after resume (%v), want the %d resting orders, now acknowledged", len(rows), err, open)
		}
		for _, rec := range e2.openFor(func(*orderRec) bool { return true }) {
			if rec.State != OrderAcked {
				b.Fatalf("row %s is %s after resume, want acked", rec.ClientID, rec.State)
			}
		}
	}
}
