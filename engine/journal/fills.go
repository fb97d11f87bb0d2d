package journal

import (
	"context"
	"fmt"
	"strconv"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func insertFill(exec execFunc, f Fill) (inserted bool, err error) {
	res, err := exec(`INSERT OR IGNORE INTO fills(mode, symbol, trade_id, client_id, bot, side, price,
		qty, fee, fee_asset, time) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		string(f.Mode), f.Symbol, f.TradeID, f.ClientID, f.Bot, string(f.Side), f.Price.String(), f.Qty.String(),
		f.Fee.String(), f.FeeAsset, FormatTime(f.Time))
	if err != nil {
		return false, fmt.Errorf("journal: recording fill %d: %w", f.TradeID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FilledQty sums the recorded fills of one order.
func (j *Journal) FilledQty(ctx context.Context, clientID string) (decimal.Decimal, error) {
	rows, err := j.query(ctx, `SELECT trade_id, bot, qty FROM fills WHERE client_id = ?`, clientID)
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

const fillCols = `f.trade_id, f.client_id, f.bot, f.mode, f.symbol, f.side, f.price, f.qty, f.fee, f.fee_asset, f.time`

func scanFill(s scanner) (Fill, error) {
	var f Fill
	var mode, side, price, qty, fee, t string
	if err := s.Scan(&f.TradeID, &f.ClientID, &f.Bot, &mode, &f.Symbol, &side, &price, &qty, &fee, &f.FeeAsset, &t); err != nil {
		return f, err
	}
	f.Mode, f.Side = Mode(mode), exchange.Side(side)
	p := rowParser{table: "fills", key: strconv.FormatInt(f.TradeID, 10), bot: f.Bot}
	f.Price, f.Qty, f.Fee, f.Time = p.dec("price", price), p.dec("qty", qty), p.dec("fee", fee), p.time("time", t)
	return f, p.result()
}

// Fills returns fills, newest first, or in the order they were recorded when oldestFirst is
// set: the order a running bot's ledger applied them in, which a replay must repeat (the
// exchange's trade times and the local clock need not agree). bot "" means every bot and
// manual orders.
func (j *Journal) Fills(ctx context.Context, bot string, limit int, oldestFirst bool) ([]Fill, error) {
	q := `SELECT ` + fillCols + ` FROM fills f`
	var args []any
	if bot != "" {
		q += ` WHERE f.bot = ?`
		args = append(args, bot)
	}
	if oldestFirst {
		q += ` ORDER BY f.rowid`
	} else {
		q += ` ORDER BY f.time DESC, f.rowid DESC`
	}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	return j.queryFills(ctx, q, args...)
}

// AccountFills returns the fills of one account (a mode and, live, a key label) in the order
// they were recorded.
func (j *Journal) AccountFills(ctx context.Context, mode Mode, keyLabel string) ([]Fill, error) {
	return j.queryFills(ctx, `SELECT `+fillCols+` FROM fills f JOIN orders o ON o.client_id = f.client_id
		WHERE f.mode = ? AND o.key_label = ? ORDER BY f.rowid`, string(mode), keyLabel)
}

func (j *Journal) queryFills(ctx context.Context, q string, args ...any) ([]Fill, error) {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading fills: %w", err)
	}
	defer rows.Close()
	var out []Fill
	for rows.Next() {
		f, err := scanFill(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: reading fills: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
