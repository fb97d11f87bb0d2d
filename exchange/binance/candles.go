package binance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// maxKlines is the most candles one GET /api/v3/klines returns.
const maxKlines = 1000

// klineInterval spells a candle duration the way Binance names intervals.
func klineInterval(d time.Duration) (string, bool) {
	switch d {
	case time.Minute:
		return "1m", true
	case 3 * time.Minute:
		return "3m", true
	case 5 * time.Minute:
		return "5m", true
	case 15 * time.Minute:
		return "15m", true
	case 30 * time.Minute:
		return "30m", true
	case time.Hour:
		return "1h", true
	case 2 * time.Hour:
		return "2h", true
	case 4 * time.Hour:
		return "4h", true
	case 6 * time.Hour:
		return "6h", true
	case 8 * time.Hour:
		return "8h", true
	case 12 * time.Hour:
		return "12h", true
	case 24 * time.Hour:
		return "1d", true
	case 3 * 24 * time.Hour:
		return "3d", true
	case 7 * 24 * time.Hour:
		return "1w", true
	}
	return "", false
}

// Candles returns up to limit of the most recent candles (at most 1000), oldest first.
func (c *Client) Candles(ctx context.Context, symbol string, interval time.Duration, limit int) ([]exchange.Candle, error) {
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	if !validSymbol(symbol) {
		return nil, fmt.Errorf("binance: reading candles: symbol %q is not valid: %w", symbol, exchange.ErrRejected)
	}
	iv, ok := klineInterval(interval)
	if !ok {
		return nil, fmt.Errorf("binance: reading candles: interval %s is not offered by Binance: use 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d or 1w: %w", interval, exchange.ErrRejected)
	}
	limit = min(max(limit, 1), maxKlines)
	var p params
	p.add("symbol", symbol)
	p.add("interval", iv)
	p.addInt("limit", int64(limit))
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
		out = append(out, k)
	}
	return out, nil
}

// parseKline reads [openTime, open, high, low, close, volume, ...].
func parseKline(row []json.RawMessage) (exchange.Candle, error) {
	if len(row) < 6 {
		return exchange.Candle{}, fmt.Errorf("kline has %d fields, want at least 6", len(row))
	}
	var open int64
	if err := json.Unmarshal(row[0], &open); err != nil {
		return exchange.Candle{}, fmt.Errorf("kline open time: %w", err)
	}
	var v [5]decimal.Decimal
	for i := range v {
		if err := v[i].UnmarshalJSON(row[i+1]); err != nil {
			return exchange.Candle{}, fmt.Errorf("kline field %d: %w", i+1, err)
		}
	}
	return exchange.Candle{Open: time.UnixMilli(open).UTC(), O: v[0], H: v[1], L: v[2], C: v[3], Volume: v[4]}, nil
}
