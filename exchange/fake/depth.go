package fake

import (
	"strconv"
	"strings"

	"github.com/govalues/decimal"
)

// depthLevels are the partial book sizes Binance offers.
var depthLevels = [...]int{5, 10, 20}

// depthEvent is a partial book depth payload (<symbol>@depth<levels>[@100ms]).
type depthEvent struct {
	LastUpdateID int64       `json:"lastUpdateId"`
	Bids         [][2]string `json:"bids"`
	Asks         [][2]string `json:"asks"`
}

// publishDepth sends the book to the partial depth streams that have subscribers. The fake's
// book is a ladder: the best bid and ask with their quantities, then one level per tick away
// from them, each with the same quantity. Binance pushes these streams on a timer (every
// 100 ms or second); the fake pushes on every change of the quote, which a client must
// handle as well. Called with s.mu held.
func (s *Server) publishDepth(m *market) {
	sym := strings.ToLower(m.rules.Symbol)
	for _, n := range depthLevels {
		base := sym + "@depth" + strconv.Itoa(n)
		fast, slow := s.hub.subscribers(base+"@100ms") > 0, s.hub.subscribers(base) > 0
		if !fast && !slow {
			continue
		}
		payload := mustJSON(m.depth(n))
		if fast {
			s.hub.publish(base+"@100ms", payload)
		}
		if slow {
			s.hub.publish(base, payload)
		}
	}
}

// depth returns the market's top n levels a side.
func (m *market) depth(n int) depthEvent {
	ev := depthEvent{LastUpdateID: m.updateID, Bids: make([][2]string, 0, n), Asks: make([][2]string, 0, n)}
	tick := m.rules.TickSize
	bid, ask := m.bid, m.ask
	for range n {
		if bid.IsPos() {
			ev.Bids = append(ev.Bids, [2]string{fmtDec(bid), fmtDec(m.bidQty)})
		}
		ev.Asks = append(ev.Asks, [2]string{fmtDec(ask), fmtDec(m.askQty)})
		var err error
		if bid, err = bid.Sub(tick); err != nil {
			bid = decimal.Zero
		}
		if ask, err = ask.Add(tick); err != nil {
			break
		}
	}
	return ev
}
