package exchange

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors the engine acts on. Adapters wrap them (fmt.Errorf("...: %w", ErrX)) or
// return one of the typed errors below, which match them with errors.Is.
var (
	// ErrInsufficientBalance: the exchange refused the order for lack of funds.
	ErrInsufficientBalance = errors.New("insufficient balance")
	// ErrUnknownOrder: the exchange says it has no order with that id. For a lookup after an
	// ambiguous failure this is the definite answer "it was never placed".
	ErrUnknownOrder = errors.New("unknown order")
	// ErrFilter: the order breaks a symbol rule (tick, step, notional, status).
	ErrFilter = errors.New("rejected by symbol rules")
	// ErrRejected: the exchange rejected the order for another definite reason.
	ErrRejected = errors.New("order rejected")
	// ErrRateLimited: too many requests; see *RateLimitError for how long to wait.
	ErrRateLimited = errors.New("rate limited")
	// ErrClockSkew: our timestamp is outside the exchange's receive window.
	ErrClockSkew = errors.New("clock skew with the exchange")
	// ErrUnavailable: the exchange is temporarily unavailable and the request certainly did not
	// take effect (connection refused, 503 before processing): safe to retry later.
	ErrUnavailable = errors.New("exchange temporarily unavailable")
	// ErrAmbiguous: the request may or may not have taken effect (timeout, dropped connection,
	// 5xx). Never retry a placement on this error: look the order up by client id first.
	ErrAmbiguous = errors.New("outcome unknown")
	// ErrAuth: the key is invalid, lacks a permission, or the IP is not allowed.
	ErrAuth = errors.New("key rejected by the exchange")
	// ErrNoCredentials: a signed call was attempted without a key.
	ErrNoCredentials = errors.New("no API key configured")
	// ErrLocked: the key is stored but locked away (the vault is sealed), so nothing could be
	// signed: the request certainly never left. The vault's own ErrLocked is this error.
	ErrLocked = errors.New("locked: unlock it with the passphrase first")
)

// RateLimitError says how long the exchange asked us to stop.
type RateLimitError struct {
	RetryAfter time.Duration
	Banned     bool // HTTP 418: IP ban, not a mere back-off
}

func (e *RateLimitError) Error() string {
	if e.Banned {
		return fmt.Sprintf("exchange banned this IP for %s (too many requests)", e.RetryAfter)
	}
	return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// APIError is an error answer from the exchange with its own code (Binance: {"code","msg"}).
// Kind is the sentinel it maps to, so errors.Is works on it.
type APIError struct {
	HTTPStatus int
	Code       int
	Msg        string
	Kind       error
}

func (e *APIError) Error() string {
	if e.Kind != nil {
		return fmt.Sprintf("%v: exchange error %d: %s", e.Kind, e.Code, e.Msg)
	}
	return fmt.Sprintf("exchange error %d: %s", e.Code, e.Msg)
}

// Unwrap returns the sentinel kind.
func (e *APIError) Unwrap() error { return e.Kind }
