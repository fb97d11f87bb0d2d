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
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// orderPathRig is a live engine on the Binance adapter against the fake exchange on loopback,
// resumed and funded, ready to place orders.
// orderStep is how far the rig's fake clock moves per order sent. The adapter keeps to
// Binance's 6,000 request weight a minute (it waits for the next minute at 90%), and fake time
// does not pass by itself: a run of more than 5,400 orders would reach the limit, and the wait
// would move the shared clock a minute past the requests still in flight (-1021). At 12 ms an
// order, a fake minute holds 5,000.
const orderStep = 12 * time.Millisecond

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

// BenchmarkOrderPath: one live order at a time through PlaceManual (the journal's intent,
// attempt and signed-send record committed before the request leaves, signing, the send to the
// fake exchange on loopback, and the answer), against one durable SQLite commit (a one-row
// insert) on the same database. The two are measured in alternating runs of orderChunk each, so
// a machine whose load changes during the run weighs on both alike. ns/op and order-ns are an
// order's; commit-ns is the commit's; x-commit is their ratio. An order's answer is staged and
// rides with the next order's commit, so each run ends by committing its last answer, timed.
//
// rt-ns is the same order sent by the adapter alone, without the engine or its journal, under
// another key (so the engine hears nothing of it), in a third alternating run: the round trip
// to the fake that any order path pays. x-commit-rt is an order against a one-row commit and
// that round trip together.
//
// rows-ns, a fourth run, writes an order's own journal rows as the order path does (the intent
// and the attempt staged, the signed send, the fill and the answer in one durable commit)
// with no request and no engine: the one commit an order cannot do without. x-rows-rt is an
// order against that commit and the round trip together; what is left is the engine's work.
func BenchmarkOrderPath(b *testing.B) {
	const orderChunk = 50
	r, e := orderPathRig(b)
	ctx := context.Background()
	if _, err := r.db.ExecContext(ctx, `CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		b.Fatal(err)
	}
	const rtKey, rtSecret = "round-trip-key", "round-trip-secret"
	if err := r.fx.AddKey(rtKey, rtSecret, fake.TradeOnly(), map[string]string{"USDT": "100000000000"}); err != nil {
		b.Fatal(err)
	}
	rt, err := binance.New(binance.Config{Name: "binance", RESTURL: r.fx.URL(), WSURL: r.fx.WSURL(),
		Creds: staticCreds{rtKey, rtSecret}, Clock: r.clk})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rt.Balances(ctx); err != nil { // syncs its clock before the timed runs
		b.Fatal(err)
	}
	m := marketableBuy()
	var commits int64 // of the order runs only
	var orders, inserts, trips, rows time.Duration
	var trade int64
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(orderChunk, b.N-done)
		c0 := e.j.Commits()
		t0 := time.Now()
		for range n {
			if _, err := e.PlaceManual(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.j.Write(ctx, func(*journal.Tx) error { return nil }); err != nil {
			b.Fatal(err)
		}
		orders += time.Since(t0)
		commits += e.j.Commits() - c0
		b.StopTimer()
		r.clk.Advance(time.Duration(n) * orderStep) // nothing is in flight here
		t1 := time.Now()
		for range n {
			if _, err := r.db.ExecContext(ctx, `INSERT INTO bench_commit(v) VALUES (?)`, "x"); err != nil {
				b.Fatal(err)
			}
		}
		inserts += time.Since(t1)
		t2 := time.Now()
		for i := range n {
			req := exchange.OrderRequest{ClientID: fmt.Sprintf("rt-%d", done+i), Symbol: m.Symbol, Side: m.Side, Type: m.Type,
				Quantity: m.Quantity, Price: m.Price, TimeInForce: exchange.GTC}
			if _, err := rt.PlaceOrder(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		trips += time.Since(t2)
		r.clk.Advance(time.Duration(n) * orderStep)
		t3 := time.Now()
		for range n {
			trade++
			if err := ownRows(ctx, e.j, trade); err != nil {
				b.Fatal(err)
			}
		}
		rows += time.Since(t3)
		b.StartTimer()
		done += n
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(orders), "order-ns")
	b.ReportMetric(per(inserts), "commit-ns")
	b.ReportMetric(per(trips), "rt-ns")
	b.ReportMetric(per(orders)/per(inserts), "x-commit")
	b.ReportMetric(per(orders)/(per(inserts)+per(trips)), "x-commit-rt")
	b.ReportMetric(per(rows), "rows-ns")
	b.ReportMetric(per(orders)/(per(rows)+per(trips)), "x-rows-rt")
	b.ReportMetric(float64(commits)/float64(b.N), "commits/order")
}

// ownRows writes one live order's journal rows as the order path does, in one durable
// commit: the intent and its attempt staged, then the signed send, the fill and the answer.
func ownRows(ctx context.Context, j *journal.Journal, trade int64) error {
	now := time.Now().UTC()
	row := &journal.Row{Order: OrderView{Mode: Live, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
		Price: d("61000"), Quantity: d("0.001"), Created: now, Updated: now}, KeyLabel: "k", Tag: "manual"}
	if err := j.StageIntent(ctx, row, nil); err != nil {
		return err
	}
	sent := *row
	sent.State, sent.Attempts, sent.SentAt = OrderSent, 1, now
	j.Stage(ctx, func(tx *journal.Tx) error { return tx.SaveOrder(&sent) }, nil)
	done := sent
	done.State, done.Executed, done.QuoteExec, done.AvgPrice = OrderFilled, d("0.001"), d("61"), d("61000")
	return j.Write(ctx, func(tx *journal.Tx) error {
		if err := tx.InsertSend(journal.Send{ClientID: row.ClientID, Attempt: 1, Source: journal.SendSigned, Signed: now,
			RecvWindow: 5 * time.Second, Recorded: now, Expires: now.Add(5 * time.Second)}); err != nil {
			return err
		}
		if _, err := tx.InsertFill(journal.Fill{TradeID: trade, ClientID: row.ClientID, Mode: Live, Symbol: "BTCUSDT",
			Side: exchange.Buy, Price: d("61000"), Qty: d("0.001"), Fee: d("0.000001"), FeeAsset: "BTC", Time: now}); err != nil {
			return err
		}
		return tx.SaveOrder(&done)
	})
}

// BenchmarkOrderPathParallel: 20 bots' worth of callers placing live orders at once through
// one engine; orders/s counts orders whose journal rows were durable before they left.
func BenchmarkOrderPathParallel(b *testing.B) {
	const bots = 20
	r, e := orderPathRig(b)
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	start, commits := time.Now(), e.j.Commits()
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
				r.clk.Advance(orderStep)
			}
		}()
	}
	wg.Wait()
	elapsed, commits := time.Since(start), e.j.Commits()-commits
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(commits)/float64(b.N), "commits/order")
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
