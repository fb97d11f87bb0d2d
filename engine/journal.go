package engine

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// orderRec is a journal row as the engine works with it.
type orderRec struct {
	OrderView
	Tag       string
	KeyLabel  string
	QuoteQty  decimal.Decimal
	QuoteExec decimal.Decimal
	Attempts  int
	SentAt    time.Time
	// quietAt is the local time after which no request that carried the id can still be
	// accepted by the exchange (see unknownFinalAt); zero while none was sent. Guarded by jmu.
	quietAt time.Time
	filled  decimal.Decimal // base quantity of the fills recorded for it
	busy    bool            // a placement or a lookup is under way for it
	// Risk accounting, guarded by the bot's lock: whether the row counts among the bot's
	// open orders, and the quote value it still commits.
	counted  bool
	reserved decimal.Decimal
}

func (r *orderRec) request() exchange.OrderRequest {
	req := exchange.OrderRequest{
		ClientID: r.ClientID, Symbol: r.Symbol, Side: r.Side, Type: r.Type,
		Quantity: r.Quantity, QuoteQty: r.QuoteQty,
	}
	if r.Type == exchange.Limit {
		req.Price, req.TimeInForce = r.Price, exchange.GTC
	}
	return req
}

func (r *orderRec) ref() OrderRef {
	return OrderRef{Tag: r.Tag, Side: r.Side, State: r.State, Price: r.Price, Qty: r.Quantity, Executed: r.Executed, Created: r.Created}
}

// storedLayout writes every fraction with nine digits, so the text order of stored times is
// their time order (RFC 3339 with trimmed fractions puts "…05.4Z" after "…05.45Z").
// parseStoredTime reads both, so rows written with trimmed fractions still load.
const storedLayout = "2006-01-02T15:04:05.000000000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(storedLayout) }

// parseStoredTime reads a time the journal wrote; text that is not one is an error, never
// the zero time.
func parseStoredTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q does not parse", clip(s))
	}
	return t.UTC(), nil
}

// clip bounds a damaged stored value quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

// journal is the engine's SQLite access: orders, fills, bot events, the kill switch.
type journal struct {
	db       *sql.DB
	instance string // 4 characters that keep client ids of different databases apart
}

const instanceAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func openJournal(ctx context.Context, db *sql.DB) (*journal, error) {
	j := &journal{db: db}
	err := db.QueryRowContext(ctx, `SELECT value FROM engine_state WHERE key = 'instance'`).Scan(&j.instance)
	if errors.Is(err, sql.ErrNoRows) {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("engine: making an instance tag: %w", err)
		}
		for i := range b {
			b[i] = instanceAlphabet[int(b[i])%len(instanceAlphabet)]
		}
		if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO engine_state(key, value) VALUES ('instance', ?)`, string(b[:])); err != nil {
			return nil, fmt.Errorf("engine: saving the instance tag: %w (is the database migrated?)", err)
		}
		err = db.QueryRowContext(ctx, `SELECT value FROM engine_state WHERE key = 'instance'`).Scan(&j.instance)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: reading the instance tag: %w (is the database migrated?)", err)
	}
	return j, nil
}

// clientID builds "qd-<instance>-<bot>-<seq>": at most 36 characters of [a-zA-Z0-9-_], unique
// because seq is never reused within a database and the instance tag differs between them.
func (j *journal) clientID(bot string, seq int64) string {
	if bot == "" {
		bot = "m"
	}
	if len(bot) > 12 {
		bot = bot[:12]
	}
	return "qd-" + j.instance + "-" + bot + "-" + strconv.FormatInt(seq, 36)
}

const orderCols = `client_id, exchange_id, bot, tag, mode, key_label, symbol, side, type, price, quantity,
	quote_qty, executed, quote_exec, state, reason, attempts, created_at, updated_at, sent_at`

type scanner interface{ Scan(dest ...any) error }

func scanOrder(s scanner) (*orderRec, error) {
	var r orderRec
	var mode, side, typ, state, price, qty, qq, exe, qe, created, updated string
	var sent sql.NullString
	if err := s.Scan(&r.ClientID, &r.ExchangeID, &r.Bot, &r.Tag, &mode, &r.KeyLabel, &r.Symbol, &side, &typ,
		&price, &qty, &qq, &exe, &qe, &state, &r.Reason, &r.Attempts, &created, &updated, &sent); err != nil {
		return nil, err
	}
	r.Mode, r.Side, r.Type, r.State = Mode(mode), exchange.Side(side), exchange.OrderType(typ), OrderState(state)
	p := rowParser{table: "orders", key: r.ClientID, bot: r.Bot}
	r.Price, r.Quantity, r.QuoteQty = p.dec("price", price), p.dec("quantity", qty), p.dec("quote_qty", qq)
	r.Executed, r.QuoteExec = p.dec("executed", exe), p.dec("quote_exec", qe)
	r.Created, r.Updated = p.time("created_at", created), p.time("updated_at", updated)
	if sent.Valid {
		r.SentAt = p.time("sent_at", sent.String)
	}
	r.AvgPrice = avgPrice(r.Executed, r.QuoteExec)
	return &r, p.result()
}

func avgPrice(qty, quote decimal.Decimal) decimal.Decimal {
	if !qty.IsPos() {
		return decimal.Zero
	}
	a, err := quote.Quo(qty)
	if err != nil {
		return decimal.Zero
	}
	return a
}

// insertIntent takes the next sequence number, gives r its client id and writes the intent
// row, in one transaction: the row is durable before anything is sent.
func (j *journal) insertIntent(ctx context.Context, r *orderRec) error {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer tx.Rollback()
	var seq int64
	err = tx.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM engine_state WHERE key = 'order_seq'`).Scan(&seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("journal: reading the order sequence: %w", err)
	}
	seq++
	if _, err := tx.ExecContext(ctx, `INSERT INTO engine_state(key, value) VALUES ('order_seq', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(seq, 10)); err != nil {
		return fmt.Errorf("journal: advancing the order sequence: %w", err)
	}
	r.ClientID = j.clientID(r.Bot, seq)
	r.State = OrderIntent
	if _, err := tx.ExecContext(ctx, `INSERT INTO orders(client_id, bot, tag, mode, key_label, symbol, side, type,
		price, quantity, quote_qty, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ClientID, r.Bot, r.Tag, string(r.Mode), r.KeyLabel, r.Symbol, string(r.Side), string(r.Type),
		r.Price.String(), r.Quantity.String(), r.QuoteQty.String(), string(r.State), fmtTime(r.Created), fmtTime(r.Updated)); err != nil {
		return fmt.Errorf("journal: writing the order intent: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal: committing the order intent: %w", err)
	}
	return nil
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// saveOrder writes the mutable columns of r.
func saveOrder(ctx context.Context, x execer, r *orderRec) error {
	_, err := x.ExecContext(ctx, `UPDATE orders SET exchange_id = ?, executed = ?, quote_exec = ?, state = ?,
		reason = ?, attempts = ?, updated_at = ?, sent_at = ? WHERE client_id = ?`,
		r.ExchangeID, r.Executed.String(), r.QuoteExec.String(), string(r.State), r.Reason, r.Attempts,
		fmtTime(r.Updated), nullTime(r.SentAt), r.ClientID)
	if err != nil {
		return fmt.Errorf("journal: updating order %s: %w", r.ClientID, err)
	}
	return nil
}

// insertFill records a fill once; inserted is false when the trade id was already recorded.
func insertFill(ctx context.Context, x execer, f FillView) (inserted bool, err error) {
	res, err := x.ExecContext(ctx, `INSERT OR IGNORE INTO fills(mode, symbol, trade_id, client_id, bot, side, price,
		qty, fee, fee_asset, time) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		string(f.Mode), f.Symbol, f.TradeID, f.ClientID, f.Bot, string(f.Side), f.Price.String(), f.Qty.String(),
		f.Fee.String(), f.FeeAsset, fmtTime(f.Time))
	if err != nil {
		return false, fmt.Errorf("journal: recording fill %d: %w", f.TradeID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (j *journal) order(ctx context.Context, clientID string) (*orderRec, error) {
	r, err := scanOrder(j.db.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE client_id = ?`, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNoOrder, clientID)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: reading order %s: %w", clientID, err)
	}
	return r, nil
}

// openOrders returns every row without a final state, oldest first, and apart the rows whose
// stored values do not parse (each a *badRowError naming its bot).
func (j *journal) openOrders(ctx context.Context) ([]*orderRec, []error, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT `+orderCols+` FROM orders
		WHERE state NOT IN ('filled', 'cancelled', 'rejected') ORDER BY created_at, client_id`)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: reading orders: %w", err)
	}
	defer rows.Close()
	var out []*orderRec
	var bad []error
	for rows.Next() {
		r, err := scanOrder(rows)
		if _, damaged := damagedBot(err); damaged {
			bad = append(bad, err)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("journal: reading orders: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("journal: reading orders: %w", err)
	}
	return out, bad, nil
}

// checkOpen reads a bot's rows without a final state and returns the first that does not
// parse, as a *badRowError.
func (j *journal) checkOpen(ctx context.Context, bot string) error {
	_, err := j.queryOrders(ctx, `SELECT `+orderCols+` FROM orders
		WHERE bot = ? AND state NOT IN ('filled', 'cancelled', 'rejected')`, bot)
	return err
}

// openCounts returns the number of rows without a final state per bot.
func (j *journal) openCounts(ctx context.Context) (map[string]int, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT bot, count(*) FROM orders
		WHERE bot <> '' AND state NOT IN ('filled', 'cancelled', 'rejected') GROUP BY bot`)
	if err != nil {
		return nil, fmt.Errorf("journal: counting open orders: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var bot string
		var n int
		if err := rows.Scan(&bot, &n); err != nil {
			return nil, fmt.Errorf("journal: counting open orders: %w", err)
		}
		out[bot] = n
	}
	return out, rows.Err()
}

// botHistory returns a bot's final orders, newest first.
func (j *journal) botHistory(ctx context.Context, bot string, limit int) ([]*orderRec, error) {
	return j.queryOrders(ctx, `SELECT `+orderCols+` FROM orders
		WHERE bot = ? AND state IN ('filled', 'cancelled', 'rejected') ORDER BY created_at DESC, client_id DESC LIMIT ?`, bot, limit)
}

func (j *journal) queryOrders(ctx context.Context, q string, args ...any) ([]*orderRec, error) {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading orders: %w", err)
	}
	defer rows.Close()
	var out []*orderRec
	for rows.Next() {
		r, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: reading orders: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// filledQty sums the recorded fills of one order.
func (j *journal) filledQty(ctx context.Context, clientID string) (decimal.Decimal, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT trade_id, bot, qty FROM fills WHERE client_id = ?`, clientID)
	if err != nil {
		return decimal.Zero, fmt.Errorf("journal: reading fills: %w", err)
	}
	defer rows.Close()
	sum := decimal.Zero
	for rows.Next() {
		var id int64
		var bot, s string
		if err := rows.Scan(&id, &bot, &s); err != nil {
			return sum, err
		}
		p := rowParser{table: "fills", key: strconv.FormatInt(id, 10), bot: bot}
		q := p.dec("qty", s)
		if err := p.result(); err != nil {
			return sum, err
		}
		if sum, err = sum.Add(q); err != nil {
			return sum, err
		}
	}
	return sum, rows.Err()
}

const fillCols = `trade_id, client_id, bot, mode, symbol, side, price, qty, fee, fee_asset, time`

func scanFill(s scanner) (FillView, error) {
	var f FillView
	var mode, side, price, qty, fee, t string
	if err := s.Scan(&f.TradeID, &f.ClientID, &f.Bot, &mode, &f.Symbol, &side, &price, &qty, &fee, &f.FeeAsset, &t); err != nil {
		return f, err
	}
	f.Mode, f.Side = Mode(mode), exchange.Side(side)
	p := rowParser{table: "fills", key: strconv.FormatInt(f.TradeID, 10), bot: f.Bot}
	f.Price, f.Qty, f.Fee, f.Time = p.dec("price", price), p.dec("qty", qty), p.dec("fee", fee), p.time("time", t)
	return f, p.result()
}

// fills returns fills, newest first, or in the order they were recorded when oldestFirst is
// set: the order a running bot's ledger applied them in, which a replay must repeat (the
// exchange's trade times and the local clock need not agree). bot "" means every bot and
// manual orders.
func (j *journal) fills(ctx context.Context, bot string, limit int, oldestFirst bool) ([]FillView, error) {
	q := `SELECT ` + fillCols + ` FROM fills`
	var args []any
	if bot != "" {
		q += ` WHERE bot = ?`
		args = append(args, bot)
	}
	if oldestFirst {
		q += ` ORDER BY rowid`
	} else {
		q += ` ORDER BY time DESC, rowid DESC`
	}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading fills: %w", err)
	}
	defer rows.Close()
	var out []FillView
	for rows.Next() {
		f, err := scanFill(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: reading fills: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// orders returns journal rows for a filter, newest first.
func (j *journal) orders(ctx context.Context, f OrderFilter) ([]OrderView, error) {
	var where []string
	var args []any
	if f.Bot != "" {
		where = append(where, "bot = ?")
		args = append(args, f.Bot)
	}
	if f.OpenOnly {
		where = append(where, "state NOT IN ('filled', 'cancelled', 'rejected')")
	}
	q := `SELECT ` + orderCols + ` FROM orders`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	q += ` ORDER BY created_at DESC, client_id DESC LIMIT ?`
	args = append(args, limit)
	recs, err := j.queryOrders(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]OrderView, len(recs))
	for i, r := range recs {
		out[i] = r.OrderView
	}
	return out, nil
}

func (j *journal) addEvent(ctx context.Context, ev BotEvent) error {
	_, err := j.db.ExecContext(ctx, `INSERT INTO bot_events(bot, time, level, message) VALUES (?,?,?,?)`,
		ev.Bot, fmtTime(ev.Time), ev.Level, ev.Message)
	if err != nil {
		return fmt.Errorf("journal: recording a bot event: %w", err)
	}
	return nil
}

func (j *journal) events(ctx context.Context, bot string, limit int) ([]BotEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT bot, time, level, message FROM bot_events`
	var args []any
	if bot != "" {
		q += ` WHERE bot = ?`
		args = append(args, bot)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading bot events: %w", err)
	}
	defer rows.Close()
	var out []BotEvent
	for rows.Next() {
		var ev BotEvent
		var t string
		if err := rows.Scan(&ev.Bot, &t, &ev.Level, &ev.Message); err != nil {
			return nil, err
		}
		p := rowParser{table: "bot_events", key: ev.Bot, bot: ev.Bot}
		if ev.Time = p.time("time", t); p.result() != nil {
			return nil, fmt.Errorf("journal: reading bot events: %w", p.result())
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// killSwitch reads the persisted kill switch.
func (j *journal) killSwitch(ctx context.Context) (engaged bool, reason string, err error) {
	err = j.db.QueryRowContext(ctx, `SELECT engaged, reason FROM kill_switch WHERE id = 1`).Scan(&engaged, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("journal: reading the kill switch: %w", err)
	}
	return engaged, reason, nil
}

func (j *journal) setKillSwitch(ctx context.Context, engaged bool, reason string, now time.Time) error {
	_, err := j.db.ExecContext(ctx, `INSERT INTO kill_switch(id, engaged, reason, updated_at) VALUES (1, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET engaged = excluded.engaged, reason = excluded.reason, updated_at = excluded.updated_at`,
		engaged, reason, fmtTime(now))
	if err != nil {
		return fmt.Errorf("journal: saving the kill switch: %w", err)
	}
	return nil
}
