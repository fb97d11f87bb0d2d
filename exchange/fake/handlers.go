package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func (s *Server) handleNewOrder(w *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	req, m, e := s.parseOrder(p)
	if e != nil {
		return nil, e
	}
	if e := s.takeAnswerLocked(false); e != nil {
		return nil, e
	}
	now := s.now()
	o, fills, e := s.place(a, m, req, now)
	if e != nil {
		return nil, e
	}
	a.orderCountHeaders(w, now)
	if e := s.takeAnswerLocked(true); e != nil {
		return nil, e
	}
	if s.takeLocked(&s.faults.dropOrder) {
		return nil, errDropped
	}
	if s.takeLocked(&s.faults.errAfter) {
		return nil, &apiError{status: http.StatusInternalServerError, code: codeUnknown, msg: "An unknown error occurred while processing the request."}
	}
	ack := ackJSON{Symbol: o.symbol, OrderID: o.id, OrderListID: -1, ClientOrderID: o.clientID, TransactTime: now.UnixMilli()}
	if req.respType == "ACK" {
		return ack, nil
	}
	res := resultJSON{
		ackJSON: ack, Price: fmtDec(o.price), OrigQty: fmtDec(o.origQty), ExecutedQty: fmtDec(o.executed),
		OrigQuoteOrderQty: fmtDec(o.origQuoteQty), CummulativeQuoteQty: fmtDec(o.cumQuote), Status: string(o.status),
		TimeInForce: string(o.tif), Type: string(o.typ), Side: string(o.side), WorkingTime: o.created.UnixMilli(),
		SelfTradePreventionMode: "EXPIRE_MAKER",
	}
	if req.respType == "RESULT" {
		return res, nil
	}
	full := fullJSON{resultJSON: res, Fills: []fillJSON{}}
	for _, t := range fills {
		full.Fills = append(full.Fills, fillJSON{Price: fmtDec(t.price), Qty: fmtDec(t.qty), Commission: fmtDec(t.fee), CommissionAsset: t.feeAsset, TradeID: t.id})
	}
	return full, nil
}

// handleTestOrder validates an order like a real placement would (parameters and filters),
// without placing it or checking balances (POST /api/v3/order/test).
func (s *Server) handleTestOrder(_ *statusWriter, _ *http.Request, p params, _ *account) (any, *apiError) {
	req, m, e := s.parseOrder(p)
	if e != nil {
		return nil, e
	}
	ref, qty := req.price, req.qty
	if req.typ == exchange.Market {
		ref = m.ask
		if req.side == exchange.Sell {
			ref = m.bid
		}
		if !req.quoteQty.IsZero() {
			if q, err := req.quoteQty.Quo(ref); err == nil {
				qty = m.rules.RoundQty(q, exchange.Limit)
			}
		}
	}
	if e := checkFilters(m, req.typ, ref, qty); e != nil {
		return nil, e
	}
	return struct{}{}, nil
}

func (s *Server) handleGetOrder(_ *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	o, e := s.lookup(a, p)
	if e != nil {
		if e.code == codeCancelRejected {
			e = badRequest(codeNoSuchOrder, "Order does not exist.")
		}
		return nil, e
	}
	return queryJSONOf(o), nil
}

func (s *Server) handleCancelOrder(_ *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	o, e := s.lookup(a, p)
	if e != nil {
		return nil, e
	}
	if !o.open() {
		return nil, badRequest(codeCancelRejected, "Unknown order sent.")
	}
	now := s.now()
	cid := p.get("newClientOrderId")
	if cid == "" {
		cid = randomID()
	}
	s.cancel(o, cid, now)
	return cancelJSONOf(o, cid, now), nil
}

func cancelJSONOf(o *order, cid string, now time.Time) cancelJSON {
	return cancelJSON{
		Symbol: o.symbol, OrigClientOrderID: o.clientID, OrderID: o.id, OrderListID: -1, ClientOrderID: cid,
		TransactTime: now.UnixMilli(), Price: fmtDec(o.price), OrigQty: fmtDec(o.origQty), ExecutedQty: fmtDec(o.executed),
		OrigQuoteOrderQty: fmtDec(o.origQuoteQty), CummulativeQuoteQty: fmtDec(o.cumQuote), Status: string(o.status),
		TimeInForce: string(o.tif), Type: string(o.typ), Side: string(o.side), SelfTradePreventionMode: "EXPIRE_MAKER",
	}
}

// handleCancelAll cancels every open order of the key on a symbol (DELETE /api/v3/openOrders).
func (s *Server) handleCancelAll(_ *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	m, e := s.marketParam(p)
	if e != nil {
		return nil, e
	}
	symbol := m.rules.Symbol
	now := s.now()
	out := []cancelJSON{}
	for _, o := range a.orders {
		if o.open() && o.symbol == symbol {
			cid := randomID()
			s.cancel(o, cid, now)
			out = append(out, cancelJSONOf(o, cid, now))
		}
	}
	if len(out) == 0 {
		return nil, badRequest(codeCancelRejected, "Unknown order sent.")
	}
	return out, nil
}

// marketParam returns the market a required symbol parameter names (-1102 when missing,
// -1121 when unknown). Runs with s.mu held.
func (s *Server) marketParam(p params) (*market, *apiError) {
	symbol := p.get("symbol")
	if symbol == "" {
		return nil, errMandatory("symbol")
	}
	m, ok := s.markets[symbol]
	if !ok {
		return nil, errBadSymbol()
	}
	return m, nil
}

// lookup finds the order a GET or DELETE names; not found answers -2011 (the caller turns it
// into -2013 for GET).
func (s *Server) lookup(a *account, p params) (*order, *apiError) {
	m, e := s.marketParam(p)
	if e != nil {
		return nil, e
	}
	symbol := m.rules.Symbol
	o, missing := a.findOrder(symbol, p)
	if missing {
		return nil, badRequest(codeMandatory, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
	}
	if o == nil {
		return nil, badRequest(codeCancelRejected, "Unknown order sent.")
	}
	return o, nil
}

func (s *Server) handleOpenOrders(_ *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	symbol := p.get("symbol")
	if symbol != "" {
		if _, e := s.marketParam(p); e != nil {
			return nil, e
		}
	}
	out := []queryJSON{}
	for _, o := range a.orders {
		if o.open() && (symbol == "" || o.symbol == symbol) {
			out = append(out, queryJSONOf(o))
		}
	}
	return out, nil
}

// handleAllOrders lists a symbol's orders of every status, oldest first: from orderId when
// given, within startTime/endTime, at most limit (default 500, at most 1000).
func (s *Server) handleAllOrders(_ *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	m, e := s.marketParam(p)
	if e != nil {
		return nil, e
	}
	symbol := m.rules.Symbol
	var vals [4]int64
	for i, name := range []string{"orderId", "startTime", "endTime", "limit"} {
		def := int64(-1)
		if name == "limit" {
			def = 500
		}
		v, e := intParam(p, name, def)
		if e != nil {
			return nil, e
		}
		vals[i] = v
	}
	fromID, startMS, endMS, limit := vals[0], vals[1], vals[2], min(max(vals[3], 1), 1000)
	out := []queryJSON{}
	for _, o := range a.orders {
		ms := o.created.UnixMilli()
		if o.symbol != symbol || (fromID >= 0 && o.id < fromID) || (startMS >= 0 && ms < startMS) || (endMS >= 0 && ms > endMS) {
			continue
		}
		out = append(out, queryJSONOf(o))
		if int64(len(out)) == limit {
			break
		}
	}
	return out, nil
}

func (s *Server) handleAccount(_ *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	omitZero := p.get("omitZeroBalances") == "true"
	bps := 0
	if b, err := s.fee.Mul(decimal.MustNew(10000, 0)); err == nil {
		if whole, _, ok := b.Trunc(0).Int64(0); ok {
			bps = int(whole)
		}
	}
	rate := fmtDec(s.fee)
	zero := fmtDec(decimal.Decimal{})
	out := accountJSON{
		MakerCommission: bps, TakerCommission: bps,
		CommissionRates: commissionRatesJSON{Maker: rate, Taker: rate, Buyer: zero, Seller: zero},
		CanTrade:        a.perms.Trade, CanWithdraw: a.perms.Withdraw, CanDeposit: true,
		UpdateTime: s.now().UnixMilli(), AccountType: "SPOT", Balances: []balanceJSON{},
		Permissions: []string{"SPOT"}, UID: 354937868,
	}
	for _, asset := range a.sortedAssets() {
		b := a.balances[asset]
		if omitZero && b.free.IsZero() && b.locked.IsZero() {
			continue
		}
		out.Balances = append(out.Balances, balanceJSON{Asset: asset, Free: fmtDec(b.free), Locked: fmtDec(b.locked)})
	}
	return out, nil
}

func (s *Server) handleMyTrades(_ *statusWriter, _ *http.Request, p params, a *account) (any, *apiError) {
	m, e := s.marketParam(p)
	if e != nil {
		return nil, e
	}
	symbol := m.rules.Symbol
	orderID, e := intParam(p, "orderId", -1)
	if e != nil {
		return nil, e
	}
	fromID, e := intParam(p, "fromId", -1)
	if e != nil {
		return nil, e
	}
	limit, e := intParam(p, "limit", 500)
	if e != nil {
		return nil, e
	}
	limit = min(max(limit, 1), 1000)
	out := []tradeJSON{}
	for _, t := range a.trades {
		if t.symbol != symbol || (orderID >= 0 && t.orderID != orderID) || (fromID >= 0 && t.id < fromID) {
			continue
		}
		out = append(out, tradeJSON{
			Symbol: t.symbol, ID: t.id, OrderID: t.orderID, OrderListID: -1, Price: fmtDec(t.price), Qty: fmtDec(t.qty),
			QuoteQty: fmtDec(t.quoteQty), Commission: fmtDec(t.fee), CommissionAsset: t.feeAsset, Time: t.time.UnixMilli(),
			IsBuyer: t.side == exchange.Buy, IsMaker: t.maker, IsBestMatch: true,
		})
		if int64(len(out)) == limit {
			break
		}
	}
	return out, nil
}

func (s *Server) handleAPIRestrictions(_ *statusWriter, _ *http.Request, _ params, a *account) (any, *apiError) {
	return restrictionsJSON{
		IPRestrict: a.perms.IPRestrict, CreateTime: a.created.UnixMilli(), EnableReading: a.perms.Reading,
		EnableWithdrawals: a.perms.Withdraw, EnableInternalTransfer: a.perms.Transfer, EnableMargin: a.perms.Margin,
		EnableFutures: a.perms.Futures, EnableSpotAndMarginTrading: a.perms.Trade,
	}, nil
}

// writeJSON writes v with Binance's content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":-1000,"msg":"An unknown error occurred while processing the request."}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Response shapes, fields in Binance's order.

type ackJSON struct {
	Symbol        string `json:"symbol"`
	OrderID       int64  `json:"orderId"`
	OrderListID   int64  `json:"orderListId"`
	ClientOrderID string `json:"clientOrderId"`
	TransactTime  int64  `json:"transactTime"`
}

type resultJSON struct {
	ackJSON
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	WorkingTime             int64  `json:"workingTime"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

type fullJSON struct {
	resultJSON
	Fills []fillJSON `json:"fills"`
}

type fillJSON struct {
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	TradeID         int64  `json:"tradeId"`
}

type queryJSON struct {
	Symbol                  string `json:"symbol"`
	OrderID                 int64  `json:"orderId"`
	OrderListID             int64  `json:"orderListId"`
	ClientOrderID           string `json:"clientOrderId"`
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	StopPrice               string `json:"stopPrice"`
	IcebergQty              string `json:"icebergQty"`
	Time                    int64  `json:"time"`
	UpdateTime              int64  `json:"updateTime"`
	IsWorking               bool   `json:"isWorking"`
	WorkingTime             int64  `json:"workingTime"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

func queryJSONOf(o *order) queryJSON {
	zero := fmtDec(decimal.Decimal{})
	return queryJSON{
		Symbol: o.symbol, OrderID: o.id, OrderListID: -1, ClientOrderID: o.clientID, Price: fmtDec(o.price),
		OrigQty: fmtDec(o.origQty), ExecutedQty: fmtDec(o.executed), CummulativeQuoteQty: fmtDec(o.cumQuote),
		Status: string(o.status), TimeInForce: string(o.tif), Type: string(o.typ), Side: string(o.side),
		StopPrice: zero, IcebergQty: zero, Time: o.created.UnixMilli(), UpdateTime: o.updated.UnixMilli(),
		IsWorking: true, WorkingTime: o.created.UnixMilli(), OrigQuoteOrderQty: fmtDec(o.origQuoteQty),
		SelfTradePreventionMode: "EXPIRE_MAKER",
	}
}

type cancelJSON struct {
	Symbol                  string `json:"symbol"`
	OrigClientOrderID       string `json:"origClientOrderId"`
	OrderID                 int64  `json:"orderId"`
	OrderListID             int64  `json:"orderListId"`
	ClientOrderID           string `json:"clientOrderId"`
	TransactTime            int64  `json:"transactTime"`
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

type accountJSON struct {
	MakerCommission            int                 `json:"makerCommission"`
	TakerCommission            int                 `json:"takerCommission"`
	BuyerCommission            int                 `json:"buyerCommission"`
	SellerCommission           int                 `json:"sellerCommission"`
	CommissionRates            commissionRatesJSON `json:"commissionRates"`
	CanTrade                   bool                `json:"canTrade"`
	CanWithdraw                bool                `json:"canWithdraw"`
	CanDeposit                 bool                `json:"canDeposit"`
	Brokered                   bool                `json:"brokered"`
	RequireSelfTradePrevention bool                `json:"requireSelfTradePrevention"`
	PreventSor                 bool                `json:"preventSor"`
	UpdateTime                 int64               `json:"updateTime"`
	AccountType                string              `json:"accountType"`
	Balances                   []balanceJSON       `json:"balances"`
	Permissions                []string            `json:"permissions"`
	UID                        int64               `json:"uid"`
}

type commissionRatesJSON struct {
	Maker  string `json:"maker"`
	Taker  string `json:"taker"`
	Buyer  string `json:"buyer"`
	Seller string `json:"seller"`
}

type balanceJSON struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

type tradeJSON struct {
	Symbol          string `json:"symbol"`
	ID              int64  `json:"id"`
	OrderID         int64  `json:"orderId"`
	OrderListID     int64  `json:"orderListId"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	QuoteQty        string `json:"quoteQty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	Time            int64  `json:"time"`
	IsBuyer         bool   `json:"isBuyer"`
	IsMaker         bool   `json:"isMaker"`
	IsBestMatch     bool   `json:"isBestMatch"`
}

type restrictionsJSON struct {
	IPRestrict                   bool  `json:"ipRestrict"`
	CreateTime                   int64 `json:"createTime"`
	EnableReading                bool  `json:"enableReading"`
	EnableWithdrawals            bool  `json:"enableWithdrawals"`
	EnableInternalTransfer       bool  `json:"enableInternalTransfer"`
	EnableMargin                 bool  `json:"enableMargin"`
	EnableFutures                bool  `json:"enableFutures"`
	PermitsUniversalTransfer     bool  `json:"permitsUniversalTransfer"`
	EnableVanillaOptions         bool  `json:"enableVanillaOptions"`
	EnableFixAPITrade            bool  `json:"enableFixApiTrade"`
	EnableFixReadOnly            bool  `json:"enableFixReadOnly"`
	EnableSpotAndMarginTrading   bool  `json:"enableSpotAndMarginTrading"`
	EnablePortfolioMarginTrading bool  `json:"enablePortfolioMarginTrading"`
}
