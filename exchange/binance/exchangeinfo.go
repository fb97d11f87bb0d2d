package binance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// rulesTTL is how long parsed symbol rules are trusted; Binance changes filters rarely and
// announces it, and a -1013 answer drops the cached entry at once.
const rulesTTL = 30 * time.Minute

type cachedRules struct {
	rules   exchange.Rules
	fetched time.Time
}

// exchangeInfo is the part of GET /api/v3/exchangeInfo the adapter reads.
type exchangeInfo struct {
	RateLimits []struct {
		RateLimitType string `json:"rateLimitType"`
		Interval      string `json:"interval"`
		IntervalNum   int    `json:"intervalNum"`
		Limit         int    `json:"limit"`
	} `json:"rateLimits"`
	Symbols []symbolInfo `json:"symbols"`
}

type symbolInfo struct {
	Symbol     string         `json:"symbol"`
	Status     string         `json:"status"`
	BaseAsset  string         `json:"baseAsset"`
	QuoteAsset string         `json:"quoteAsset"`
	Filters    []symbolFilter `json:"filters"`
}

// symbolFilter holds the fields of every filter type QuantDeck reads; the others are ignored.
type symbolFilter struct {
	FilterType       string          `json:"filterType"`
	MinPrice         decimal.Decimal `json:"minPrice"`
	MaxPrice         decimal.Decimal `json:"maxPrice"`
	TickSize         decimal.Decimal `json:"tickSize"`
	MinQty           decimal.Decimal `json:"minQty"`
	MaxQty           decimal.Decimal `json:"maxQty"`
	StepSize         decimal.Decimal `json:"stepSize"`
	MinNotional      decimal.Decimal `json:"minNotional"`
	MaxNotional      decimal.Decimal `json:"maxNotional"`
	ApplyMinToMarket bool            `json:"applyMinToMarket"`
	ApplyMaxToMarket bool            `json:"applyMaxToMarket"`
	ApplyToMarket    bool            `json:"applyToMarket"` // legacy MIN_NOTIONAL
}

// toRules converts one symbol's filters. A modern NOTIONAL filter wins over a legacy MIN_NOTIONAL.
func (s symbolInfo) toRules() exchange.Rules {
	r := exchange.Rules{Symbol: s.Symbol, Base: s.BaseAsset, Quote: s.QuoteAsset, Status: s.Status}
	haveNotional := false
	for _, f := range s.Filters {
		switch f.FilterType {
		case "PRICE_FILTER":
			r.MinPrice, r.MaxPrice, r.TickSize = f.MinPrice, f.MaxPrice, f.TickSize
		case "LOT_SIZE":
			r.MinQty, r.MaxQty, r.StepSize = f.MinQty, f.MaxQty, f.StepSize
		case "MARKET_LOT_SIZE":
			r.MarketMinQty, r.MarketMaxQty, r.MarketStepSize = f.MinQty, f.MaxQty, f.StepSize
		case "NOTIONAL":
			haveNotional = true
			r.MinNotional, r.MaxNotional = f.MinNotional, f.MaxNotional
			r.ApplyMinToMarket, r.ApplyMaxToMarket = f.ApplyMinToMarket, f.ApplyMaxToMarket
		case "MIN_NOTIONAL":
			if !haveNotional {
				r.MinNotional, r.ApplyMinToMarket = f.MinNotional, f.ApplyToMarket
			}
		}
	}
	return r
}

// weightLimit returns the REQUEST_WEIGHT limit per minute, or 0 when absent.
func (ei exchangeInfo) weightLimit() int {
	for _, l := range ei.RateLimits {
		if l.RateLimitType == "REQUEST_WEIGHT" && l.Interval == "MINUTE" && l.IntervalNum == 1 {
			return l.Limit
		}
	}
	return 0
}

// Rules returns a symbol's trading rules from exchangeInfo, cached for 30 minutes.
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.Rules, error) {
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	if !validSymbol(symbol) {
		return exchange.Rules{}, fmt.Errorf("binance: symbol %q is not valid: use letters and digits like BTCUSDT: %w", symbol, exchange.ErrFilter)
	}
	if r, ok := c.cachedRules(symbol); ok {
		return r, nil
	}
	// One fetch at a time: concurrent first orders would otherwise each spend 20 weight on the
	// same answer.
	c.rulesFetch.Lock()
	defer c.rulesFetch.Unlock()
	if r, ok := c.cachedRules(symbol); ok {
		return r, nil
	}
	now := c.now()
	var p params
	p.add("symbol", symbol)
	var ei exchangeInfo
	if err := c.call(ctx, epExchangeInfo, p, &ei); err != nil {
		return exchange.Rules{}, fmt.Errorf("binance: reading the rules for %s: %w", symbol, err)
	}
	if l := ei.weightLimit(); l > 0 {
		c.rate.setLimit(l)
	}
	for _, s := range ei.Symbols {
		if s.Symbol == symbol {
			r := s.toRules()
			c.rulesMu.Lock()
			c.rules[symbol] = cachedRules{rules: r, fetched: now}
			c.rulesMu.Unlock()
			return r, nil
		}
	}
	return exchange.Rules{}, fmt.Errorf("binance: %s is not listed on %s: %w", symbol, c.name, exchange.ErrFilter)
}

// cachedRules returns a symbol's rules when they were fetched less than rulesTTL ago.
func (c *Client) cachedRules(symbol string) (exchange.Rules, bool) {
	c.rulesMu.Lock()
	defer c.rulesMu.Unlock()
	cr, ok := c.rules[symbol]
	if !ok || c.now().Sub(cr.fetched) >= rulesTTL {
		return exchange.Rules{}, false
	}
	return cr.rules, true
}

// forgetRules drops a symbol's cached rules (after the exchange refused an order on a filter).
func (c *Client) forgetRules(symbol string) {
	c.rulesMu.Lock()
	delete(c.rules, symbol)
	c.rulesMu.Unlock()
}

// validSymbol accepts Binance symbol names: upper-case letters and digits.
func validSymbol(s string) bool {
	if len(s) < 2 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if (ch < 'A' || ch > 'Z') && (ch < '0' || ch > '9') {
			return false
		}
	}
	return true
}
