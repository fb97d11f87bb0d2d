package backtest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/govalues/decimal"
)

// Report is a result as `quantdeck backtest --json` prints it: money as decimal strings,
// statistics as numbers rounded to fixed places, times in RFC 3339 UTC. The same input gives
// the same bytes.
type Report struct {
	Symbol          string            `json:"symbol"`
	Strategy        string            `json:"strategy"`
	Params          map[string]string `json:"params"`
	Interval        string            `json:"interval"`
	From            string            `json:"from"`
	To              string            `json:"to"`
	Candles         int               `json:"candles"`
	TradeCount      int               `json:"trade_count"`
	Refused         int               `json:"refused"`
	Fees            string            `json:"fees"`
	StartEquity     string            `json:"start_equity"`
	FinalEquity     string            `json:"final_equity"`
	PnL             string            `json:"pnl"`
	PnLPct          string            `json:"pnl_pct"`
	MaxDrawdownPct  float64           `json:"max_drawdown_pct"`
	Sharpe          float64           `json:"sharpe_daily"`
	Sortino         float64           `json:"sortino_daily"`
	TimeInMarketPct float64           `json:"time_in_market_pct"`
	BuyHoldFinal    string            `json:"buy_hold_final"`
	BuyHoldPnLPct   string            `json:"buy_hold_pnl_pct"`
	Trades          []TradeReport     `json:"trades,omitempty"`
}

// TradeReport is one trade in a Report.
type TradeReport struct {
	Time     string `json:"time"`
	Tag      string `json:"tag"`
	Side     string `json:"side"`
	Price    string `json:"price"`
	Qty      string `json:"qty"`
	Fee      string `json:"fee"`
	FeeAsset string `json:"fee_asset"`
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func dec(d decimal.Decimal) string { return d.Trim(0).String() }

// NewReport describes res of cfg; withTrades lists every trade.
func NewReport(cfg Config, res Result, intervalName string, withTrades bool) Report {
	r := Report{
		Symbol: cfg.Symbol, Strategy: cfg.Strategy, Params: cfg.Params, Interval: intervalName,
		From: ts(res.From), To: ts(res.To), Candles: res.Candles, TradeCount: res.TradeCount(), Refused: res.Refused,
		Fees: dec(res.Fees), StartEquity: dec(res.StartEquity), FinalEquity: dec(res.FinalEquity), PnL: dec(res.PnL),
		PnLPct: dec(res.PnLPct), MaxDrawdownPct: res.MaxDrawdownPct, Sharpe: res.Sharpe, Sortino: res.Sortino,
		TimeInMarketPct: res.TimeInMarketPct, BuyHoldFinal: dec(res.BuyHoldFinal), BuyHoldPnLPct: dec(res.BuyHoldPnLPct),
	}
	if withTrades {
		r.Trades = make([]TradeReport, 0, len(res.Trades))
		for _, t := range res.Trades {
			r.Trades = append(r.Trades, TradeReport{Time: t.Time.UTC().Format(time.RFC3339Nano), Tag: t.Tag, Side: string(t.Side),
				Price: dec(t.Price), Qty: dec(t.Qty), Fee: dec(t.Fee), FeeAsset: t.FeeAsset})
		}
	}
	return r
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a person, in the quote asset quote.
func (r Report) WriteText(w io.Writer, quote string) error {
	_, err := fmt.Fprintf(w, `Backtest %s on %s (%s candles), %s to %s
  candles          %d
  trades           %d (%d intents refused)
  fees             %s %s
  final equity     %s %s (from %s)
  PnL              %s %s (%s %%)
  max drawdown     %s %%
  Sharpe (daily)   %s
  Sortino (daily)  %s
  time in market   %s %%
  buy and hold     %s %s (%s %%)
`, r.Strategy, r.Symbol, r.Interval, r.From, r.To, r.Candles, r.TradeCount, r.Refused, r.Fees, quote,
		r.FinalEquity, quote, r.StartEquity, signed(r.PnL), quote, signed(r.PnLPct), num(r.MaxDrawdownPct, 2),
		num(r.Sharpe, 2), num(r.Sortino, 2), num(r.TimeInMarketPct, 1), r.BuyHoldFinal, quote, signed(r.BuyHoldPnLPct))
	return err
}

func signed(s string) string {
	if s != "" && s[0] != '-' && s != "0" {
		return "+" + s
	}
	return s
}

func num(f float64, places int) string { return strconv.FormatFloat(f, 'f', places, 64) }

// WriteTradesCSV writes every trade as CSV with a header.
func WriteTradesCSV(w io.Writer, res Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"time", "tag", "side", "price", "qty", "fee", "fee_asset"}); err != nil {
		return err
	}
	for _, t := range res.Trades {
		if err := cw.Write([]string{t.Time.UTC().Format(time.RFC3339Nano), t.Tag, string(t.Side), dec(t.Price), dec(t.Qty), dec(t.Fee), t.FeeAsset}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
