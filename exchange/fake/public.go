package fake

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"
)

func (s *Server) handleExchangeInfo(w *statusWriter, p params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.order
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
			s.writeError(w, badRequest(codeBadSymbol, "Invalid symbol."))
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
			s.writeError(w, badRequest(codeBadSymbol, "Invalid symbol."))
			return
		}
		writeJSON(w, http.StatusOK, one(m))
		return
	}
	out := make([]bookTickerJSON, 0, len(s.order))
	for _, sym := range s.order {
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
			s.writeError(w, badRequest(codeBadSymbol, "Invalid symbol."))
			return
		}
		writeJSON(w, http.StatusOK, price{m.rules.Symbol, fmtDec(m.last)})
		return
	}
	out := make([]price, 0, len(s.order))
	for _, sym := range s.order {
		out = append(out, price{sym, fmtDec(s.markets[sym].last)})
	}
	writeJSON(w, http.StatusOK, out)
}

// interval parses a kline interval Binance accepts (1M, calendar months, is not offered).
func interval(name string) (time.Duration, bool) {
	switch name {
	case "1s":
		return time.Second, true
	case "1m", "3m", "5m", "15m", "30m":
		n, _ := strconv.Atoi(strings.TrimSuffix(name, "m"))
		return time.Duration(n) * time.Minute, true
	case "1h", "2h", "4h", "6h", "8h", "12h":
		n, _ := strconv.Atoi(strings.TrimSuffix(name, "h"))
		return time.Duration(n) * time.Hour, true
	case "1d", "3d":
		n, _ := strconv.Atoi(strings.TrimSuffix(name, "d"))
		return time.Duration(n) * 24 * time.Hour, true
	case "1w":
		return 7 * 24 * time.Hour, true
	}
	return 0, false
}

// handleKlines serves candles: live 1m candles since the server started where it has them,
// and a deterministic synthetic history (a function of symbol and time) before that.
func (s *Server) handleKlines(w *statusWriter, p params) {
	symbol := p.get("symbol")
	if symbol == "" {
		s.writeError(w, errMandatory("symbol"))
		return
	}
	ivName := p.get("interval")
	if ivName == "" {
		s.writeError(w, errMandatory("interval"))
		return
	}
	iv, ok := interval(ivName)
	if !ok {
		s.writeError(w, badRequest(codeBadInterval, "Invalid interval."))
		return
	}
	limit, e := intParam(p, "limit", 500)
	if e == nil && (limit < 1 || limit > 1000) {
		e = badRequest(codeMandatory, "'limit' contains unexpected value. Cannot be greater than '1000'.")
	}
	startMS, e2 := intParam(p, "startTime", -1)
	endMS, e3 := intParam(p, "endTime", -1)
	for _, err := range []*apiError{e, e2, e3} {
		if err != nil {
			s.writeError(w, err)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markets[symbol]
	if !ok {
		s.writeError(w, badRequest(codeBadSymbol, "Invalid symbol."))
		return
	}
	now := s.now()
	last := now.Truncate(iv)
	if endMS >= 0 {
		if end := time.UnixMilli(endMS).UTC().Truncate(iv); end.Before(last) {
			last = end
		}
	}
	first := last.Add(-time.Duration(limit-1) * iv)
	if startMS >= 0 {
		first = time.UnixMilli(startMS).UTC()
		if t := first.Truncate(iv); !t.Equal(first) {
			first = t.Add(iv)
		}
		if l := first.Add(time.Duration(limit-1) * iv); l.Before(last) {
			last = l
		}
	}
	out := [][]any{}
	for t := first; !t.After(last); t = t.Add(iv) {
		out = append(out, s.kline(m, t, iv, now).row(iv))
	}
	writeJSON(w, http.StatusOK, out)
}

// kline returns the candle opening at t: live data for 1m when the server has it, otherwise
// synthetic; the candle holding now closes at the current price.
func (s *Server) kline(m *market, t time.Time, iv time.Duration, now time.Time) candle {
	if iv == time.Minute {
		if t.Equal(m.cur.open) && m.cur.n > 0 {
			return m.cur
		}
		for i := len(m.closed) - 1; i >= 0; i-- {
			if c := m.closed[i]; c.open.Equal(t) && c.n > 0 {
				return c
			}
		}
	}
	c := synthCandle(m, t, iv)
	if !now.Before(t) && now.Before(t.Add(iv)) {
		c.c = m.last
		c.h, c.l = c.h.Max(m.last), c.l.Min(m.last)
	}
	return c
}

// synthCandle makes a plausible candle from a hash of symbol and time: whole ticks around the
// starting price, so history is stable across calls.
func synthCandle(m *market, t time.Time, iv time.Duration) candle {
	tick := m.rules.TickSize
	span, err := m.startPrice.Quo(tick)
	maxTicks := int64(1)
	if err == nil {
		if n, _, ok := span.Trunc(0).Int64(0); ok {
			maxTicks = max(1, n/200) // about 0.5% either way
		}
	}
	at := func(ts time.Time, salt string) decimal.Decimal {
		h := fnv.New64a()
		h.Write([]byte(m.rules.Symbol + salt))
		h.Write([]byte(ts.Format(time.RFC3339Nano)))
		off := int64(h.Sum64()%uint64(2*maxTicks+1)) - maxTicks
		d, err := tick.Mul(decimal.MustNew(off, 0))
		if err != nil {
			return m.startPrice
		}
		p, err := m.startPrice.Add(d)
		if err != nil || !p.IsPos() {
			return m.startPrice
		}
		return p
	}
	o, c := at(t, ""), at(t.Add(iv), "")
	h := o.Max(c).Max(at(t, "h"))
	l := o.Min(c).Min(at(t, "l"))
	v := m.tradeQty
	if n, err := v.Mul(decimal.MustNew(int64(iv/time.Minute)+1, 0)); err == nil {
		v = n
	}
	q, _ := v.Mul(c)
	return candle{open: t, o: o, h: h, l: l, c: c, v: v, q: q, n: int(iv/time.Minute) + 1}
}

// row is a kline as Binance lists it.
func (c candle) row(iv time.Duration) []any {
	return []any{
		c.open.UnixMilli(), fmtDec(c.o), fmtDec(c.h), fmtDec(c.l), fmtDec(c.c), fmtDec(c.v),
		c.open.Add(iv).UnixMilli() - 1, fmtDec(c.q), c.n, fmtDec(c.takerV), fmtDec(c.takerQ), "0",
	}
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
