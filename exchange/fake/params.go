package fake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"
)

// params are a request's parameters as Binance reads them: the query string and a form body,
// the query winning when both carry a name.
type params struct {
	query, body       url.Values
	rawQuery, rawBody string
}

// parseParams parses the raw query and body. A name repeated within one of them is refused
// (-1101), as Binance does.
func parseParams(rawQuery, rawBody string) (params, *apiError) {
	p := params{rawQuery: rawQuery, rawBody: rawBody}
	var err error
	if p.query, err = url.ParseQuery(rawQuery); err != nil {
		return p, badRequest(codeIllegalChars, "Illegal characters found in a parameter.")
	}
	if p.body, err = url.ParseQuery(rawBody); err != nil {
		return p, badRequest(codeIllegalChars, "Illegal characters found in a parameter.")
	}
	for _, vs := range []url.Values{p.query, p.body} {
		for _, v := range vs {
			if len(v) > 1 {
				return p, badRequest(codeDuplicateParam, "Duplicate values for a parameter detected.")
			}
		}
	}
	return p, nil
}

// get returns a parameter's value, "" when absent.
func (p params) get(name string) string {
	if v, ok := p.query[name]; ok {
		return v[0]
	}
	if v, ok := p.body[name]; ok {
		return v[0]
	}
	return ""
}

// has reports whether a parameter was sent (even empty).
func (p params) has(name string) bool {
	_, q := p.query[name]
	_, b := p.body[name]
	return q || b
}

// signedPayload is the total params Binance signs: the query string then the body, each with
// its signature parameter removed, concatenated with no separator.
func (p params) signedPayload() string {
	return stripSignature(p.rawQuery) + stripSignature(p.rawBody)
}

func stripSignature(raw string) string {
	if !strings.Contains(raw, "signature=") {
		return raw
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, part := range parts {
		if !strings.HasPrefix(part, "signature=") {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}

// validSignature checks a hex HMAC-SHA256 signature (either case) of payload under secret, in
// constant time.
func validSignature(secret []byte, payload, signature string) bool {
	got, err := hex.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(payload))
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the hex HMAC-SHA256 signature Binance expects for payload. Tests and the demo
// command use it to build signed requests by hand.
func Sign(secret, payload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

// checkTimestamp applies Binance's timing rule: timestamp < serverTime+1000 and
// serverTime-timestamp <= recvWindow (default 5000, at most 60000).
func checkTimestamp(p params, now time.Time) *apiError {
	ts, err := strconv.ParseInt(p.get("timestamp"), 10, 64)
	if err != nil {
		return errMandatory("timestamp")
	}
	window := int64(5000)
	if p.has("recvWindow") {
		w, err := strconv.ParseInt(p.get("recvWindow"), 10, 64)
		if err != nil || w <= 0 {
			return errMandatory("recvWindow")
		}
		if w > 60000 {
			return badRequest(codeRecvWindow, "recvWindow must be less than 60000")
		}
		window = w
	}
	server := now.UnixMilli()
	if ts >= server+1000 {
		return badRequest(codeTimestamp, "Timestamp for this request was 1000ms ahead of the server's time.")
	}
	if server-ts > window {
		return badRequest(codeTimestamp, "Timestamp for this request is outside of the recvWindow.")
	}
	return nil
}

var (
	clientIDPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,36}$`)
	decimalPattern  = regexp.MustCompile(`^([0-9]{1,20})(\.[0-9]{1,20})?$`)
)

// maxParamScale is the most decimals Binance accepts in a price or quantity.
const maxParamScale = 8

// decimalParam parses an optional positive decimal parameter; ok is false when it was not sent.
func decimalParam(p params, name string) (d decimal.Decimal, ok bool, e *apiError) {
	if !p.has(name) {
		return d, false, nil
	}
	s := p.get(name)
	if s == "" {
		return d, false, errMandatory(name)
	}
	if !decimalPattern.MatchString(s) {
		return d, false, badRequest(codeIllegalChars, "Illegal characters found in parameter '%s'; legal range is '%s'.", name, decimalPattern.String())
	}
	if _, frac, found := strings.Cut(s, "."); found && len(strings.TrimRight(frac, "0")) > maxParamScale {
		return d, false, badRequest(codeBadPrecision, "Parameter '%s' has too much precision.", name)
	}
	d, err := decimal.Parse(s)
	if err != nil {
		return d, false, badRequest(codeOverflow, "Parameter '%s' overflowed.", name)
	}
	if !d.IsPos() {
		return d, false, badRequest(codeMandatory, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name)
	}
	return d.Trim(0), true, nil
}

// intParam parses an optional integer parameter; def when absent.
func intParam(p params, name string, def int64) (int64, *apiError) {
	if !p.has(name) {
		return def, nil
	}
	n, err := strconv.ParseInt(p.get(name), 10, 64)
	if err != nil {
		return 0, errMandatory(name)
	}
	return n, nil
}
