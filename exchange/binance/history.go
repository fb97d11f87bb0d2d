package binance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// CandlesBetween returns up to limit (at most 1000) candles of symbol opening in [from, to),
// oldest first: one page of a history backfill. Like every request it waits inside the
// minute's weight budget.
func (c *Client) CandlesBetween(ctx context.Context, symbol string, interval time.Duration, from, to time.Time, limit int) ([]exchange.Candle, error) {
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	if !validSymbol(symbol) {
		return nil, fmt.Errorf("binance: reading candles: symbol %q is not valid: %w", symbol, exchange.ErrRejected)
	}
	iv, ok := klineInterval(interval)
	if !ok {
		return nil, fmt.Errorf("binance: reading candles: interval %s is not offered by Binance: %w", interval, exchange.ErrRejected)
	}
	if !to.After(from) {
		return nil, nil
	}
	var p params
	p.add("symbol", symbol)
	p.add("interval", iv)
	p.addInt("startTime", from.UnixMilli())
	p.addInt("endTime", to.UnixMilli()-1)
	p.addInt("limit", int64(min(max(limit, 1), maxKlines)))
	var rows [][]json.RawMessage
	if err := c.call(ctx, epKlines, p, &rows); err != nil {
		return nil, fmt.Errorf("binance: reading %s candles for %s: %w", iv, symbol, err)
	}
	out := make([]exchange.Candle, 0, len(rows))
	for i, row := range rows {
		k, err := parseKline(row)
		if err != nil {
			return nil, fmt.Errorf("binance: reading candles for %s: row %d: %w", symbol, i, err)
		}
		if !k.Open.Before(from) && k.Open.Before(to) {
			out = append(out, k)
		}
	}
	return out, nil
}
