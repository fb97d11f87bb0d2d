package journal

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

func journalVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_versions WHERE owner = 'journal'`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func openStore(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testdata/schema5.sql is the dump (sqlite3 .dump, plus its user_version) of a database made by the QuantDeck that kept these tables among the store's own
// migrations (schema version 5): a bot, a filled paper order with its fill, a live order in
// flight with its signed send, an event and the kill switch. It opens, keeps every row, and
// new orders continue its sequence.
func TestUpgradeFromStoreSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dump, err := os.ReadFile(filepath.Join("testdata", "schema5.sql"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(string(dump)); err != nil {
		t.Fatalf("loading the old database: %v", err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, store.FileName), 0o600); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, dir)
	j, err := Open(ctx, db)
	if err != nil {
		t.Fatalf("opening the journal of an older database: %v", err)
	}
	if v := journalVersion(t, db); v != 3 {
		t.Fatalf("journal version %d, want 3 (2 adopted, then 3 run)", v)
	}
	assertOpenIndexByBot(t, db)
	if j.instance != "v5ab" {
		t.Fatalf("instance %q, want the stored v5ab", j.instance)
	}
	inFlight, err := j.Order(ctx, "qd-v5ab-m-2")
	if err != nil {
		t.Fatal(err)
	}
	if inFlight.State != strategy.OrderSent || inFlight.KeyLabel != "main" || !inFlight.Price.Equal(decimal.MustParse("60000")) {
		t.Fatalf("in-flight row read as %+v", inFlight)
	}
	quiet, err := j.QuietAt(ctx, "qd-v5ab-m-2")
	if want := time.Date(2026, 12, 1, 10, 0, 7, 3_000_000, time.UTC); err != nil || !quiet.Equal(want) {
		t.Fatalf("quiet at %s (%v), want %s: the recorded send must survive the upgrade", quiet, err, want)
	}
	open, bad, err := j.OpenOrders(ctx)
	if err != nil || len(bad) != 0 || len(open) != 1 {
		t.Fatalf("open orders %d, damaged %v, err %v; want the one in flight", len(open), bad, err)
	}
	fills, err := j.Fills(ctx, "dca1", 0, true)
	if err != nil || len(fills) != 1 || !fills[0].Qty.Equal(decimal.MustParse("0.0004")) {
		t.Fatalf("fills %+v, %v", fills, err)
	}
	b, err := j.Bot(ctx, "dca1")
	if err != nil || b.Desired != "running" || b.Params["amount"] != "25" {
		t.Fatalf("bot %+v, %v", b, err)
	}
	if evs, err := j.Events(ctx, "dca1", 10); err != nil || len(evs) != 1 {
		t.Fatalf("events %+v, %v", evs, err)
	}
	r := &Row{Order: Order{Bot: "dca1", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market}, QuoteQty: decimal.MustParse("25")}
	if err := j.InsertIntent(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.ClientID != "qd-v5ab-dca1-4" {
		t.Fatalf("new client id %s, want qd-v5ab-dca1-4 (the stored sequence continued)", r.ClientID)
	}
	// Reopening changes nothing.
	db.Close()
	db = openStore(t, dir)
	if _, err := Open(ctx, db); err != nil {
		t.Fatal(err)
	}
	if v := journalVersion(t, db); v != 3 {
		t.Fatalf("journal version %d after reopening", v)
	}
}

func TestFreshDatabase(t *testing.T) {
	ctx := context.Background()
	db := openStore(t, t.TempDir())
	if ok, err := tableExists(db, "orders"); err != nil || ok {
		t.Fatalf("orders exists before the journal migrated (%v): the store must not own it", err)
	}
	j, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if v := journalVersion(t, db); v != 3 {
		t.Fatalf("journal version %d, want 3", v)
	}
	assertOpenIndexByBot(t, db)
	for _, table := range []string{"bots", "orders", "fills", "order_sends", "bot_events", "kill_switch", "engine_state"} {
		if ok, err := tableExists(db, table); err != nil || !ok {
			t.Errorf("table %s missing (%v)", table, err)
		}
	}
	r := &Row{Order: Order{Mode: Live, Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.Limit,
		Price: decimal.MustParse("1"), Quantity: decimal.MustParse("2")}, KeyLabel: "k"}
	if err := j.InsertIntent(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := j.Order(ctx, r.ClientID)
	if err != nil || got.State != strategy.OrderIntent || got.KeyLabel != "k" {
		t.Fatalf("row %+v, %v", got, err)
	}
}

func tableExists(db *sql.DB, name string) (bool, error) {
	var n int
	err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return n > 0, err
}

// Present answers without writing, for a read-only handle: false before the journal was
// migrated, true after, and true for tables an older version made that nobody recorded yet.
func TestPresent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openStore(t, dir)
	if ok, err := Present(ctx, db); err != nil || ok {
		t.Fatalf("before migrating: %v, %v", ok, err)
	}
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if ok, err := Present(ctx, db); err != nil || !ok {
		t.Fatalf("after migrating: %v, %v", ok, err)
	}
	if _, err := db.Exec(`DELETE FROM schema_versions WHERE owner = 'journal'`); err != nil {
		t.Fatal(err)
	}
	if ok, err := Present(ctx, db); err != nil || !ok {
		t.Fatalf("unrecorded older tables: %v, %v", ok, err)
	}
	ms, err := Schema().FS.Open("0002_order_sends.sql")
	if err != nil {
		t.Fatalf("latestVersion %d names no migration: %v", latestVersion, err)
	}
	ms.Close()
}

// assertOpenIndexByBot checks the open-rows index is the plain one on (state, bot) of migration
// 3, not the partial index of migration 1.
func assertOpenIndexByBot(t *testing.T, db *sql.DB) {
	t.Helper()
	var def string
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'orders_open'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def, "orders(state, bot)") || strings.Contains(def, "WHERE") {
		t.Fatalf("orders_open is %s, want a plain index on state and bot", def)
	}
}
