package binance

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quantdeck/quantdeck/exchange"
)

// Binance error codes the adapter acts on.
const (
	codeTooManyRequests = -1003
	codeFilter          = -1013
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

// errorKind maps an HTTP status and Binance code to the port's sentinel errors.
func errorKind(status, code int, msg string) error {
	switch {
	case status >= 500:
		// The request reached the exchange and may have been executed.
		return exchange.ErrAmbiguous
	case status == http.StatusUnauthorized:
		return exchange.ErrAuth
	}
	switch code {
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
