package paper

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("paper: stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// text is how a decimal is stored: exact, without trailing zeros.
func text(d decimal.Decimal) string { return d.Trim(0).String() }

// createAccount inserts the account row and its starting balances when the account is new.
func createAccount(ctx context.Context, tx *sql.Tx, name string, now time.Time, start map[string]decimal.Decimal) error {
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO paper_accounts (name, created_at) VALUES (?, ?)`, name, fmtTime(now))
	if err != nil {
		return fmt.Errorf("paper: creating account %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("paper: creating account %s: %w", name, err)
	}
	if n == 0 {
		return nil // an existing account keeps its balances
	}
	for asset, amount := range start {
		if err := putBalance(ctx, tx, name, asset, balance{free: amount}); err != nil {
			return err
		}
	}
	return nil
}

func putBalance(ctx context.Context, q querier, account, asset string, b balance) error {
	_, err := q.ExecContext(ctx, `INSERT INTO paper_balances (account, asset, free, locked) VALUES (?, ?, ?, ?)
		ON CONFLICT (account, asset) DO UPDATE SET free = excluded.free, locked = excluded.locked`,
		account, asset, text(b.free), text(b.locked))
	if err != nil {
		return fmt.Errorf("paper: saving %s balance: %w", asset, err)
	}
	return nil
}

func loadBalances(ctx context.Context, q querier, account string) (map[string]*balance, error) {
	rows, err := q.QueryContext(ctx, `SELECT asset, free, locked FROM paper_balances WHERE account = ?`, account)
	if err != nil {
		return nil, fmt.Errorf("paper: loading balances: %w", err)
	}
	defer rows.Close()
	out := make(map[string]*balance)
	for rows.Next() {
		var asset string
		var b balance
		if err := rows.Scan(&asset, &b.free, &b.locked); err != nil {
			return nil, fmt.Errorf("paper: loading balances: %w", err)
		}
		out[asset] = &b
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("paper: loading balances: %w", err)
	}
	return out, nil
}

const orderColumns = `id, client_id, symbol, side, type, status, price, quantity, executed_qty, quote_qty,
	base_asset, quote_asset, lock_asset, lock_amount, created_at, updated_at`

func scanOrder(scan func(...any) error) (*order, error) {
	var o order
	var created, updated string
	err := scan(&o.ExchangeID, &o.ClientID, &o.Symbol, &o.Side, &o.Type, &o.Status, &o.Price, &o.Quantity,
		&o.ExecutedQty, &o.QuoteQty, &o.base, &o.quote, &o.lockAsset, &o.lockAmount, &created, &updated)
	if err != nil {
		return nil, err
	}
	if o.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if o.Updated, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &o, nil
}

// loadOpenOrders returns the account's resting orders, oldest first.
func loadOpenOrders(ctx context.Context, q querier, account string) ([]*order, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+orderColumns+` FROM paper_orders
		WHERE account = ? AND status IN ('NEW', 'PARTIALLY_FILLED') ORDER BY id`, account)
	if err != nil {
		return nil, fmt.Errorf("paper: loading open orders: %w", err)
	}
	defer rows.Close()
	var out []*order
	for rows.Next() {
		o, err := scanOrder(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("paper: loading open orders: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("paper: loading open orders: %w", err)
	}
	return out, nil
}

// findOrder returns the stored order with that client id, or nil when there is none.
func findOrder(ctx context.Context, q querier, account, clientID string) (*order, error) {
	row := q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM paper_orders WHERE account = ? AND client_id = ?`,
		account, clientID)
	o, err := scanOrder(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("paper: looking up order %s: %w", clientID, err)
	}
	return o, nil
}

// insertOrder stores a new order and sets its exchange id.
func insertOrder(ctx context.Context, q querier, account string, o *order) error {
	res, err := q.ExecContext(ctx, `INSERT INTO paper_orders (account, client_id, symbol, side, type, status, price,
		quantity, executed_qty, quote_qty, base_asset, quote_asset, lock_asset, lock_amount, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		account, o.ClientID, o.Symbol, string(o.Side), string(o.Type), string(o.Status), text(o.Price),
		text(o.Quantity), text(o.ExecutedQty), text(o.QuoteQty), o.base, o.quote, o.lockAsset, text(o.lockAmount),
		fmtTime(o.Created), fmtTime(o.Updated))
	if err != nil {
		return fmt.Errorf("paper: saving order %s: %w", o.ClientID, err)
	}
	if o.ExchangeID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("paper: saving order %s: %w", o.ClientID, err)
	}
	return nil
}

// updateOrder stores an order's new status, executed amounts and lock.
func updateOrder(ctx context.Context, q querier, o *order) error {
	_, err := q.ExecContext(ctx, `UPDATE paper_orders SET status = ?, executed_qty = ?, quote_qty = ?,
		lock_amount = ?, updated_at = ? WHERE id = ?`,
		string(o.Status), text(o.ExecutedQty), text(o.QuoteQty), text(o.lockAmount), fmtTime(o.Updated), o.ExchangeID)
	if err != nil {
		return fmt.Errorf("paper: updating order %s: %w", o.ClientID, err)
	}
	return nil
}

// insertFill stores a fill of order orderID and sets its trade id.
func insertFill(ctx context.Context, q querier, account string, orderID int64, f *exchange.Fill) error {
	res, err := q.ExecContext(ctx, `INSERT INTO paper_fills (account, order_id, client_id, symbol, side, price,
		qty, fee, fee_asset, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		account, orderID, f.ClientID, f.Symbol, string(f.Side), text(f.Price), text(f.Qty), text(f.Fee),
		f.FeeAsset, fmtTime(f.Time))
	if err != nil {
		return fmt.Errorf("paper: saving fill of %s: %w", f.ClientID, err)
	}
	if f.TradeID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("paper: saving fill of %s: %w", f.ClientID, err)
	}
	return nil
}

// loadFills returns the fills of one order, oldest first.
func loadFills(ctx context.Context, q querier, orderID int64) ([]exchange.Fill, error) {
	rows, err := q.QueryContext(ctx, `SELECT trade_id, client_id, symbol, side, price, qty, fee, fee_asset, time
		FROM paper_fills WHERE order_id = ? ORDER BY trade_id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("paper: loading fills: %w", err)
	}
	defer rows.Close()
	var out []exchange.Fill
	for rows.Next() {
		var f exchange.Fill
		var at string
		if err := rows.Scan(&f.TradeID, &f.ClientID, &f.Symbol, &f.Side, &f.Price, &f.Qty, &f.Fee, &f.FeeAsset, &at); err != nil {
			return nil, fmt.Errorf("paper: loading fills: %w", err)
		}
		if f.Time, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("paper: loading fills: %w", err)
	}
	return out, nil
}

// saveJobs writes the changes of jobs, in order, with the balances they left, in one
// transaction: one durable commit for the lot. It numbers inserted orders and fills.
func (a *Account) saveJobs(jobs []*job) error {
	var bal ledger
	n := 0
	for _, j := range jobs {
		n += len(j.cs)
		if len(j.l) == 0 {
			continue
		}
		if bal == nil && len(jobs) == 1 {
			bal = j.l
			continue
		}
		if bal == nil {
			bal = make(ledger, len(j.l))
		}
		for asset, b := range j.l { // a later change's balance replaces an earlier one's
			bal[asset] = b
		}
	}
	if n == 0 && len(bal) == 0 {
		return nil // barriers only
	}
	// One transaction carries many changes, so nothing may end it halfway: a.life ends only
	// once the writer has stopped. A context that cannot end also lets the driver run each
	// statement on this goroutine, not on one it would start per statement to watch the end.
	ctx := context.WithoutCancel(a.life)
	// The engine's journal writes this file too: store.WriteTx waits for it in Go.
	var own error // the rows' failure, which names what failed; WriteTx's own failures do not
	err := store.WriteTx(ctx, a.db, func(tx *sql.Tx) error {
		own = a.writeJobs(ctx, tx, jobs, bal)
		return own
	})
	if err != nil && err != own {
		return fmt.Errorf("paper: saving orders: %w", err)
	}
	return err
}

// writeJobs writes the changes of jobs and the balances bal in tx.
func (a *Account) writeJobs(ctx context.Context, tx *sql.Tx, jobs []*job, bal ledger) error {
	var err error
	for _, j := range jobs {
		for i := range j.cs {
			c := &j.cs[i]
			if !c.insert && c.o.ExchangeID == 0 {
				// Changed (filled, cancelled) before its placement was saved: the insert is
				// earlier in this transaction or an earlier one. Looked up on every try, as a
				// failed transaction's ids do not count.
				c.byClientID = true
			}
			switch {
			case c.insert:
				err = insertOrder(ctx, tx, a.name, c.o)
			case c.byClientID:
				if err = tx.QueryRowContext(ctx, `SELECT id FROM paper_orders WHERE account = ? AND client_id = ?`,
					a.name, c.o.ClientID).Scan(&c.o.ExchangeID); err != nil {
					err = fmt.Errorf("paper: updating order %s: %w", c.o.ClientID, err)
				} else {
					err = updateOrder(ctx, tx, c.o)
				}
			default:
				err = updateOrder(ctx, tx, c.o)
			}
			if err != nil {
				return err
			}
			if c.fill != nil {
				if err := insertFill(ctx, tx, a.name, c.o.ExchangeID, c.fill); err != nil {
					return err
				}
			}
		}
	}
	return bal.save(ctx, tx, a.name)
}

// reload replaces the account's balances and open orders with the saved ones. The caller
// holds a.mu, and nothing is waiting to be saved.
func (a *Account) reload() error {
	balances, err := loadBalances(a.life, a.db, a.name)
	if err != nil {
		return err
	}
	orders, err := loadOpenOrders(a.life, a.db, a.name)
	if err != nil {
		return err
	}
	a.balances = balances
	a.open = make(map[string]*order, len(orders))
	a.books = make(map[string]*book)
	for _, o := range orders {
		a.rest(o)
	}
	return nil
}
