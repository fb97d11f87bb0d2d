package engine

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/paper"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

func TestWatchlistEditsPersist(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	r := newSimRig(t, db, "BTCUSDT", "ETHUSDT")
	e := r.e
	for _, tc := range []struct {
		op     string
		symbol string
		want   []string
		err    error // nil: any error is a failure; errAny: some error
	}{
		{"watch", "solusdt", []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}, nil},
		{"watch", "SOLUSDT", []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}, nil}, // already watched
		{"watch", "NOT-A-PAIR", []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}, errAny},
		{"unwatch", "ETHUSDT", []string{"BTCUSDT", "SOLUSDT"}, nil},
		{"unwatch", "ETHUSDT", []string{"BTCUSDT", "SOLUSDT"}, ErrNotWatched},
		{"watch", "DOGEUSDT", []string{"BTCUSDT", "SOLUSDT", "DOGEUSDT"}, nil},
	} {
		var err error
		if tc.op == "watch" {
			err = e.Watch(ctx, tc.symbol)
		} else {
			err = e.Unwatch(ctx, tc.symbol)
		}
		switch {
		case tc.err == nil && err != nil:
			t.Fatalf("%s %s: %v", tc.op, tc.symbol, err)
		case tc.err == errAny && err == nil, tc.err != nil && tc.err != errAny && !errors.Is(err, tc.err):
			t.Fatalf("%s %s: error %v, want %v", tc.op, tc.symbol, err, tc.err)
		}
		if got := e.Watchlist(); !slices.Equal(got, tc.want) {
			t.Fatalf("after %s %s: watchlist %v, want %v", tc.op, tc.symbol, got, tc.want)
		}
	}
	// The snapshot lists what is watched, in order; an added symbol gets its history.
	var syms []string
	for _, p := range e.Snapshot().Prices {
		syms = append(syms, p.Symbol)
	}
	if !slices.Equal(syms, []string{"BTCUSDT", "SOLUSDT", "DOGEUSDT"}) {
		t.Fatalf("snapshot prices for %v", syms)
	}
	eventually(t, "the added symbol's history", func() bool {
		return len(e.Candles("DOGEUSDT")) == candleKeep
	})
	// A symbol added while running streams: its ticks reach the engine.
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	r.push(t, trade("DOGEUSDT", 3, "0.15", "100", exchange.Buy, at))
	if tr := e.Trades("DOGEUSDT", nil); len(tr) != 1 || tr[0].ID != 3 {
		t.Fatalf("trades of the added symbol %+v", tr)
	}
	eventually(t, "a book for the added symbol", func() bool {
		b, ok := e.OrderBook("DOGEUSDT")
		return ok && b.Bids[0].Price.Equal(d("0.15"))
	})
	// Removing it stops its stream and forgets its book.
	if err := e.Unwatch(ctx, "DOGEUSDT"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.OrderBook("DOGEUSDT"); ok {
		t.Fatal("a book for a symbol no longer watched")
	}
	var left, sol bool
	if err := e.own(ctx, func(ctx context.Context) error { // the feeds belong to the lifecycle loop
		_, left = e.watch.feeds["DOGEUSDT"]
		_, sol = e.watch.feeds["SOLUSDT"]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if left || !sol {
		t.Fatalf("after DOGEUSDT went: its stream left %v, SOLUSDT's kept %v", left, sol)
	}
	if err := e.Watch(ctx, "DOGEUSDT"); err != nil {
		t.Fatal(err)
	}
	// The first stream still runs for the others.
	r.push(t, trade("BTCUSDT", 9, "100", "1", exchange.Buy, at))
	if tr := e.Trades("BTCUSDT", nil); len(tr) != 1 {
		t.Fatalf("trades of a symbol streamed from the start %+v", tr)
	}

	// The next engine on this database starts with the edited list.
	m := sim.New(sim.Options{Manual: true})
	next, err := New(Config{DB: db, Market: m, ExchangeName: "sim", Symbols: []string{"BTCUSDT", "ETHUSDT"}, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if got := next.Watchlist(); !slices.Equal(got, []string{"BTCUSDT", "SOLUSDT", "DOGEUSDT"}) {
		t.Fatalf("next start watches %v", got)
	}
	// QUANTDECK_SYMBOLS grown since: the new symbol is watched too.
	third, err := New(Config{DB: db, Market: m, ExchangeName: "sim", Symbols: []string{"BTCUSDT", "ETHUSDT", "BNBUSDT"}, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if got := third.Watchlist(); !slices.Equal(got, []string{"BTCUSDT", "BNBUSDT", "SOLUSDT", "DOGEUSDT"}) {
		t.Fatalf("with a symbol added to the configuration: %v", got)
	}
}

// errAny stands for "some error" in the table above.
var errAny = errors.New("any error")

func TestUnwatchRefusedWhileABotRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testDB(t)
	m := sim.New(sim.Options{Symbols: []string{"BTCUSDT", "ETHUSDT"}, Manual: true})
	acct, err := paper.New(ctx, db, paper.Options{Rules: m, StartingBalances: map[string]decimal.Decimal{"USDT": d("1000")}})
	if err != nil {
		t.Fatal(err)
	}
	defer acct.Close()
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT", "ETHUSDT"}, Paper: acct, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBot(ctx, BotConfig{Name: "d", Symbol: "ETHUSDT", Strategy: "dca", Params: map[string]string{"amount": "20", "interval": "1h"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.StartBot(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if err := e.Unwatch(ctx, "ETHUSDT"); !errors.Is(err, ErrSymbolInUse) {
		t.Fatalf("unwatch with a running bot: %v, want ErrSymbolInUse", err)
	}
	if !slices.Contains(e.Watchlist(), "ETHUSDT") {
		t.Fatal("the refused symbol left the watchlist")
	}
	if err := e.StopBot(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if err := e.Unwatch(ctx, "ETHUSDT"); err != nil {
		t.Fatalf("unwatch once the bot stopped: %v", err)
	}
	if err := e.Unwatch(ctx, "BTCUSDT"); err == nil {
		t.Fatal("the last symbol was removed")
	}
}

func TestStartRefusedForAnUnwatchedSymbol(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testDB(t)
	m := sim.New(sim.Options{Manual: true})
	acct, err := paper.New(ctx, db, paper.Options{Rules: m, StartingBalances: map[string]decimal.Decimal{"USDT": d("1000")}})
	if err != nil {
		t.Fatal(err)
	}
	defer acct.Close()
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT", "ETHUSDT"}, Paper: acct, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBot(ctx, BotConfig{Name: "d", Symbol: "ETHUSDT", Strategy: "dca", Params: map[string]string{"amount": "20", "interval": "1h"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Unwatch(ctx, "ETHUSDT"); err != nil {
		t.Fatal(err)
	}
	if err := e.StartBot(ctx, "d"); !errors.Is(err, ErrNotWatched) {
		t.Fatalf("starting a bot whose symbol is not watched: %v", err)
	}
	if err := e.Watch(ctx, "ETHUSDT"); err != nil {
		t.Fatal(err)
	}
	if err := e.StartBot(ctx, "d"); err != nil {
		t.Fatalf("starting once watched again: %v", err)
	}
}
