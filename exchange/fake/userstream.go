package fake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/govalues/decimal"
)

// wsAPIPath is Binance's WebSocket API endpoint. The fake serves only its user data stream
// methods: userDataStream.subscribe.signature, userDataStream.unsubscribe and
// session.subscriptions.
const wsAPIPath = "/ws-api/v3"

// wsAPIRequest is one WebSocket API request.
type wsAPIRequest struct {
	ID     json.RawMessage            `json:"id"`
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
}

type wsAPIAnswer struct {
	ID         json.RawMessage `json:"id"`
	Status     int             `json:"status"`
	Result     any             `json:"result,omitempty"`
	Error      *wsAPIError     `json:"error,omitempty"`
	RateLimits []wsAPIRate     `json:"rateLimits"`
}

type wsAPIError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

type wsAPIRate struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
	Count         int    `json:"count"`
}

type subscriptionJSON struct {
	SubscriptionID int `json:"subscriptionId"`
}

// apiRequest handles one WebSocket API message and returns the answer.
func (h *hub) apiRequest(conn *wsConn, msg []byte) []byte {
	var req wsAPIRequest
	answer := func(status int, result any, e *apiError) []byte {
		a := wsAPIAnswer{ID: req.ID, Status: status, Result: result, RateLimits: []wsAPIRate{}}
		if a.ID == nil {
			a.ID = json.RawMessage("null")
		}
		if e != nil {
			a.Status, a.Error = e.status, &wsAPIError{Code: e.code, Msg: e.msg}
		}
		return mustJSON(a)
	}
	if err := json.Unmarshal(msg, &req); err != nil {
		req = wsAPIRequest{}
		return answer(0, nil, badRequest(-1135, "Invalid JSON Request"))
	}
	switch req.Method {
	case "userDataStream.subscribe.signature":
		a, e := h.s.verifyWSAPI(req.Params)
		if e != nil {
			return answer(0, nil, e)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, dup := conn.users[a]; dup {
			return answer(0, nil, badRequest(-2016, "User Data Stream subscription already active."))
		}
		id := conn.nextSub
		conn.nextSub++
		conn.users[a] = id
		return answer(http.StatusOK, subscriptionJSON{SubscriptionID: id}, nil)
	case "userDataStream.unsubscribe":
		h.mu.Lock()
		defer h.mu.Unlock()
		var id *int
		if raw, ok := req.Params["subscriptionId"]; ok {
			var n int
			if err := json.Unmarshal(raw, &n); err != nil {
				return answer(0, nil, errMandatory("subscriptionId"))
			}
			id = &n
		}
		found := false
		for a, sub := range conn.users {
			if id == nil || *id == sub {
				delete(conn.users, a)
				found = true
			}
		}
		if !found && id != nil {
			return answer(0, nil, badRequest(-1205, "Invalid subscriptionId."))
		}
		return answer(http.StatusOK, struct{}{}, nil)
	case "session.subscriptions":
		h.mu.Lock()
		defer h.mu.Unlock()
		out := []subscriptionJSON{}
		for _, sub := range conn.users {
			out = append(out, subscriptionJSON{SubscriptionID: sub})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].SubscriptionID < out[j].SubscriptionID })
		return answer(http.StatusOK, out, nil)
	default:
		return answer(0, nil, badRequest(-1020, "This operation is not supported."))
	}
}

// verifyWSAPI checks a signed WebSocket API request: the HMAC-SHA256 of every parameter but
// the signature, sorted by name and joined as a query string.
func (s *Server) verifyWSAPI(in map[string]json.RawMessage) (*account, *apiError) {
	vals := map[string]string{}
	for k, raw := range in {
		var str string
		if err := json.Unmarshal(raw, &str); err == nil {
			vals[k] = str
			continue
		}
		var n json.Number
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return nil, badRequest(codeIllegalChars, "Illegal characters found in parameter '%s'.", k)
		}
		vals[k] = n.String()
	}
	for _, name := range []string{"apiKey", "timestamp", "signature"} {
		if vals[name] == "" {
			return nil, errMandatory(name)
		}
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		if k != "signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var payload strings.Builder
	for i, k := range names {
		if i > 0 {
			payload.WriteByte('&')
		}
		payload.WriteString(k + "=" + vals[k])
	}
	s.mu.Lock()
	a, ok := s.accounts[vals["apiKey"]]
	s.mu.Unlock()
	if !ok {
		return nil, errInvalidKey()
	}
	if !validSignature(a.secret, payload.String(), vals["signature"]) {
		return nil, badRequest(codeSignature, "Signature for this request is not valid.")
	}
	q := url.Values{"timestamp": {vals["timestamp"]}}
	if w, ok := vals["recvWindow"]; ok {
		q.Set("recvWindow", w)
	}
	if e := checkTimestamp(params{query: q}, s.now()); e != nil {
		return nil, e
	}
	if !a.perms.Reading {
		return nil, errInvalidKey()
	}
	return a, nil
}

// watching reports whether any connection subscribes to a's user data, so events nobody
// reads are not built.
func (h *hub) watching(a *account) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for conn := range h.conns {
		if _, ok := conn.users[a]; ok {
			return true
		}
	}
	return false
}

// publishUser sends an event to every connection subscribed to a's user data.
func (h *hub) publishUser(a *account, event []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.silent {
		return
	}
	for conn := range h.conns {
		if id, ok := conn.users[a]; ok {
			h.enqueue(conn, mustJSON(userEventJSON{SubscriptionID: id, Event: event}))
		}
	}
}

type userEventJSON struct {
	SubscriptionID int             `json:"subscriptionId"`
	Event          json.RawMessage `json:"event"`
}

// executionReport publishes an order's change. last is the fill that caused it (TRADE), nil
// otherwise; cancelID is the cancel request's client id (CANCELED).
func (s *Server) executionReport(o *order, execType string, last *trade, cancelID string) {
	if !s.hub.watching(o.acct) {
		return
	}
	now := s.now().UnixMilli()
	zero := fmtDec(decimal.Decimal{})
	r := executionReportJSON{
		E: "executionReport", Time: now, S: o.symbol, C: o.clientID, Side: string(o.side), O: string(o.typ),
		F: string(o.tif), Q: fmtDec(o.origQty), P: fmtDec(o.price), StopP: zero, Iceberg: zero, G: -1,
		OrigC: "", X: execType, XStatus: string(o.status), Reject: "NONE", I: o.id, L: zero, Z: fmtDec(o.executed),
		LastP: zero, N: "0", T: o.updated.UnixMilli(), TradeID: -1, Ignore: 0, W: o.open(), M: false,
		Ignore2: false, Created: o.created.UnixMilli(), CumQuote: fmtDec(o.cumQuote), LastQuote: zero,
		QuoteQty: fmtDec(o.origQuoteQty), Working: o.created.UnixMilli(), STP: "EXPIRE_MAKER",
	}
	if cancelID != "" {
		r.C, r.OrigC = cancelID, o.clientID
	}
	if last != nil {
		r.L, r.LastP, r.N, r.TradeID, r.M = fmtDec(last.qty), fmtDec(last.price), fmtDec(last.fee), last.id, last.maker
		asset := last.feeAsset
		r.NAsset = &asset
		r.LastQuote = fmtDec(last.quoteQty)
		r.T = last.time.UnixMilli()
	}
	s.hub.publishUser(o.acct, mustJSON(r))
}

// accountPosition publishes the balances of assets after they changed.
func (s *Server) accountPosition(a *account, assets ...string) {
	if !s.hub.watching(a) {
		return
	}
	now := s.now().UnixMilli()
	ev := accountPositionJSON{E: "outboundAccountPosition", Time: now, U: now, B: []positionJSON{}}
	seen := map[string]bool{}
	for _, asset := range assets {
		if asset == "" || seen[asset] {
			continue
		}
		seen[asset] = true
		b := a.bal(asset)
		ev.B = append(ev.B, positionJSON{A: asset, F: fmtDec(b.free), L: fmtDec(b.locked)})
	}
	s.hub.publishUser(a, mustJSON(ev))
}

type executionReportJSON struct {
	E         string  `json:"e"`
	Time      int64   `json:"E"`
	S         string  `json:"s"`
	C         string  `json:"c"`
	Side      string  `json:"S"`
	O         string  `json:"o"`
	F         string  `json:"f"`
	Q         string  `json:"q"`
	P         string  `json:"p"`
	StopP     string  `json:"P"`
	Iceberg   string  `json:"F"`
	G         int64   `json:"g"`
	OrigC     string  `json:"C"`
	X         string  `json:"x"`
	XStatus   string  `json:"X"`
	Reject    string  `json:"r"`
	I         int64   `json:"i"`
	L         string  `json:"l"`
	Z         string  `json:"z"`
	LastP     string  `json:"L"`
	N         string  `json:"n"`
	NAsset    *string `json:"N"`
	T         int64   `json:"T"`
	TradeID   int64   `json:"t"`
	Ignore    int64   `json:"I"`
	W         bool    `json:"w"`
	M         bool    `json:"m"`
	Ignore2   bool    `json:"M"`
	Created   int64   `json:"O"`
	CumQuote  string  `json:"Z"`
	LastQuote string  `json:"Y"`
	QuoteQty  string  `json:"Q"`
	Working   int64   `json:"W"`
	STP       string  `json:"V"`
}

type accountPositionJSON struct {
	E    string         `json:"e"`
	Time int64          `json:"E"`
	U    int64          `json:"u"`
	B    []positionJSON `json:"B"`
}

type positionJSON struct {
	A string `json:"a"`
	F string `json:"f"`
	L string `json:"l"`
}
