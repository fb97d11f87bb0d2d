package marketdata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// Pager serves one page of history: candles opening in [from, to), oldest first, at most
// limit. The Binance client (inside its request-weight budget) and the simulated market do.
type Pager interface {
	CandlesBetween(ctx context.Context, symbol string, interval time.Duration, from, to time.Time, limit int) ([]exchange.Candle, error)
}

// pageSize is the most candles Binance returns in one request.
const pageSize = 1000

// FetchOptions say what to fetch.
type FetchOptions struct {
	Symbol   string
	Interval time.Duration
	From, To time.Time // To zero: up to Now
	Now      time.Time // only candles closed by then are stored
	// Progress hears the open time reached and the range's end after every page.
	Progress func(reached, end time.Time)
}

// FetchResult says what a fetch did.
type FetchResult struct {
	From, To time.Time // the range actually asked for (after resuming)
	Pages    int
	Added    int
	Gaps     []Gap // missing candles in the stored range [From, To)
}

// Fetch backfills opts' range from src into the store, page by page, each page saved before
// the next is asked for: an interrupted fetch run again resumes after the last candle stored
// in the range. Only closed candles are kept.
func (s *Store) Fetch(ctx context.Context, src Pager, opts FetchOptions) (FetchResult, error) {
	var res FetchResult
	iv := opts.Interval
	if err := checkInterval(iv); err != nil {
		return res, err
	}
	end := opts.To
	if closed := opts.Now.Truncate(iv); end.IsZero() || end.After(closed) {
		end = closed
	}
	start := opts.From.UTC().Truncate(iv)
	if start.Before(opts.From) {
		start = start.Add(iv)
	}
	if !end.After(start) {
		return res, fmt.Errorf("marketdata: nothing to fetch: %s to %s holds no closed %s candle", opts.From.Format(time.RFC3339), end.Format(time.RFC3339), IntervalName(iv))
	}
	// Resume: skip what is stored from the start on, without a hole.
	have, err := s.Load(ctx, opts.Symbol, iv, start, end)
	if err != nil {
		return res, err
	}
	cursor := start
	for _, c := range have {
		if !c.Open.Equal(cursor) {
			break
		}
		cursor = cursor.Add(iv)
	}
	res.From, res.To = cursor, end
	for cursor.Before(end) {
		page, err := src.CandlesBetween(ctx, opts.Symbol, iv, cursor, end, pageSize)
		if err != nil {
			return res, fmt.Errorf("marketdata: fetching %s from %s: %w (run the same command again to resume)", opts.Symbol, cursor.Format(time.RFC3339), err)
		}
		res.Pages++
		if len(page) == 0 {
			break // nothing more the exchange has (a listing date after the start, say)
		}
		put, err := s.Put(ctx, opts.Symbol, iv, page)
		if err != nil {
			return res, err
		}
		res.Added += put.Added
		next := page[len(page)-1].Open.Add(iv)
		if !next.After(cursor) {
			return res, errors.New("marketdata: the exchange returned a page that does not advance")
		}
		cursor = next
		if opts.Progress != nil {
			opts.Progress(cursor, end)
		}
	}
	stored, err := s.Load(ctx, opts.Symbol, iv, start, end)
	if err != nil {
		return res, err
	}
	res.Gaps = Gaps(stored, iv)
	if len(stored) > 0 {
		if lead := stored[0].Open; lead.After(start) {
			res.Gaps = append([]Gap{{From: start, To: lead, Missing: int(lead.Sub(start) / iv)}}, res.Gaps...)
		}
	}
	return res, nil
}
