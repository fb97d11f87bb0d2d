package journal

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// ErrNoOrder: no order with that client id in the journal.
var ErrNoOrder = errors.New("no such order in the journal")

// Journal is the engine's access to its tables in one database.
type Journal struct {
	db       *sql.DB
	instance string // 4 characters that keep client ids of different databases apart
	w        *writer
	st       stmts
	seqMu    sync.Mutex // guards seq (never held over I/O)
	seq      seqRange   // sequence numbers reserved for StageIntent
}

// newJournal returns a journal over db with its writer ready to start on the first write.
func newJournal(db *sql.DB) *Journal {
	j := &Journal{db: db}
	j.w = newWriter(j)
	return j
}

const instanceAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// Open brings the journal's tables up to date and reads (or makes, once per database) the
// instance tag that client ids carry.
func Open(ctx context.Context, db *sql.DB) (*Journal, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	j := newJournal(db)
	err := db.QueryRowContext(ctx, `SELECT value FROM engine_state WHERE key = 'instance'`).Scan(&j.instance)
	if errors.Is(err, sql.ErrNoRows) {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("journal: making an instance tag: %w", err)
		}
		for i := range b {
			b[i] = instanceAlphabet[int(b[i])%len(instanceAlphabet)]
		}
		if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO engine_state(key, value) VALUES ('instance', ?)`, string(b[:])); err != nil {
			return nil, fmt.Errorf("journal: saving the instance tag: %w", err)
		}
		err = db.QueryRowContext(ctx, `SELECT value FROM engine_state WHERE key = 'instance'`).Scan(&j.instance)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: reading the instance tag: %w", err)
	}
	return j, nil
}

// DB is the database the journal writes to.
func (j *Journal) DB() *sql.DB { return j.db }

// clientID builds "qd-<instance>-<bot>-<seq>": at most 36 characters of [a-zA-Z0-9-_], unique
// because seq is never reused within a database and the instance tag differs between them.
func (j *Journal) clientID(bot string, seq int64) string {
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

// openStates is the SQL condition of a row without a final state, naming the open states so
// the lookup runs on the index orders_open (state, bot); TestOpenStatesAreTheNonFinalOnes
// keeps it in step with strategy.OrderState.Final.
const openStates = `state IN ('intent', 'sent', 'acked', 'partial', 'unknown')`

func scanOrder(s scanner) (*Row, error) {
	var r Row
	var mode, side, typ, state, price, qty, qq, exe, qe, created, updated string
	var sent sql.NullString
	if err := s.Scan(&r.ClientID, &r.ExchangeID, &r.Bot, &r.Tag, &mode, &r.KeyLabel, &r.Symbol, &side, &typ,
		&price, &qty, &qq, &exe, &qe, &state, &r.Reason, &r.Attempts, &created, &updated, &sent); err != nil {
		return nil, err
	}
	r.Mode, r.Side, r.Type, r.State = Mode(mode), exchange.Side(side), exchange.OrderType(typ), strategy.OrderState(state)
	p := rowParser{table: "orders", key: r.ClientID, bot: r.Bot}
	r.Price, r.Quantity, r.QuoteQty = p.dec("price", price), p.dec("quantity", qty), p.dec("quote_qty", qq)
	r.Executed, r.QuoteExec = p.dec("executed", exe), p.dec("quote_exec", qe)
	r.Created, r.Updated = p.time("created_at", created), p.time("updated_at", updated)
	if sent.Valid {
		r.SentAt = p.time("sent_at", sent.String)
	}
	r.AvgPrice = AvgPrice(r.Executed, r.QuoteExec)
	return &r, p.result()
}

// InsertIntent takes the next sequence number, gives r its client id and state intent and
// writes the row, in one transaction: the row is durable before anything is sent.
func (j *Journal) InsertIntent(ctx context.Context, r *Row) error {
	return j.Write(ctx, func(tx *Tx) error { return j.insertIntent(tx, r) })
}

func (j *Journal) insertIntent(tx *Tx, r *Row) error {
	seq, err := reserveSeq(tx, 1)
	if err != nil {
		return err
	}
	r.ClientID = j.clientID(r.Bot, seq)
	r.State = strategy.OrderIntent
	return insertOrder(tx, r)
}

// execFunc runs one statement: a prepared one inside a Write's transaction.
type execFunc func(query string, args ...any) (sql.Result, error)

func saveOrder(exec execFunc, r *Row) error {
	res, err := exec(`UPDATE orders SET exchange_id = ?, executed = ?, quote_exec = ?, state = ?,
		reason = ?, attempts = ?, updated_at = ?, sent_at = ? WHERE client_id = ?`,
		r.ExchangeID, r.Executed.String(), r.QuoteExec.String(), string(r.State), r.Reason, r.Attempts,
		FormatTime(r.Updated), NullTime(r.SentAt), r.ClientID)
	if err != nil {
		return fmt.Errorf("journal: updating order %s: %w", r.ClientID, err)
	}
	// A row that is not there (its staged intent failed) must not pass for saved: the attempt
	// written here is what lets a request leave.
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("journal: updating order %s: %w", r.ClientID, ErrNoOrder)
	}
	return nil
}

// SaveOrder writes the mutable columns of r (exchange id, execution, state, reason, attempts,
// times), durably, grouped with other callers' writes.
func (j *Journal) SaveOrder(ctx context.Context, r *Row) error {
	return j.Write(ctx, func(tx *Tx) error { return tx.SaveOrder(r) })
}

// Order reads one row; ErrNoOrder when there is none.
func (j *Journal) Order(ctx context.Context, clientID string) (*Row, error) {
	r, err := scanOrder(j.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE client_id = ?`, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNoOrder, clientID)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: reading order %s: %w", clientID, err)
	}
	return r, nil
}

// OpenOrders returns every row without a final state, oldest first, and apart the rows whose
// stored values do not parse (each a *BadRowError naming its bot).
func (j *Journal) OpenOrders(ctx context.Context) ([]*Row, []error, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT `+orderCols+` FROM orders
		WHERE `+openStates+` ORDER BY created_at, client_id`)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: reading orders: %w", err)
	}
	defer rows.Close()
	var out []*Row
	var bad []error
	for rows.Next() {
		r, err := scanOrder(rows)
		if _, damaged := DamagedBot(err); damaged {
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

// CheckOpen reads a bot's rows without a final state and returns the first that does not
// parse, as a *BadRowError.
func (j *Journal) CheckOpen(ctx context.Context, bot string) error {
	_, err := j.queryOrders(ctx, `SELECT `+orderCols+` FROM orders WHERE bot = ? AND `+openStates, bot)
	return err
}

// OpenCount returns the number of a bot's rows without a final state.
func (j *Journal) OpenCount(ctx context.Context, bot string) (int, error) {
	var n int
	if err := j.queryRow(ctx, `SELECT count(*) FROM orders WHERE bot = ? AND `+openStates, bot).Scan(&n); err != nil {
		return 0, fmt.Errorf("journal: counting the open orders of %s: %w", bot, err)
	}
	return n, nil
}

// OrderCount returns the number of a bot's rows, final or not.
func (j *Journal) OrderCount(ctx context.Context, bot string) (int, error) {
	var n int
	if err := j.db.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE bot = ?`, bot).Scan(&n); err != nil {
		return 0, fmt.Errorf("journal: counting the orders of %s: %w", bot, err)
	}
	return n, nil
}

// OpenCounts returns the number of rows without a final state per bot.
func (j *Journal) OpenCounts(ctx context.Context) (map[string]int, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT bot, count(*) FROM orders
		WHERE bot <> '' AND `+openStates+` GROUP BY bot`)
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

// BotHistory returns a bot's final orders, newest first.
func (j *Journal) BotHistory(ctx context.Context, bot string, limit int) ([]*Row, error) {
	return j.queryOrders(ctx, `SELECT `+orderCols+` FROM orders
		WHERE bot = ? AND state IN ('filled', 'cancelled', 'rejected') ORDER BY created_at DESC, client_id DESC LIMIT ?`, bot, limit)
}

func (j *Journal) queryOrders(ctx context.Context, q string, args ...any) ([]*Row, error) {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading orders: %w", err)
	}
	defer rows.Close()
	var out []*Row
	for rows.Next() {
		r, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: reading orders: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Orders returns journal rows for a filter, newest first.
func (j *Journal) Orders(ctx context.Context, f OrderFilter) ([]Order, error) {
	var where []string
	var args []any
	if f.Bot != "" {
		where = append(where, "bot = ?")
		args = append(args, f.Bot)
	}
	if f.OpenOnly {
		where = append(where, openStates)
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
	out := make([]Order, len(recs))
	for i, r := range recs {
		out[i] = r.Order
	}
	return out, nil
}
