package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// seedDamageDB writes two paper bots that want to run, and for "hurt" an open order, a filled
// order and its fill, straight into a real SQLite file.
func seedDamageDB(t *testing.T) *Registry {
	t.Helper()
	db := testDB(t)
	ctx := context.Background()
	reg := NewRegistry(db, nil)
	for _, name := range []string{"hurt", "fine"} {
		cfg := BotConfig{Name: name, Symbol: "BTCUSDT", Strategy: "dca", Mode: Paper, Budget: d("1000"),
			Params: map[string]string{"amount": "10", "interval": "1h"}}
		if err := reg.Add(ctx, cfg, btcRules); err != nil {
			t.Fatal(err)
		}
		if err := reg.SetDesired(ctx, name, true); err != nil {
			t.Fatal(err)
		}
	}
	at := fmtTime(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO orders(client_id, bot, mode, symbol, side, type, price, quantity, state, attempts, created_at, updated_at, sent_at)
			VALUES ('qd-t-hurt-open', 'hurt', 'paper', 'BTCUSDT', 'BUY', 'LIMIT', '90', '0.1', 'acked', 1, ?, ?, ?)`, []any{at, at, at}},
		{`INSERT INTO orders(client_id, bot, mode, symbol, side, type, price, quantity, executed, quote_exec, state, attempts, created_at, updated_at, sent_at)
			VALUES ('qd-t-hurt-done', 'hurt', 'paper', 'BTCUSDT', 'BUY', 'LIMIT', '90', '0.1', '0.1', '9', 'filled', 1, ?, ?, ?)`, []any{at, at, at}},
		{`INSERT INTO fills(mode, symbol, trade_id, client_id, bot, side, price, qty, fee, fee_asset, time)
			VALUES ('paper', 'BTCUSDT', 7, 'qd-t-hurt-done', 'hurt', 'BUY', '90', '0.1', '0.0001', 'BTC', ?)`, []any{at}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

// A stored decimal or time that does not parse stops the bot it belongs to, in error with the
// row and the field named (in its state, its history and the log); it is never read as zero
// or as the year 1, and the other bots run.
func TestDamagedRowsStopTheirBot(t *testing.T) {
	tests := []struct {
		name   string
		damage string
		want   string // in the bot's reason
	}{
		{"fill quantity", `UPDATE fills SET qty = 'abc' WHERE trade_id = 7`, `fills row 7: qty "abc" does not parse`},
		{"fill price", `UPDATE fills SET price = '9O' WHERE trade_id = 7`, `fills row 7: price "9O" does not parse`},
		{"fill fee", `UPDATE fills SET fee = '' WHERE trade_id = 7`, `fills row 7: fee "" does not parse`},
		{"fill time", `UPDATE fills SET time = 'yesterday' WHERE trade_id = 7`, `fills row 7: time "yesterday" does not parse`},
		{"open order price", `UPDATE orders SET price = '' WHERE client_id = 'qd-t-hurt-open'`, `orders row qd-t-hurt-open: price "" does not parse`},
		{"open order executed", `UPDATE orders SET executed = 'NaN' WHERE client_id = 'qd-t-hurt-open'`, `orders row qd-t-hurt-open: executed "NaN" does not parse`},
		{"open order sent time", `UPDATE orders SET sent_at = 'soon' WHERE client_id = 'qd-t-hurt-open'`, `orders row qd-t-hurt-open: sent_at "soon" does not parse`},
		{"final order created time", `UPDATE orders SET created_at = '2026-13-45' WHERE client_id = 'qd-t-hurt-done'`, `orders row qd-t-hurt-done: created_at "2026-13-45" does not parse`},
		{"final order quote executed", `UPDATE orders SET quote_exec = '9,00' WHERE client_id = 'qd-t-hurt-done'`, `orders row qd-t-hurt-done: quote_exec "9,00" does not parse`},
		{"bot budget", `UPDATE bots SET budget = 'lots' WHERE name = 'hurt'`, `bots row hurt: budget "lots" does not parse`},
		{"bot loss limit", `UPDATE bots SET daily_loss_limit = '5%' WHERE name = 'hurt'`, `bots row hurt: daily_loss_limit "5%" does not parse`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := seedDamageDB(t)
			db := reg.db
			if _, err := db.Exec(tc.damage); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			e, err := New(Config{DB: db, Market: newTestMarket(), ExchangeName: "sim", Symbols: []string{"BTCUSDT"},
				Paper: newMemExchange(), Limits: fastLimits()})
			if err != nil {
				t.Fatalf("the engine refused to start over one damaged row: %v", err)
			}
			defer e.Close()
			rerr := e.Resume(ctx)
			if rerr == nil || !errors.Is(rerr, ErrJournalDamaged) {
				t.Errorf("Resume: %v, want the damage reported", rerr)
			}
			views := map[string]BotView{}
			for _, v := range e.Snapshot().Bots {
				views[v.Config.Name] = v
			}
			if v := views["hurt"]; v.State != BotError || !strings.Contains(v.Reason, tc.want) {
				t.Fatalf("hurt: %s (%q), want error naming %s", v.State, v.Reason, tc.want)
			}
			if v := views["fine"]; v.State != BotRunning {
				t.Fatalf("fine: %s (%q), want running", v.State, v.Reason)
			}
			logged := false
			for _, ev := range e.Snapshot().Log {
				logged = logged || (ev.Bot == "hurt" && ev.Level == "error" && strings.Contains(ev.Message, tc.want))
			}
			if !logged {
				t.Errorf("no error line for hurt in the log: %+v", e.Snapshot().Log)
			}
			if err := e.StartBot(ctx, "hurt"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("starting hurt again: %v, want refused naming %s", err, tc.want)
			}
			// The command line's list shows it too, and reads nothing as zero.
			list, err := reg.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range list {
				if v.Config.Name == "hurt" && (v.State != BotError || !strings.Contains(v.Reason, tc.want)) {
					t.Errorf("bots list: hurt %s (%q), want error naming %s", v.State, v.Reason, tc.want)
				}
			}
		})
	}
}

// Reading damaged rows for display is an error, never a row of zeros.
func TestDamagedRowsAreErrorsWhenListed(t *testing.T) {
	reg := seedDamageDB(t)
	db := reg.db
	if _, err := db.Exec(`UPDATE fills SET qty = 'x' WHERE trade_id = 7; UPDATE orders SET price = 'y' WHERE client_id = 'qd-t-hurt-done'`); err != nil {
		t.Fatal(err)
	}
	j := journal.New(db)
	ctx := context.Background()
	if _, err := j.Fills(ctx, "hurt", 0, true); !errors.Is(err, ErrJournalDamaged) {
		t.Errorf("fills: %v, want ErrJournalDamaged", err)
	}
	if _, err := j.FilledQty(ctx, "qd-t-hurt-done"); !errors.Is(err, ErrJournalDamaged) {
		t.Errorf("filledQty: %v, want ErrJournalDamaged", err)
	}
	if _, err := j.Orders(ctx, OrderFilter{Bot: "hurt"}); !errors.Is(err, ErrJournalDamaged) {
		t.Errorf("orders: %v, want ErrJournalDamaged", err)
	}
	if _, err := j.Order(ctx, "qd-t-hurt-done"); !errors.Is(err, ErrJournalDamaged) {
		t.Errorf("order: %v, want ErrJournalDamaged", err)
	}
	if _, err := db.Exec(`INSERT INTO bot_events(bot, time, level, message) VALUES ('hurt', 'x', 'info', 'started')`); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Events(ctx, "hurt", 10); !errors.Is(err, ErrJournalDamaged) {
		t.Errorf("events: %v, want ErrJournalDamaged", err)
	}
}

// A running bot whose row turns out damaged when order news arrives for it stops, in error.
func TestDamagedRowStopsRunningBot(t *testing.T) {
	reg := seedDamageDB(t)
	ctx := context.Background()
	x := newMemExchange()
	e, err := New(Config{DB: reg.db, Market: newTestMarket(), ExchangeName: "sim", Symbols: []string{"BTCUSDT"}, Paper: x, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.db.Exec(`UPDATE orders SET quantity = '0.1.1' WHERE client_id = 'qd-t-hurt-done'`); err != nil {
		t.Fatal(err)
	}
	err = e.applyOrder(ctx, x, exchange.Order{ClientID: "qd-t-hurt-done", ExchangeID: 9, Symbol: "BTCUSDT", Status: exchange.StatusFilled})
	if !errors.Is(err, ErrJournalDamaged) {
		t.Fatalf("applyOrder: %v, want ErrJournalDamaged", err)
	}
	for _, v := range e.Snapshot().Bots {
		want := BotRunning
		if v.Config.Name == "hurt" {
			want = BotError
		}
		if v.State != want {
			t.Errorf("%s: %s (%q), want %s", v.Config.Name, v.State, v.Reason, want)
		}
	}
}
