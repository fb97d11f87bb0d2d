package ai

import (
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// FromBotView copies the allow-listed fields of an engine bot view. The key label, the state's
// reason and the risk limits are left behind.
func FromBotView(b engine.BotView) *Bot {
	return &Bot{
		Name: b.Config.Name, Symbol: b.Config.Symbol, Strategy: b.Config.Strategy, Mode: string(b.Config.Mode),
		State: string(b.State), Params: b.Config.Params, Budget: b.Config.Budget,
		Position: b.Position, AvgEntry: b.AvgEntry, RealizedPnL: b.RealizedPnL, UnrealizedPnL: b.UnrealizedPnL,
		Spent: b.Spent, Buys: b.Buys, Sells: b.Sells, OpenOrders: b.OpenOrders, StartedAt: b.StartedAt,
	}
}

// FromFills copies fills (any order) into trades, oldest first.
func FromFills(fills []engine.FillView) []Trade {
	out := make([]Trade, 0, len(fills))
	for _, f := range fills {
		out = append(out, Trade{Time: f.Time, Side: string(f.Side), Price: f.Price, Quantity: f.Qty, Fee: f.Fee, FeeAsset: f.FeeAsset})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Time.Before(out[j-1].Time); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// FromCandles copies exchange candles.
func FromCandles(cs []exchange.Candle) []Candle {
	out := make([]Candle, len(cs))
	for i, c := range cs {
		out[i] = Candle{Open: c.Open, O: c.O, H: c.H, L: c.L, C: c.C, Volume: c.Volume}
	}
	return out
}
