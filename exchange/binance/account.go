package binance

import (
	"context"
	"fmt"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// accountResp is the part of GET /api/v3/account the adapter reads.
type accountResp struct {
	CanTrade bool `json:"canTrade"`
	Balances []struct {
		Asset  string          `json:"asset"`
		Free   decimal.Decimal `json:"free"`
		Locked decimal.Decimal `json:"locked"`
	} `json:"balances"`
}

// Balances returns the account's non-zero balances.
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var p params
	p.add("omitZeroBalances", "true")
	var resp accountResp
	if err := c.call(ctx, epAccount, p, &resp); err != nil {
		return nil, fmt.Errorf("binance: reading balances: %w", err)
	}
	out := make([]exchange.Balance, 0, len(resp.Balances))
	for _, b := range resp.Balances {
		if b.Free.IsZero() && b.Locked.IsZero() {
			continue
		}
		out = append(out, exchange.Balance{Asset: b.Asset, Free: b.Free, Locked: b.Locked})
	}
	return out, nil
}

// tradeResp is one row of GET /api/v3/myTrades.
type tradeResp struct {
	Symbol          string          `json:"symbol"`
	ID              int64           `json:"id"`
	OrderID         int64           `json:"orderId"`
	Price           decimal.Decimal `json:"price"`
	Qty             decimal.Decimal `json:"qty"`
	Commission      decimal.Decimal `json:"commission"`
	CommissionAsset string          `json:"commissionAsset"`
	Time            int64           `json:"time"`
	IsBuyer         bool            `json:"isBuyer"`
}

// OrderFills returns the trades of one order: the order is looked up by client id for its
// exchange id, then GET /api/v3/myTrades?orderId= lists its fills.
func (c *Client) OrderFills(ctx context.Context, symbol, clientID string) ([]exchange.Fill, error) {
	o, err := c.GetOrder(ctx, symbol, clientID)
	if err != nil {
		return nil, fmt.Errorf("binance: listing fills: %w", err)
	}
	var p params
	p.add("symbol", o.Symbol)
	p.addInt("orderId", o.ExchangeID)
	var resp []tradeResp
	if err := c.call(ctx, epMyTrades, p, &resp); err != nil {
		return nil, fmt.Errorf("binance: listing fills of order %s: %w", clientID, err)
	}
	out := make([]exchange.Fill, 0, len(resp))
	for _, t := range resp {
		if t.OrderID != o.ExchangeID {
			continue
		}
		side := exchange.Sell
		if t.IsBuyer {
			side = exchange.Buy
		}
		out = append(out, exchange.Fill{
			TradeID: t.ID, ClientID: clientID, Symbol: t.Symbol, Side: side,
			Price: t.Price, Qty: t.Qty, Fee: t.Commission, FeeAsset: t.CommissionAsset,
			Time: firstTime(t.Time),
		})
	}
	return out, nil
}
