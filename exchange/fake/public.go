package fake

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/govalues/decimal"
)

func (s *Server) handleExchangeInfo(w *statusWriter, p params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.symbols
	if sym := p.get("symbol"); sym != "" {
		want = []string{sym}
	} else if list := p.get("symbols"); list != "" {
		var syms []string
		if err := json.Unmarshal([]byte(list), &syms); err != nil {
			s.writeError(w, badRequest(codeIllegalChars, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'."))
			return
		}
		want = syms
	}
	info := exchangeInfoJSON{
		Timezone: "UTC", ServerTime: s.now().UnixMilli(),
		RateLimits: []rateLimitJSON{
			{"REQUEST_WEIGHT", "MINUTE", 1, max(s.opts.WeightLimit, 0)},
			{"ORDERS", "SECOND", 10, max(s.opts.OrderLimit10s, 0)},
			{"ORDERS", "DAY", 1, 200000},
			{"RAW_REQUESTS", "MINUTE", 5, 61000},
		},
		ExchangeFilters: []any{}, Symbols: []symbolJSON{},
	}
	for _, sym := range want {
		m, ok := s.markets[sym]
		if !ok {
			s.writeError(w, errBadSymbol())
			return
		}
		info.Symbols = append(info.Symbols, symbolInfo(m))
	}
	writeJSON(w, http.StatusOK, info)
}

func symbolInfo(m *market) symbolJSON {
	r := m.rules
	zero := fmtDec(decimal.Decimal{})
	filters := []map[string]any{
		{"filterType": "PRICE_FILTER", "minPrice": fmtDec(r.MinPrice), "maxPrice": fmtDec(r.MaxPrice), "tickSize": fmtDec(r.TickSize)},
		{"filterType": "LOT_SIZE", "minQty": fmtDec(r.MinQty), "maxQty": fmtDec(r.MaxQty), "stepSize": fmtDec(r.StepSize)},
		{"filterType": "ICEBERG_PARTS", "limit": 10},
		{"filterType": "MARKET_LOT_SIZE", "minQty": zero, "maxQty": fmtDec(r.MarketMaxQty), "stepSize": zero},
		{"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10, "maxTrailingAboveDelta": 2000, "minTrailingBelowDelta": 10, "maxTrailingBelowDelta": 2000},
		{"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "5", "bidMultiplierDown": "0.2", "askMultiplierUp": "5", "askMultiplierDown": "0.2", "avgPriceMins": 5},
	}
	if m.legacy {
		filters = append(filters, map[string]any{"filterType": "MIN_NOTIONAL", "minNotional": fmtDec(r.MinNotional), "applyToMarket": r.ApplyMinToMarket, "avgPriceMins": 5})
	} else {
		filters = append(filters, map[string]any{"filterType": "NOTIONAL", "minNotional": fmtDec(r.MinNotional), "applyMinToMarket": r.ApplyMinToMarket, "maxNotional": fmtDec(r.MaxNotional), "applyMaxToMarket": r.ApplyMaxToMarket, "avgPriceMins": 5})
	}
	filters = append(filters,
		map[string]any{"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
		map[string]any{"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
	)
	return symbolJSON{
		Symbol: r.Symbol, Status: r.Status, BaseAsset: r.Base, BaseAssetPrecision: 8, QuoteAsset: r.Quote,
		QuotePrecision: 8, QuoteAssetPrecision: 8, BaseCommissionPrecision: 8, QuoteCommissionPrecision: 8,
		OrderTypes:     []string{"LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"},
		IcebergAllowed: true, OcoAllowed: true, OtoAllowed: true, QuoteOrderQtyMarketAllowed: true,
		AllowTrailingStop: true, CancelReplaceAllowed: true, AllowAmend: false, IsSpotTradingAllowed: true,
		IsMarginTradingAllowed: false, Filters: filters, Permissions: []string{}, PermissionSets: [][]string{{"SPOT"}},
		DefaultSelfTradePreventionMode: "EXPIRE_MAKER", AllowedSelfTradePreventionModes: []string{"EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"},
	}
}

func (s *Server) handleBookTicker(w *statusWriter, p params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	one := func(m *market) bookTickerJSON {
		return bookTickerJSON{Symbol: m.rules.Symbol, BidPrice: fmtDec(m.bid), BidQty: fmtDec(m.bidQty), AskPrice: fmtDec(m.ask), AskQty: fmtDec(m.askQty)}
	}
	if sym := p.get("symbol"); sym != "" {
		m, ok := s.markets[sym]
		if !ok {
			s.writeError(w, errBadSymbol())
			return
		}
		writeJSON(w, http.StatusOK, one(m))
		return
	}
	out := make([]bookTickerJSON, 0, len(s.symbols))
	for _, sym := range s.symbols {
		out = append(out, one(s.markets[sym]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleTickerPrice(w *statusWriter, p params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type price struct {
		Symbol string `json:"symbol"`
		Price  string `json:"price"`
	}
	if sym := p.get("symbol"); sym != "" {
		m, ok := s.markets[sym]
		if !ok {
			s.writeError(w, errBadSymbol())
			return
		}
		writeJSON(w, http.StatusOK, price{m.rules.Symbol, fmtDec(m.last)})
		return
	}
	out := make([]price, 0, len(s.symbols))
	for _, sym := range s.symbols {
		out = append(out, price{sym, fmtDec(s.markets[sym].last)})
	}
	writeJSON(w, http.StatusOK, out)
}

type exchangeInfoJSON struct {
	Timezone        string          `json:"timezone"`
	ServerTime      int64           `json:"serverTime"`
	RateLimits      []rateLimitJSON `json:"rateLimits"`
	ExchangeFilters []any           `json:"exchangeFilters"`
	Symbols         []symbolJSON    `json:"symbols"`
}

type rateLimitJSON struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
}

type symbolJSON struct {
	Symbol                          string           `json:"symbol"`
	Status                          string           `json:"status"`
	BaseAsset                       string           `json:"baseAsset"`
	BaseAssetPrecision              int              `json:"baseAssetPrecision"`
	QuoteAsset                      string           `json:"quoteAsset"`
	QuotePrecision                  int              `json:"quotePrecision"`
	QuoteAssetPrecision             int              `json:"quoteAssetPrecision"`
	BaseCommissionPrecision         int              `json:"baseCommissionPrecision"`
	QuoteCommissionPrecision        int              `json:"quoteCommissionPrecision"`
	OrderTypes                      []string         `json:"orderTypes"`
	IcebergAllowed                  bool             `json:"icebergAllowed"`
	OcoAllowed                      bool             `json:"ocoAllowed"`
	OtoAllowed                      bool             `json:"otoAllowed"`
	QuoteOrderQtyMarketAllowed      bool             `json:"quoteOrderQtyMarketAllowed"`
	AllowTrailingStop               bool             `json:"allowTrailingStop"`
	CancelReplaceAllowed            bool             `json:"cancelReplaceAllowed"`
	AllowAmend                      bool             `json:"allowAmend"`
	IsSpotTradingAllowed            bool             `json:"isSpotTradingAllowed"`
	IsMarginTradingAllowed          bool             `json:"isMarginTradingAllowed"`
	Filters                         []map[string]any `json:"filters"`
	Permissions                     []string         `json:"permissions"`
	PermissionSets                  [][]string       `json:"permissionSets"`
	DefaultSelfTradePreventionMode  string           `json:"defaultSelfTradePreventionMode"`
	AllowedSelfTradePreventionModes []string         `json:"allowedSelfTradePreventionModes"`
}

type bookTickerJSON struct {
	Symbol   string `json:"symbol"`
	BidPrice string `json:"bidPrice"`
	BidQty   string `json:"bidQty"`
	AskPrice string `json:"askPrice"`
	AskQty   string `json:"askQty"`
}

// isStreamPath reports whether path is a websocket endpoint (market streams or the WebSocket
// API).
func isStreamPath(path string) bool {
	return path == "/ws" || strings.HasPrefix(path, "/ws/") || path == "/stream" || path == "/stream/" || path == wsAPIPath
}
