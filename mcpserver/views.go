package mcpserver

import (
	"time"

	"github.com/quantdeck/quantdeck/engine"
)

// The JSON the tools answer with. Money is decimal text.

type botJSON struct {
	Name          string            `json:"name"`
	Symbol        string            `json:"symbol"`
	Strategy      string            `json:"strategy"`
	Params        map[string]string `json:"params"`
	Mode          string            `json:"mode"`
	State         string            `json:"state"`
	Reason        string            `json:"reason,omitempty"`
	Budget        string            `json:"budget"`
	Position      string            `json:"position"`
	AvgEntry      string            `json:"avg_entry"`
	RealizedPnL   string            `json:"realized_pnl"`
	UnrealizedPnL string            `json:"unrealized_pnl"`
	OpenOrders    int               `json:"open_orders"`
	Buys          int               `json:"buys"`
	Sells         int               `json:"sells"`
}

func botView(b engine.BotView) botJSON {
	return botJSON{Name: b.Config.Name, Symbol: b.Config.Symbol, Strategy: b.Config.Strategy, Params: b.Config.Params,
		Mode: string(b.Config.Mode), State: string(b.State), Reason: b.Reason, Budget: b.Config.Budget.String(),
		Position: b.Position.String(), AvgEntry: b.AvgEntry.String(), RealizedPnL: b.RealizedPnL.String(),
		UnrealizedPnL: b.UnrealizedPnL.String(), OpenOrders: b.OpenOrders, Buys: b.Buys, Sells: b.Sells}
}

type orderJSON struct {
	ClientID string    `json:"client_id"`
	Bot      string    `json:"bot,omitempty"`
	Mode     string    `json:"mode"`
	Symbol   string    `json:"symbol"`
	Side     string    `json:"side"`
	Type     string    `json:"type"`
	Price    string    `json:"price"`
	Quantity string    `json:"quantity"`
	Executed string    `json:"executed"`
	State    string    `json:"state"`
	Created  time.Time `json:"created"`
}

func orderView(o engine.OrderView) orderJSON {
	return orderJSON{ClientID: o.ClientID, Bot: o.Bot, Mode: string(o.Mode), Symbol: o.Symbol, Side: string(o.Side),
		Type: string(o.Type), Price: o.Price.String(), Quantity: o.Quantity.String(), Executed: o.Executed.String(),
		State: string(o.State), Created: o.Created.UTC()}
}

type fillJSON struct {
	Bot      string    `json:"bot,omitempty"`
	Mode     string    `json:"mode"`
	Symbol   string    `json:"symbol"`
	Side     string    `json:"side"`
	Price    string    `json:"price"`
	Quantity string    `json:"quantity"`
	Fee      string    `json:"fee"`
	FeeAsset string    `json:"fee_asset"`
	Time     time.Time `json:"time"`
}

func fillView(f engine.FillView) fillJSON {
	return fillJSON{Bot: f.Bot, Mode: string(f.Mode), Symbol: f.Symbol, Side: string(f.Side), Price: f.Price.String(),
		Quantity: f.Qty.String(), Fee: f.Fee.String(), FeeAsset: f.FeeAsset, Time: f.Time.UTC()}
}
