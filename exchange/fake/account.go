package fake

import (
	"fmt"
	"sort"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// account is one API key's state. Guarded by Server.mu.
type account struct {
	secret     []byte
	perms      Permissions
	created    time.Time
	balances   map[string]*balance
	orders     []*order // every order, oldest first
	byID       map[int64]*order
	byClient   map[string][]*order // every order by client id, oldest first
	trades     []trade
	orderTimes []time.Time // placements, oldest first, for the ORDERS rate limits
}

type balance struct{ free, locked decimal.Decimal }

// trade is one fill of one of the account's orders.
type trade struct {
	id, orderID int64
	symbol      string
	side        exchange.Side
	price, qty  decimal.Decimal
	quoteQty    decimal.Decimal
	fee         decimal.Decimal
	feeAsset    string
	time        time.Time
	maker       bool
}

// AddKey registers an API key with its secret, permissions and starting balances (asset ->
// decimal text). Adding a key again replaces it and its state.
func (s *Server) AddKey(apiKey, secret string, perms Permissions, balances map[string]string) error {
	a := &account{secret: []byte(secret), perms: perms, balances: make(map[string]*balance), byID: make(map[int64]*order), byClient: make(map[string][]*order)}
	for asset, v := range balances {
		d, err := decimal.Parse(v)
		if err != nil || d.IsNeg() {
			return fmt.Errorf("fake: balance %s %q is not a non-negative decimal", asset, v)
		}
		a.balances[asset] = &balance{free: d}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a.created = s.now()
	s.accounts[apiKey] = a
	return nil
}

// SetBalance sets an asset's free balance for a key (locked amounts stay).
func (s *Server) SetBalance(apiKey, asset, free string) error {
	d, err := decimal.Parse(free)
	if err != nil || d.IsNeg() {
		return fmt.Errorf("fake: balance %s %q is not a non-negative decimal", asset, free)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[apiKey]
	if !ok {
		return fmt.Errorf("fake: unknown API key")
	}
	a.bal(asset).free = d
	return nil
}

// bal returns the asset's balance, creating it at zero.
func (a *account) bal(asset string) *balance {
	b, ok := a.balances[asset]
	if !ok {
		b = &balance{}
		a.balances[asset] = b
	}
	return b
}

// Balances returns a key's balances by asset (nil for an unknown key).
func (s *Server) Balances(apiKey string) map[string]exchange.Balance {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[apiKey]
	if !ok {
		return nil
	}
	out := make(map[string]exchange.Balance, len(a.balances))
	for asset, b := range a.balances {
		out[asset] = exchange.Balance{Asset: asset, Free: b.free, Locked: b.locked}
	}
	return out
}

// Orders returns every order a key placed, oldest first, with its fills.
func (s *Server) Orders(apiKey string) []exchange.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[apiKey]
	if !ok {
		return nil
	}
	out := make([]exchange.Order, 0, len(a.orders))
	for _, o := range a.orders {
		out = append(out, a.exchangeOrder(o))
	}
	return out
}

func (a *account) exchangeOrder(o *order) exchange.Order {
	eo := exchange.Order{
		ClientID: o.clientID, ExchangeID: o.id, Symbol: o.symbol, Side: o.side, Type: o.typ,
		Status: o.status, Price: o.price, Quantity: o.origQty, ExecutedQty: o.executed,
		QuoteQty: o.cumQuote, Created: o.created, Updated: o.updated,
	}
	for _, t := range a.trades {
		if t.orderID == o.id {
			eo.Fills = append(eo.Fills, exchange.Fill{
				TradeID: t.id, ClientID: o.clientID, Symbol: t.symbol, Side: t.side, Price: t.price,
				Qty: t.qty, Fee: t.fee, FeeAsset: t.feeAsset, Time: t.time,
			})
		}
	}
	return eo
}

// sortedAssets lists an account's assets alphabetically.
func (a *account) sortedAssets() []string {
	assets := make([]string, 0, len(a.balances))
	for asset := range a.balances {
		assets = append(assets, asset)
	}
	sort.Strings(assets)
	return assets
}
