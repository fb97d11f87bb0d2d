package binance

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quantdeck/quantdeck/exchange"
)

// Binance error codes the adapter acts on.
const (
	codeUnknown         = -1000 // "An unknown error occurred while processing the request."
	codeDisconnected    = -1001 // "Internal error; unable to process your request."
	codeUnauthorized    = -1002
	codeTooManyRequests = -1003
	codeUnexpectedResp  = -1006 // "... from the message bus. Execution status unknown."
	codeTimeout         = -1007 // "Timeout waiting for response from backend server. ... execution status unknown."
	codeServerBusy      = -1008
	codeFilter          = -1013
	codeOrderComp       = -1014
	codeTooManyOrders   = -1015
	codeShuttingDown    = -1016
	codeUnsupported     = -1020
	codeTimestamp       = -1021
	codeBadSignature    = -1022
	codeNewOrderRejects = -2010
	codeCancelRejected  = -2011
	codeNoSuchOrder     = -2013
	codeBadAPIKeyFormat = -2014
	codeRejectedAPIKey  = -2015
)

const maxErrMsg = 200

// decodeAPIError turns an error response into an *exchange.APIError whose Kind is the sentinel
// the engine acts on. It accepts any body: Binance's {"code","msg"}, an HTML error page from a
// proxy, or nothing.
func decodeAPIError(status int, body []byte) *exchange.APIError {
	ae := &exchange.APIError{HTTPStatus: status}
	var e struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.Unmarshal(body, &e); err == nil && (e.Code != 0 || e.Msg != "") {
		ae.Code, ae.Msg = e.Code, cleanMsg(e.Msg)
	} else {
		ae.Msg = http.StatusText(status)
		if ae.Msg == "" {
			ae.Msg = "unexpected response"
		}
		ae.Msg = "HTTP " + ae.Msg
	}
	if ae.Msg == "" {
		ae.Msg = "no message"
	}
	ae.Kind = errorKind(status, ae.Code, ae.Msg)
	return ae
}

// errorKind maps an HTTP status and Binance code to the port's sentinel errors. A code the
// adapter does not know maps to ErrRejected here; placements treat it as ambiguous instead
// (see placementError).
func errorKind(status, code int, msg string) error {
	switch {
	case code == codeUnexpectedResp || code == codeTimeout || code == codeUnknown:
		// Binance says the execution status is unknown, whatever the HTTP status.
		return exchange.ErrAmbiguous
	case status >= 500:
		// The request reached the exchange and may have been executed.
		return exchange.ErrAmbiguous
	case status == http.StatusUnauthorized:
		return exchange.ErrAuth
	}
	switch code {
	case codeDisconnected, codeServerBusy, codeShuttingDown:
		// Refused before processing: "unable to process", "overloaded", "shutting down".
		return exchange.ErrUnavailable
	case codeTooManyOrders:
		return exchange.ErrRateLimited
	case codeUnauthorized:
		return exchange.ErrAuth
	case codeOrderComp, codeUnsupported:
		return exchange.ErrRejected
	case codeNewOrderRejects:
		if strings.Contains(strings.ToLower(msg), "insufficient balance") {
			return exchange.ErrInsufficientBalance
		}
		return exchange.ErrRejected
	case codeNoSuchOrder, codeCancelRejected:
		return exchange.ErrUnknownOrder
	case codeFilter:
		return exchange.ErrFilter
	case codeTimestamp:
		return exchange.ErrClockSkew
	case codeBadSignature, codeBadAPIKeyFormat, codeRejectedAPIKey:
		return exchange.ErrAuth
	case codeTooManyRequests:
		return exchange.ErrRateLimited
	}
	return exchange.ErrRejected
}

// recognised reports whether the adapter knows what an error answer means: a code it maps
// (request errors -1100 to -1199 included: the request was refused as malformed), or an
// authentication failure. Anything else may be a new code, a proxy's page, or a failure
// after processing.
func recognised(status, code int) bool {
	switch code {
	case codeUnknown, codeDisconnected, codeUnauthorized, codeTooManyRequests, codeUnexpectedResp, codeTimeout,
		codeServerBusy, codeFilter, codeOrderComp, codeTooManyOrders, codeShuttingDown, codeUnsupported,
		codeTimestamp, codeBadSignature, codeNewOrderRejects, codeCancelRejected, codeNoSuchOrder,
		codeBadAPIKeyFormat, codeRejectedAPIKey:
		return true
	}
	if code <= -1100 && code >= -1199 {
		return true
	}
	return status == http.StatusUnauthorized || status >= 500
}

// placementError makes an order placement's error answer ambiguous unless the adapter knows
// what it means: treating an unknown answer as a definite rejection is how an order that was
// placed gets placed again. The caller looks the order up instead.
func placementError(err error) error {
	var ae *exchange.APIError
	if !errors.As(err, &ae) || recognised(ae.HTTPStatus, ae.Code) || errors.Is(err, exchange.ErrAmbiguous) {
		return err
	}
	amb := *ae
	amb.Kind = exchange.ErrAmbiguous
	amb.Msg += " (an answer QuantDeck does not recognise: the order may have been placed)"
	return &amb
}

// cleanMsg makes an exchange message safe to show: printable, bounded, and with anything that
// looks like a key or signature (a run of 32 or more ASCII letters and digits) or a signed query
// string replaced, in case a proxy or a misbehaving server echoes the request back.
func cleanMsg(s string) string {
	if i := strings.Index(s, "signature="); i >= 0 {
		s = s[:i] + "signature=[redacted]"
	}
	out := make([]byte, 0, min(len(s), maxErrMsg)+16)
	runStart, runLen := 0, 0
	endRun := func() {
		if runLen >= 32 {
			out = append(out[:runStart], "[redacted]"...)
		}
		runLen = 0
	}
	n := 0
	for _, r := range s {
		if n == maxErrMsg {
			endRun()
			return string(out) + "..."
		}
		n++
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if runLen == 0 {
				runStart = len(out)
			}
			runLen++
			out = append(out, byte(r))
			continue
		}
		endRun()
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = ' '
		}
		out = utf8.AppendRune(out, r)
	}
	endRun()
	return string(out)
}
