package instance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// ErrNotRunning means no QuantDeck process serves the control socket for this data directory.
var ErrNotRunning = errors.New("no running QuantDeck serves this data directory")

// RemoteError is a refusal from the running process (its message says what to do).
type RemoteError struct {
	Status int
	Msg    string
}

func (e *RemoteError) Error() string { return e.Msg }

// Client talks to a running QuantDeck through its control socket.
type Client struct {
	hc   *http.Client
	path string
}

// Dial prepares a client for home's control socket. It returns ErrNotRunning (wrapped) when
// there is no socket; a stale socket left by a crash shows up as ErrNotRunning on the first
// call. Dial itself does no network I/O: every call takes its own context.
func Dial(home string) (*Client, error) {
	path := SocketPath(home)
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode().Type() != fs.ModeSocket) {
		return nil, fmt.Errorf("instance: %w (%s)", ErrNotRunning, home)
	}
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns:    2,
		IdleConnTimeout: 30 * time.Second,
	}
	return &Client{hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, path: path}, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// StartBot starts a bot in the running engine.
func (c *Client) StartBot(ctx context.Context, name string) error {
	return c.post(ctx, "/v1/bots/"+url.PathEscape(name)+"/start")
}

// StopBot stops a bot in the running engine.
func (c *Client) StopBot(ctx context.Context, name string) error {
	return c.post(ctx, "/v1/bots/"+url.PathEscape(name)+"/stop")
}

// Sealed is the running process's answer to Seal.
type Sealed struct {
	// SSHAddr is where that process serves the cockpit over SSH, as it actually listens;
	// "" when it does not (or is a version that does not say).
	SSHAddr string `json:"ssh_addr"`
}

// Seal makes the running process drop its derived vault key and stop live bots.
func (c *Client) Seal(ctx context.Context) (Sealed, error) {
	var out Sealed
	return out, c.do(ctx, http.MethodPost, "/v1/seal", &out)
}

// Status returns the running process's /v1/status document.
func (c *Client) Status(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	if err := c.do(ctx, http.MethodGet, "/v1/status", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// AddBot adds a bot to the running engine. bot is the JSON body of POST /v1/bots (the
// control API's BotRequest); the engine validates it and answers in words a user can act on.
func (c *Client) AddBot(ctx context.Context, bot any) error {
	body, err := json.Marshal(bot)
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	return c.send(ctx, http.MethodPost, "/v1/bots", body, nil)
}

// RemoveBot removes a stopped bot from the running engine.
func (c *Client) RemoveBot(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/v1/bots/"+url.PathEscape(name), nil)
}

func (c *Client) post(ctx context.Context, path string) error {
	return c.do(ctx, http.MethodPost, path, nil)
}

func (c *Client) do(ctx context.Context, method, path string, out any) error {
	return c.send(ctx, method, path, nil, out)
}

func (c *Client) send(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://quantdeck"+path, rd)
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("instance: %w (stale %s)", ErrNotRunning, c.path)
		}
		return fmt.Errorf("instance: talking to the running QuantDeck: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("instance: reading the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return &RemoteError{Status: resp.StatusCode, Msg: errorMessage(resp.StatusCode, answer)}
	}
	if out != nil && len(answer) > 0 {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("instance: the running QuantDeck answered something unexpected: %w", err)
		}
	}
	return nil
}

// errorMessage extracts {"error": "..."} from an answer, falling back to the status text.
func errorMessage(code int, body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && strings.TrimSpace(e.Error) != "" {
		msg := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return ' '
			}
			return r
		}, e.Error)
		if len(msg) > 500 {
			msg = msg[:500]
		}
		return msg
	}
	if code == http.StatusNotFound {
		return "the running QuantDeck does not offer this (is it an older version?)"
	}
	return fmt.Sprintf("the running QuantDeck answered %d %s", code, http.StatusText(code))
}
