package binance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// maxBody bounds a response body; a full exchangeInfo is a few megabytes.
const maxBody = 32 << 20

// endpoint is one REST route with its request weight.
type endpoint struct {
	method string
	path   string
	weight int
	signed bool
}

var (
	epTime          = endpoint{http.MethodGet, "/api/v3/time", 1, false}
	epExchangeInfo  = endpoint{http.MethodGet, "/api/v3/exchangeInfo", 20, false}
	epKlines        = endpoint{http.MethodGet, "/api/v3/klines", 2, false}
	epTickerPrice   = endpoint{http.MethodGet, "/api/v3/ticker/price", 2, false}
	epNewOrder      = endpoint{http.MethodPost, "/api/v3/order", 1, true}
	epGetOrder      = endpoint{http.MethodGet, "/api/v3/order", 4, true}
	epCancelOrder   = endpoint{http.MethodDelete, "/api/v3/order", 1, true}
	epOpenOrders    = endpoint{http.MethodGet, "/api/v3/openOrders", 6, true}
	epAllOpenOrders = endpoint{http.MethodGet, "/api/v3/openOrders", 80, true}
	epAccount       = endpoint{http.MethodGet, "/api/v3/account", 20, true}
	epMyTrades      = endpoint{http.MethodGet, "/api/v3/myTrades", 20, true}
	epRestrictions  = endpoint{http.MethodGet, "/sapi/v1/account/apiRestrictions", 1, true}
)

// call sends one request and decodes a successful JSON answer into out (when not nil). A signed
// call rejected for its timestamp (-1021) resynchronises the clock and is sent once more: the
// exchange refused the first one, so the retry cannot duplicate anything.
func (c *Client) call(ctx context.Context, ep endpoint, p params, out any) error {
	return c.callReported(ctx, ep, p, out, nil)
}

// signedHook is called just before a request leaves, after every wait, with the timestamp
// signed into it (zero for an unsigned request); an error keeps the request from leaving.
type signedHook func(ctx context.Context, ts time.Time) error

// callReported is call with a hook told about every signed send, the resend after a -1021
// included.
func (c *Client) callReported(ctx context.Context, ep endpoint, p params, out any, onSigned signedHook) error {
	err := c.send(ctx, ep, p, out, onSigned)
	if !ep.signed || !errors.Is(err, exchange.ErrClockSkew) {
		return err
	}
	c.log.Warn("binance: timestamp rejected, resynchronising the clock", "path", ep.path)
	if serr := c.SyncTime(ctx); serr != nil {
		return fmt.Errorf("%w (resynchronising the clock failed: %w)", err, serr)
	}
	return c.send(ctx, ep, p, out, onSigned)
}

// send performs one HTTP exchange. Errors are *exchange.APIError, *exchange.RateLimitError, or
// wrap exchange.ErrAmbiguous / exchange.ErrUnavailable; none carries the query string. A
// signed request's timestamp is taken after every wait (clock sync, weight budget), and
// onSigned (when set) hears it before the request leaves.
func (c *Client) send(ctx context.Context, ep endpoint, p params, out any, onSigned signedHook) error {
	if ep.signed {
		if c.creds == nil {
			return exchange.ErrNoCredentials
		}
		if err := c.ensureSynced(ctx); err != nil {
			return err
		}
	}
	if err := c.admit(ctx, ep.weight); err != nil {
		return err
	}
	query := p.b
	var apiKey string
	if ep.signed {
		ts := c.serverNow()
		q, key, err := c.sign(ctx, query, ts.UnixMilli())
		if err != nil {
			return err
		}
		query, apiKey = q, key
		if onSigned != nil {
			if err := onSigned(ctx, time.UnixMilli(ts.UnixMilli()).UTC()); err != nil {
				return fmt.Errorf("%s %s not sent: %w", ep.method, ep.path, err)
			}
		}
	} else if onSigned != nil {
		if err := onSigned(ctx, time.Time{}); err != nil {
			return fmt.Errorf("%s %s not sent: %w", ep.method, ep.path, err)
		}
	}
	target := c.restURL + ep.path
	var body io.Reader
	if ep.method == http.MethodPost || ep.method == http.MethodPut {
		body = bytes.NewReader(query)
	} else if len(query) > 0 {
		target += "?" + string(query)
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), ep.method, target, body)
	if err != nil {
		return fmt.Errorf("building request %s %s: %w", ep.method, ep.path, exchange.ErrUnavailable)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if apiKey != "" {
		req.Header.Set("X-MBX-APIKEY", apiKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportError(ep, err, wrote.Load())
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return transportError(ep, err, true)
	}
	c.rate.observe(resp.Header, c.serverNow())
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusTeapot:
		rl := c.rate.backOff(c.now(), resp.Header.Get("Retry-After"), resp.StatusCode == http.StatusTeapot)
		c.log.Warn("binance: rate limited by the exchange", "status", resp.StatusCode, "retry_after", rl.RetryAfter)
		return rl
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return decodeAPIError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		// The exchange answered success: whatever was asked may have happened.
		return fmt.Errorf("%s %s: unreadable answer (%v): %w", ep.method, ep.path, err, exchange.ErrAmbiguous)
	}
	return nil
}

// transportError classifies a failed HTTP exchange. Until the request has been written nothing
// can have happened on the exchange; after that the outcome is unknown. The *url.Error from the
// client is unwrapped because its text holds the full URL, signature included.
func transportError(ep endpoint, err error, written bool) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	kind := exchange.ErrUnavailable
	if written {
		kind = exchange.ErrAmbiguous
	}
	return fmt.Errorf("%s %s: %w: %w", ep.method, ep.path, kind, err)
}

// admit waits while the minute's weight budget is nearly spent and refuses to send anything
// during a back-off or ban.
func (c *Client) admit(ctx context.Context, weight int) error {
	for {
		wait, err := c.rate.admit(c.now(), c.serverNow(), weight)
		if err != nil {
			return err
		}
		if wait <= 0 {
			return nil
		}
		c.log.Info("binance: request weight near the minute's limit, waiting", "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("waiting for the request weight to reset: %w: %w", exchange.ErrUnavailable, err)
		}
	}
}

// sign appends recvWindow, timestamp (timestampMs, by the exchange's clock) and signature to a
// copy of query and returns it with the API key. The key and secret are borrowed only for the
// duration of the signing.
func (c *Client) sign(ctx context.Context, query []byte, timestampMs int64) ([]byte, string, error) {
	q := make([]byte, 0, len(query)+128)
	q = append(q, query...)
	if len(q) > 0 {
		q = append(q, '&')
	}
	q = append(q, "recvWindow="...)
	q = strconv.AppendInt(q, c.recvWindow.Milliseconds(), 10)
	q = append(q, "&timestamp="...)
	q = strconv.AppendInt(q, timestampMs, 10)
	var apiKey string
	err := c.creds.Use(ctx, func(key, secret []byte) error {
		if len(key) == 0 || len(secret) == 0 {
			return exchange.ErrNoCredentials
		}
		apiKey = string(key)
		payload := q
		q = append(q, "&signature="...)
		q = c.signers.appendSignature(q, secret, payload)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("using the API key: %w", err)
	}
	return q, apiKey, nil
}

// SyncTime measures the offset between the local and the exchange's clock (GET /api/v3/time).
// It runs on the first signed call and again whenever the exchange rejects a timestamp.
func (c *Client) SyncTime(ctx context.Context) error {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	return c.syncTimeLocked(ctx)
}

// ensureSynced measures the clock offset before the first signed call and refreshes it once an
// hour, since clocks drift. A failed refresh keeps the previous offset: the exchange would answer
// -1021 if it had gone wrong, which triggers a resync anyway.
func (c *Client) ensureSynced(ctx context.Context) error {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	if c.synced && c.now().Sub(c.lastSync) < resyncEvery {
		return nil
	}
	err := c.syncTimeLocked(ctx)
	if err != nil && c.synced {
		c.log.Warn("binance: refreshing the clock offset failed, keeping the last one", "err", err)
		return nil
	}
	return err
}

func (c *Client) syncTimeLocked(ctx context.Context) error {
	var resp struct {
		ServerTime int64 `json:"serverTime"`
	}
	// The round trip starts when the request leaves, not before a wait on the weight budget:
	// a wait counted in it would skew the offset by half its length.
	var t0 time.Time
	leaving := func(context.Context, time.Time) error { t0 = c.now(); return nil }
	if err := c.send(ctx, epTime, params{}, &resp, leaving); err != nil {
		return fmt.Errorf("reading the exchange's clock: %w", err)
	}
	t1 := c.now()
	if resp.ServerTime <= 0 {
		return fmt.Errorf("reading the exchange's clock: no server time in the answer: %w", exchange.ErrUnavailable)
	}
	mid := t0.Add(t1.Sub(t0) / 2)
	off := time.UnixMilli(resp.ServerTime).Sub(mid)
	c.offset.Store(int64(off))
	// The server read its clock somewhere within the round trip, to the millisecond.
	c.offsetErr.Store(int64(t1.Sub(t0)/2 + time.Millisecond))
	c.synced, c.lastSync = true, t1
	c.log.Info("binance: clock synchronised", "offset", off)
	return nil
}
