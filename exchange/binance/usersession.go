package binance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/quantdeck/quantdeck/exchange"
)

var errUserStale = errors.New("order update stream went silent")

// keepAlive watches one WebSocket API connection: any frame (message, ping or pong) pushes the
// read deadline forward, the server's pings are answered with pongs echoing their payload, and
// the client pings on its own so a half-open connection is noticed even when the exchange has
// nothing to say. The deadline never extends past renewAt.
type keepAlive struct {
	conn    *websocket.Conn
	stale   time.Duration
	renewAt time.Time // set by the reading goroutine only
	quit    chan struct{}
	wg      sync.WaitGroup
}

func newKeepAlive(conn *websocket.Conn, stale time.Duration) *keepAlive {
	ka := &keepAlive{conn: conn, stale: stale, quit: make(chan struct{})}
	// Both handlers run on the reading goroutine, inside NextReader.
	conn.SetPingHandler(func(data string) error {
		ka.extend()
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(handshakeTimeout))
		var ne net.Error
		if err == nil || errors.Is(err, websocket.ErrCloseSent) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil
		}
		return err
	})
	conn.SetPongHandler(func(string) error {
		ka.extend()
		return nil
	})
	return ka
}

// extend moves the read deadline to stale from now, capped at renewAt.
func (ka *keepAlive) extend() {
	dl := time.Now().Add(ka.stale)
	if !ka.renewAt.IsZero() && dl.After(ka.renewAt) {
		dl = ka.renewAt
	}
	_ = ka.conn.SetReadDeadline(dl)
}

// startPinger pings every interval until stop.
func (ka *keepAlive) startPinger(every time.Duration) {
	ka.wg.Add(1)
	go func() {
		defer ka.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ka.quit:
				return
			case <-t.C:
				// WriteControl may run beside the reader and the one other writer.
				if err := ka.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(handshakeTimeout)); err != nil {
					return // the reader notices the broken connection
				}
			}
		}
	}()
}

func (ka *keepAlive) stop() {
	close(ka.quit)
	ka.wg.Wait()
}

// readError explains why a read failed: renewal time reached, silence, or a broken connection.
func (ka *keepAlive) readError(err error, what string) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if !ka.renewAt.IsZero() && !time.Now().Before(ka.renewAt) {
			return errConnAge
		}
		return fmt.Errorf("%w: nothing heard for %s", errUserStale, ka.stale)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// subscribe sends the signed userDataStream.subscribe.signature request and waits for its
// answer. It returns the subscription id and the read buffer for reuse.
func (s *StreamingClient) subscribe(ctx context.Context, conn *websocket.Conn, ka *keepAlive) (int64, []byte, error) {
	s.reqID++
	id := "qd-sub-" + strconv.Itoa(s.reqID)
	req, err := s.subscribeRequest(ctx, id)
	if err != nil {
		return 0, nil, fmt.Errorf("subscribing to order updates: %w", err)
	}
	_ = conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	err = conn.WriteMessage(websocket.TextMessage, req)
	clear(req) // it held the API key
	_ = conn.SetWriteDeadline(time.Time{})
	if err != nil {
		return 0, nil, fmt.Errorf("sending the order update subscription: %w", err)
	}
	ka.renewAt = time.Now().Add(subscribeTimeout) // bounds the wait for the answer
	var buf []byte
	var m userMsg
	for {
		ka.extend()
		msg, err := readMessage(conn, buf)
		buf = msg[:0]
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return 0, buf, fmt.Errorf("subscribing to order updates: no answer within %s: %w", subscribeTimeout, exchange.ErrUnavailable)
			}
			return 0, buf, fmt.Errorf("waiting for the order update subscription: %w", err)
		}
		if decodeUser(msg, &m) != nil || m.kind != userResponse || string(m.id) != id {
			continue // nothing else can belong to a subscription not yet made
		}
		if m.status == http.StatusOK {
			var res struct {
				SubscriptionID *int64 `json:"subscriptionId"`
			}
			if json.Unmarshal(m.result, &res) != nil || res.SubscriptionID == nil {
				return 0, buf, fmt.Errorf("subscribing to order updates: the answer has no subscription id: %w", exchange.ErrUnavailable)
			}
			return *res.SubscriptionID, buf, nil
		}
		return 0, buf, s.subscribeRefused(ctx, m.status, m.errRaw)
	}
}

// subscribeRefused turns an error answer to the subscription into the port's errors. The
// exchange's message is cleaned like REST error messages, so an echoed key never gets through.
func (s *StreamingClient) subscribeRefused(ctx context.Context, status int64, raw []byte) error {
	var e struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data struct {
			RetryAfter int64 `json:"retryAfter"` // epoch milliseconds
		} `json:"data"`
	}
	_ = json.Unmarshal(raw, &e)
	if status == http.StatusTooManyRequests || status == http.StatusTeapot {
		wait := ""
		if e.Data.RetryAfter > 0 {
			secs := (time.UnixMilli(e.Data.RetryAfter).Sub(s.serverNow()) + time.Second - 1) / time.Second
			wait = strconv.FormatInt(int64(max(secs, 1)), 10)
		}
		var rl *exchange.RateLimitError
		if status == http.StatusTeapot {
			rl = s.rate.backOff(s.now(), wait, true)
		} else {
			rl = &exchange.RateLimitError{RetryAfter: parseRetryAfter(wait, false)}
		}
		return fmt.Errorf("subscribing to order updates: HTTP %d: %w", status, rl)
	}
	msg := cleanMsg(e.Msg)
	if msg == "" {
		msg = "no message"
	}
	ae := &exchange.APIError{HTTPStatus: int(status), Code: e.Code, Msg: msg, Kind: errorKind(int(status), e.Code, msg)}
	if errors.Is(ae, exchange.ErrClockSkew) {
		if err := s.SyncTime(ctx); err != nil {
			s.log.Warn("binance: resynchronising the clock failed", "err", err)
		}
	}
	return fmt.Errorf("subscribing to order updates: %w", ae)
}

// subscribeRequest builds the signed subscription. The WebSocket API signs the parameters
// other than the signature sorted by name (apiKey, recvWindow, timestamp) and joined as a query
// string without percent-encoding. The key is borrowed only while the request is built; the
// caller clears the returned buffer after sending it.
func (c *Client) subscribeRequest(ctx context.Context, id string) ([]byte, error) {
	ts := c.serverNow().UnixMilli()
	rw := c.recvWindow.Milliseconds()
	var msg []byte
	err := c.creds.Use(ctx, func(key, secret []byte) error {
		if len(key) == 0 || len(secret) == 0 {
			return exchange.ErrNoCredentials
		}
		if !plainKey(key) {
			return fmt.Errorf("the API key holds characters Binance keys never have; enter it again: %w", exchange.ErrAuth)
		}
		payload := make([]byte, 0, len(key)+64)
		payload = append(payload, "apiKey="...)
		payload = append(payload, key...)
		payload = append(payload, "&recvWindow="...)
		payload = strconv.AppendInt(payload, rw, 10)
		payload = append(payload, "&timestamp="...)
		payload = strconv.AppendInt(payload, ts, 10)
		// Sized up front so no copy holding the key is left behind by a reallocation.
		msg = make([]byte, 0, len(id)+len(key)+256)
		msg = append(msg, `{"id":"`...)
		msg = append(msg, id...)
		msg = append(msg, `","method":"userDataStream.subscribe.signature","params":{"apiKey":"`...)
		msg = append(msg, key...)
		msg = append(msg, `","recvWindow":`...)
		msg = strconv.AppendInt(msg, rw, 10)
		msg = append(msg, `,"timestamp":`...)
		msg = strconv.AppendInt(msg, ts, 10)
		msg = append(msg, `,"signature":"`...)
		msg = c.signers.appendSignature(msg, secret, payload)
		msg = append(msg, `"}}`...)
		clear(payload)
		return nil
	})
	if err != nil {
		clear(msg)
		return nil, fmt.Errorf("using the API key: %w", err)
	}
	return msg, nil
}

// plainKey reports whether an API key can be placed in JSON unescaped: printable ASCII
// without quotes or backslashes (Binance keys are letters and digits).
func plainKey(key []byte) bool {
	for _, ch := range key {
		if ch <= ' ' || ch > '~' || ch == '"' || ch == '\\' {
			return false
		}
	}
	return true
}
