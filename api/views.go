package api

import (
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
)

// The JSON shapes of the API. Money and quantities are decimal strings ("0.00120000"), times
// are RFC 3339 in UTC. None of them has a field that could carry a secret: credentials appear
// only by their label.

type statusJSON struct {
	Version       string     `json:"version"`
	Exchange      string     `json:"exchange"`
	Mode          string     `json:"mode"` // "simulated", "testnet" or "live"
	Vault         string     `json:"vault,omitempty"`
	Stream        streamJSON `json:"stream"`
	KillSwitch    bool       `json:"kill_switch"`
	KillReason    string     `json:"kill_reason,omitempty"`
	BotsRunning   int        `json:"bots_running"`
	BotsTotal     int        `json:"bots_total"`
	Started       time.Time  `json:"started"`
	UptimeSeconds int64      `json:"uptime_seconds"`
}

type streamJSON struct {
	State         string     `json:"state"`
	LastMessage   *time.Time `json:"last_message,omitempty"`
	Reconnects    int        `json:"reconnects"`
	ClockOffsetMS int64      `json:"clock_offset_ms"` // exchange time minus local time
	Rate          rateJSON   `json:"rate"`
}

type rateJSON struct {
	UsedWeight  int        `json:"used_weight"`
	WeightLimit int        `json:"weight_limit,omitempty"`
	Banned      bool       `json:"banned"`
	BannedUntil *time.Time `json:"banned_until,omitempty"`
}

type botJSON struct {
	Name          string            `json:"name"`
	Symbol        string            `json:"symbol"`
	Strategy      string            `json:"strategy"`
	Params        map[string]string `json:"params,omitempty"`
	Mode          string            `json:"mode"`
	KeyLabel      string            `json:"key_label,omitempty"`
	Budget        decimal.Decimal   `json:"budget"`
	State         string            `json:"state"`
	Reason        string            `json:"reason,omitempty"`
	Position      decimal.Decimal   `json:"position"`
	AvgEntry      decimal.Decimal   `json:"avg_entry"`
	RealizedPnL   decimal.Decimal   `json:"realized_pnl"`
	UnrealizedPnL decimal.Decimal   `json:"unrealized_pnl"`
	Spent         decimal.Decimal   `json:"spent"`
	OpenOrders    int               `json:"open_orders"`
	Buys          int               `json:"buys"`
	Sells         int               `json:"sells"`
	StartedAt     *time.Time        `json:"started_at,omitempty"`
}

type orderJSON struct {
	ClientID   string          `json:"client_id"`
	ExchangeID int64           `json:"exchange_id,omitempty"`
	Bot        string          `json:"bot,omitempty"`
	Mode       string          `json:"mode"`
	Symbol     string          `json:"symbol"`
	Side       string          `json:"side"`
	Type       string          `json:"type"`
	Price      decimal.Decimal `json:"price"`
	Quantity   decimal.Decimal `json:"quantity"`
	Executed   decimal.Decimal `json:"executed"`
	AvgPrice   decimal.Decimal `json:"avg_price"`
	State      string          `json:"state"`
	Reason     string          `json:"reason,omitempty"`
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated"`
}

type balanceJSON struct {
	Mode       string          `json:"mode"`
	Asset      string          `json:"asset"`
	Free       decimal.Decimal `json:"free"`
	Locked     decimal.Decimal `json:"locked"`
	QuoteValue decimal.Decimal `json:"quote_value"`
}

type priceJSON struct {
	Symbol    string          `json:"symbol"`
	Last      decimal.Decimal `json:"last"`
	Bid       decimal.Decimal `json:"bid"`
	Ask       decimal.Decimal `json:"ask"`
	Open24h   decimal.Decimal `json:"open_24h"`
	ChangePct decimal.Decimal `json:"change_pct"`
	Updated   *time.Time      `json:"updated,omitempty"`
}

type killSwitchJSON struct {
	Engaged bool   `json:"engaged"`
	Reason  string `json:"reason,omitempty"`
}

type errorJSON struct {
	Error string `json:"error"`
}

func modeOf(exchangeName string) string {
	switch exchangeName {
	case "binance":
		return "live"
	case "binance-testnet":
		return "testnet"
	default:
		return "simulated"
	}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toBot(b engine.BotView) botJSON {
	return botJSON{
		Name:          b.Config.Name,
		Symbol:        b.Config.Symbol,
		Strategy:      b.Config.Strategy,
		Params:        b.Config.Params,
		Mode:          string(b.Config.Mode),
		KeyLabel:      b.Config.KeyLabel,
		Budget:        b.Config.Budget,
		State:         string(b.State),
		Reason:        b.Reason,
		Position:      b.Position,
		AvgEntry:      b.AvgEntry,
		RealizedPnL:   b.RealizedPnL,
		UnrealizedPnL: b.UnrealizedPnL,
		Spent:         b.Spent,
		OpenOrders:    b.OpenOrders,
		Buys:          b.Buys,
		Sells:         b.Sells,
		StartedAt:     optTime(b.StartedAt),
	}
}

func toOrder(o engine.OrderView) orderJSON {
	return orderJSON{
		ClientID:   o.ClientID,
		ExchangeID: o.ExchangeID,
		Bot:        o.Bot,
		Mode:       string(o.Mode),
		Symbol:     o.Symbol,
		Side:       string(o.Side),
		Type:       string(o.Type),
		Price:      o.Price,
		Quantity:   o.Quantity,
		Executed:   o.Executed,
		AvgPrice:   o.AvgPrice,
		State:      string(o.State),
		Reason:     o.Reason,
		Created:    o.Created.UTC(),
		Updated:    o.Updated.UTC(),
	}
}

func toBalance(b engine.BalanceView) balanceJSON {
	return balanceJSON{Mode: string(b.Mode), Asset: b.Asset, Free: b.Free, Locked: b.Locked, QuoteValue: b.QuoteValue}
}

func toPrice(p engine.PriceView) priceJSON {
	return priceJSON{Symbol: p.Symbol, Last: p.Last, Bid: p.Bid, Ask: p.Ask, Open24h: p.Open24h,
		ChangePct: p.ChangePct, Updated: optTime(p.Updated)}
}
