package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// PortfolioQuote is the currency portfolios are valued in.
const PortfolioQuote = "USDT"

// PortfolioAccount is one account (paper, or live per credential) valued at the latest
// prices. Average entries and profits come from the fills QuantDeck recorded for the account
// (average cost method, fees in the quote asset counted); holdings the journal has no fills
// for (a deposit, the paper starting balance) have no average entry and no profit.
type PortfolioAccount struct {
	Mode     Mode
	KeyLabel string // live accounts: the vault credential; "" for paper
	Quote    string // the valuation currency (PortfolioQuote)
	Assets   []AssetPosition
	// Equity is the sum of the assets' values; assets without a price count zero (see Priced).
	Equity decimal.Decimal
	// Priced is false when some non-zero holding had no price to value it with.
	Priced bool
	// RealizedToday and UnrealizedToday split the UTC day's profit: sells since 00:00 UTC
	// against the day's basis (the day's opening price for what was held at midnight, the
	// price paid for what was bought since), and what is held now against the same basis.
	RealizedToday   decimal.Decimal
	UnrealizedToday decimal.Decimal
	// Err says why the account could not be read (a sealed vault, the exchange unreachable);
	// the other fields are then empty.
	Err  string
	Time time.Time
}

// AssetPosition is one asset of an account.
type AssetPosition struct {
	Asset        string
	Free, Locked decimal.Decimal
	// AvgEntry is the average price paid for the part of the holding QuantDeck bought; zero
	// when the journal has no fills for it (and for the quote asset).
	AvgEntry decimal.Decimal
	// Mark is the latest price in the account's quote currency (1 for the quote itself); zero
	// when unknown.
	Mark decimal.Decimal
	// UnrealizedPnL is (Mark - AvgEntry) times the part of the holding with an entry.
	UnrealizedPnL decimal.Decimal
	// Value is (Free + Locked) * Mark.
	Value decimal.Decimal
}

// Portfolio returns the paper account and every live account the engine knows (credentials
// used by bots or orders in this run), paper first, each valued at the latest prices. It
// reads balances from the accounts and fills from the journal, so it does I/O: call it from
// a command, not on every frame. An account that cannot be read comes back with Err set.
func (e *Engine) Portfolio(ctx context.Context) ([]PortfolioAccount, error) {
	now := e.now().UTC()
	var out []PortfolioAccount
	if e.cfg.Paper != nil {
		out = append(out, e.account(ctx, Paper, "", e.cfg.Paper, nil, now))
	}
	for _, label := range e.liveLabels() {
		t, err := e.trader(Live, label)
		out = append(out, e.account(ctx, Live, label, t, err, now))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// liveLabels are the credentials of live bots and of live accounts in use, sorted.
func (e *Engine) liveLabels() []string {
	var labels []string
	e.mu.Lock()
	for l := range e.live {
		labels = append(labels, l)
	}
	e.mu.Unlock()
	for _, b := range e.allBots() {
		if cfg := e.currentView(b).Config; cfg.Mode == Live && cfg.KeyLabel != "" && !slices.Contains(labels, cfg.KeyLabel) {
			labels = append(labels, cfg.KeyLabel)
		}
	}
	sort.Strings(labels)
	return labels
}

// account values one account.
func (e *Engine) account(ctx context.Context, mode Mode, label string, t exchange.Trader, terr error, now time.Time) PortfolioAccount {
	acct := PortfolioAccount{Mode: mode, KeyLabel: label, Quote: PortfolioQuote, Time: now, Priced: true}
	if terr != nil {
		acct.Err = terr.Error()
		return acct
	}
	callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
	bals, err := t.Balances(callCtx)
	cancel()
	if err != nil {
		acct.Err = fmt.Sprintf("reading balances: %v", err)
		return acct
	}
	fills, err := e.accountFills(ctx, mode, label)
	if err != nil {
		acct.Err = err.Error()
		return acct
	}
	books := e.assetLedgers(ctx, fills, now)
	for _, b := range bals {
		held, err := b.Free.Add(b.Locked)
		if err != nil || held.IsZero() {
			continue
		}
		pos := AssetPosition{Asset: b.Asset, Free: b.Free, Locked: b.Locked}
		if b.Asset == PortfolioQuote {
			pos.Mark, pos.Value = decimal.One, held
		} else {
			pos.Mark = e.mark(ctx, b.Asset+PortfolioQuote)
			if pos.Mark.IsPos() {
				pos.Value, _ = held.Mul(pos.Mark)
			} else {
				acct.Priced = false
			}
			if ab := books[b.Asset]; ab != nil {
				all := ab.all.capped(held)
				pos.AvgEntry = all.avgEntry()
				pos.UnrealizedPnL = all.unrealized(pos.Mark)
				if pos.Mark.IsPos() {
					today := ab.today.capped(held)
					acct.UnrealizedToday, _ = acct.UnrealizedToday.Add(today.unrealized(pos.Mark))
				}
			}
		}
		acct.Equity, _ = acct.Equity.Add(pos.Value)
		acct.Assets = append(acct.Assets, pos)
	}
	for _, ab := range books {
		acct.RealizedToday, _ = acct.RealizedToday.Add(ab.today.realized)
	}
	sort.Slice(acct.Assets, func(i, j int) bool {
		if c := acct.Assets[i].Value.Cmp(acct.Assets[j].Value); c != 0 {
			return c > 0
		}
		return acct.Assets[i].Asset < acct.Assets[j].Asset
	})
	return acct
}

// accountFills reads an account's fills in the order they were recorded.
func (e *Engine) accountFills(ctx context.Context, mode Mode, label string) ([]FillView, error) {
	return e.j.AccountFills(ctx, mode, label)
}

// assetBook is one asset's position over all time and over the UTC day.
type assetBook struct {
	all, today ledger
	dayStarted bool
}

// assetLedgers replays fills on symbols quoted in PortfolioQuote, per base asset. The day's
// ledger starts at the first fill of the day (or at the end) from the position held then,
// valued at the day's opening price when known, at its cost otherwise.
func (e *Engine) assetLedgers(ctx context.Context, fills []FillView, now time.Time) map[string]*assetBook {
	day := now.Truncate(24 * time.Hour)
	books := map[string]*assetBook{}
	startDay := func(asset string, ab *assetBook) {
		if ab.dayStarted {
			return
		}
		ab.dayStarted = true
		ab.today = ledger{base: ab.all.base, quote: ab.all.quote, qty: ab.all.qty, cost: ab.all.cost}
		if ab.all.qty.IsPos() {
			if open := e.dayOpen(ctx, asset+PortfolioQuote); open.IsPos() {
				if c, err := ab.all.qty.Mul(open); err == nil {
					ab.today.cost = c
				}
			}
		}
	}
	for _, f := range fills {
		rules, err := e.rulesFor(ctx, f.Symbol)
		if err != nil || rules.Quote != PortfolioQuote || rules.Base == "" {
			continue
		}
		ab := books[rules.Base]
		if ab == nil {
			ab = &assetBook{all: ledger{base: rules.Base, quote: rules.Quote}}
			books[rules.Base] = ab
		}
		if !f.Time.Before(day) {
			startDay(rules.Base, ab)
			if err := ab.today.apply(f); err != nil {
				e.log.Warn("portfolio: a fill does not add up", "trade", f.TradeID, "err", err)
			}
		}
		if err := ab.all.apply(f); err != nil {
			e.log.Warn("portfolio: a fill does not add up", "trade", f.TradeID, "err", err)
		}
	}
	for asset, ab := range books {
		startDay(asset, ab)
	}
	return books
}

// capped is the ledger limited to held units (the rest was sold or moved outside
// QuantDeck), its cost scaled down with it.
func (l ledger) capped(held decimal.Decimal) ledger {
	if !l.qty.IsPos() || held.Cmp(l.qty) >= 0 {
		return l
	}
	if !held.IsPos() {
		l.qty, l.cost = decimal.Zero, decimal.Zero
		return l
	}
	if c, err := l.cost.Mul(held); err == nil {
		if c, err = c.Quo(l.qty); err == nil {
			l.cost, l.qty = c, held
		}
	}
	return l
}

// mark is a symbol's latest price: the watchlist's, else the last one-minute close.
func (e *Engine) mark(ctx context.Context, symbol string) decimal.Decimal {
	if p := e.mkt.last(symbol); p.IsPos() {
		return p
	}
	if _, err := e.rulesFor(ctx, symbol); err != nil {
		return decimal.Zero
	}
	cs, err := e.cfg.Market.Candles(ctx, symbol, time.Minute, 1)
	if err != nil || len(cs) == 0 {
		return decimal.Zero
	}
	return cs[len(cs)-1].C
}

// dayOpen is a symbol's price at 00:00 UTC today: the open of the day's candle.
func (e *Engine) dayOpen(ctx context.Context, symbol string) decimal.Decimal {
	var cs []exchange.Candle
	var err error
	if e.mkt.watched(symbol) {
		cs, err = e.CandlesAt(ctx, symbol, 24*time.Hour, 1)
	} else {
		cs, err = e.cfg.Market.Candles(ctx, symbol, 24*time.Hour, 1)
	}
	if err != nil || len(cs) == 0 {
		return decimal.Zero
	}
	today := e.now().UTC().Truncate(24 * time.Hour)
	if c := cs[len(cs)-1]; c.Open.Equal(today) {
		return c.O
	}
	return decimal.Zero
}
