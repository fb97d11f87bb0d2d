package binance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// orderResp is an order as POST/GET/DELETE /api/v3/order and GET /api/v3/openOrders return it.
type orderResp struct {
	Symbol            string          `json:"symbol"`
	OrderID           int64           `json:"orderId"`
	ClientOrderID     string          `json:"clientOrderId"`
	OrigClientOrderID string          `json:"origClientOrderId"` // DELETE: the order's own id
	TransactTime      int64           `json:"transactTime"`
	Time              int64           `json:"time"`
	UpdateTime        int64           `json:"updateTime"`
	Price             decimal.Decimal `json:"price"`
	OrigQty           decimal.Decimal `json:"origQty"`
	ExecutedQty       decimal.Decimal `json:"executedQty"`
	CumQuoteQty       decimal.Decimal `json:"cummulativeQuoteQty"`
	Status            string          `json:"status"`
	Type              string          `json:"type"`
	Side              string          `json:"side"`
	Fills             []struct {
		Price           decimal.Decimal `json:"price"`
		Qty             decimal.Decimal `json:"qty"`
		Commission      decimal.Decimal `json:"commission"`
		CommissionAsset string          `json:"commissionAsset"`
		TradeID         int64           `json:"tradeId"`
	} `json:"fills"`
}

func (o orderResp) toOrder() exchange.Order {
	id := o.ClientOrderID
	if o.OrigClientOrderID != "" {
		id = o.OrigClientOrderID
	}
	created := firstTime(o.Time, o.TransactTime)
	updated := firstTime(o.UpdateTime, o.TransactTime, o.Time)
	out := exchange.Order{
		ClientID:    id,
		ExchangeID:  o.OrderID,
		Symbol:      o.Symbol,
		Side:        exchange.Side(o.Side),
		Type:        exchange.OrderType(o.Type),
		Status:      exchange.OrderStatus(o.Status),
		Price:       o.Price,
		Quantity:    o.OrigQty,
		ExecutedQty: o.ExecutedQty,
		QuoteQty:    o.CumQuoteQty,
		Created:     created,
		Updated:     updated,
	}
	for _, f := range o.Fills {
		out.Fills = append(out.Fills, exchange.Fill{
			TradeID: f.TradeID, ClientID: id, Symbol: o.Symbol, Side: out.Side,
			Price: f.Price, Qty: f.Qty, Fee: f.Commission, FeeAsset: f.CommissionAsset,
			Time: updated,
		})
	}
	return out
}

// firstTime returns the first non-zero millisecond timestamp as UTC time.
func firstTime(ms ...int64) time.Time {
	for _, m := range ms {
		if m > 0 {
			return time.UnixMilli(m).UTC()
		}
	}
	return time.Time{}
}

// validClientID reports whether id fits Binance's client order id rules.
func validClientID(id string) bool {
	if len(id) == 0 || len(id) > 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_':
		default:
			return false
		}
	}
	return true
}

// checkOrderKey validates the symbol and client id of a lookup or cancel.
func checkOrderKey(symbol, clientID string) (string, error) {
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	if !validSymbol(symbol) {
		return "", fmt.Errorf("symbol %q is not valid: %w", symbol, exchange.ErrRejected)
	}
	if !validClientID(clientID) {
		return "", fmt.Errorf("client order id %q must be 1-36 letters, digits, '-' or '_': %w", clientID, exchange.ErrRejected)
	}
	return symbol, nil
}

// preflight makes an error from a step before the order is sent definite: a failed read of the
// rules or a price means the order was certainly not placed, whatever that read's own outcome.
func preflight(err error) error {
	if errors.Is(err, exchange.ErrAmbiguous) {
		return fmt.Errorf("%w (order not sent: %v)", exchange.ErrUnavailable, err)
	}
	return err
}

// PlaceOrder rounds req to the symbol's rules, checks its filters and sends it with the caller's
// client order id (FULL response, so immediate fills come back with the order). An error wrapping
// exchange.ErrAmbiguous means the order may exist: look it up with GetOrder before anything else.
// req.OnSend hears every signed send before it leaves.
func (c *Client) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	symbol, err := checkOrderKey(req.Symbol, req.ClientID)
	if err != nil {
		return exchange.Order{}, fmt.Errorf("binance: placing order: %w", err)
	}
	req.Symbol = symbol
	rules, err := c.Rules(ctx, symbol)
	if err != nil {
		return exchange.Order{}, fmt.Errorf("binance: placing order %s: %w", req.ClientID, preflight(err))
	}
	var ref decimal.Decimal
	if req.Type == exchange.Market && req.QuoteQty.IsZero() {
		ref = c.refPrice(ctx, symbol)
	}
	req, err = rules.Normalize(req, ref)
	if err != nil {
		return exchange.Order{}, fmt.Errorf("binance: placing order %s: %w", req.ClientID, err)
	}
	var p params
	p.add("symbol", symbol)
	p.add("side", string(req.Side))
	p.add("type", string(req.Type))
	if req.Type == exchange.Limit {
		p.add("timeInForce", string(req.TimeInForce))
		p.addDecimal("quantity", req.Quantity)
		p.addDecimal("price", req.Price)
	} else if !req.QuoteQty.IsZero() {
		p.addDecimal("quoteOrderQty", req.QuoteQty)
	} else {
		p.addDecimal("quantity", req.Quantity)
	}
	p.add("newClientOrderId", req.ClientID)
	p.add("newOrderRespType", "FULL")
	var report signedHook
	if req.OnSend != nil {
		onSend, id := req.OnSend, req.ClientID
		report = func(ctx context.Context, ts time.Time) error {
			return onSend(ctx, exchange.SignedSend{ClientID: id, Timestamp: ts, RecvWindow: c.recvWindow,
				Offset: c.ClockOffset(), Uncertainty: c.ClockUncertainty()})
		}
	}
	var resp orderResp
	if err := c.callReported(ctx, epNewOrder, p, &resp, report); err != nil {
		err = placementError(err)
		if errors.Is(err, exchange.ErrFilter) {
			c.forgetRules(symbol)
		}
		return exchange.Order{}, fmt.Errorf("binance: placing order %s: %w", req.ClientID, err)
	}
	return resp.toOrder(), nil
}

// ReportsSends reports that PlaceOrder calls OrderRequest.OnSend before every signed send of
// an order, the resend after a rejected timestamp included.
func (c *Client) ReportsSends() bool { return true }

// refPrice is the current price used to check a market order's notional; zero when unknown (the
// exchange still checks it).
func (c *Client) refPrice(ctx context.Context, symbol string) decimal.Decimal {
	var p params
	p.add("symbol", symbol)
	var resp struct {
		Price decimal.Decimal `json:"price"`
	}
	if err := c.call(ctx, epTickerPrice, p, &resp); err != nil {
		c.log.Warn("binance: no reference price for a market order; the exchange will check its value", "symbol", symbol, "err", err)
		return decimal.Decimal{}
	}
	return resp.Price
}

// GetOrder looks an order up by its client order id; exchange.ErrUnknownOrder means the exchange
// has no such order.
func (c *Client) GetOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	symbol, err := checkOrderKey(symbol, clientID)
	if err != nil {
		return exchange.Order{}, fmt.Errorf("binance: looking up order: %w", err)
	}
	var p params
	p.add("symbol", symbol)
	p.add("origClientOrderId", clientID)
	var resp orderResp
	if err := c.call(ctx, epGetOrder, p, &resp); err != nil {
		return exchange.Order{}, fmt.Errorf("binance: looking up order %s: %w", clientID, err)
	}
	return resp.toOrder(), nil
}

// CancelOrder cancels an open order by its client order id and returns its final state.
func (c *Client) CancelOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	symbol, err := checkOrderKey(symbol, clientID)
	if err != nil {
		return exchange.Order{}, fmt.Errorf("binance: cancelling order: %w", err)
	}
	var p params
	p.add("symbol", symbol)
	p.add("origClientOrderId", clientID)
	var resp orderResp
	if err := c.call(ctx, epCancelOrder, p, &resp); err != nil {
		return exchange.Order{}, fmt.Errorf("binance: cancelling order %s: %w", clientID, err)
	}
	return resp.toOrder(), nil
}

// OpenOrders lists open orders for one symbol, or for all symbols when symbol is "" (which costs
// 80 request weight instead of 6).
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	var p params
	ep := epAllOpenOrders
	if symbol != "" {
		symbol = strings.ToUpper(strings.TrimSpace(symbol))
		if !validSymbol(symbol) {
			return nil, fmt.Errorf("binance: listing open orders: symbol %q is not valid: %w", symbol, exchange.ErrRejected)
		}
		p.add("symbol", symbol)
		ep = epOpenOrders
	}
	var resp []orderResp
	if err := c.call(ctx, ep, p, &resp); err != nil {
		return nil, fmt.Errorf("binance: listing open orders: %w", err)
	}
	out := make([]exchange.Order, 0, len(resp))
	for _, o := range resp {
		out = append(out, o.toOrder())
	}
	return out, nil
}
