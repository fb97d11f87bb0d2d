package fake

import (
	"fmt"
	"net/http"
)

// apiError is one Binance error answer: an HTTP status and a {"code","msg"} body.
type apiError struct {
	status int
	code   int
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d %s", e.status, e.code, e.msg) }

func badRequest(code int, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, msg: fmt.Sprintf(format, args...)}
}

// Binance error codes the fake answers with.
const (
	codeUnknown          = -1000
	codeTooManyRequests  = -1003
	codeFilter           = -1013
	codeTooManyOrders    = -1015
	codeTimestamp        = -1021
	codeSignature        = -1022
	codeIllegalChars     = -1100
	codeDuplicateParam   = -1101
	codeMandatory        = -1102
	codeNotRequired      = -1106
	codeOverflow         = -1108
	codeBadPrecision     = -1111
	codeTIFNotRequired   = -1114
	codeInvalidTIF       = -1115
	codeInvalidOrderType = -1116
	codeInvalidSide      = -1117
	codeBadInterval      = -1120
	codeBadSymbol        = -1121
	codeRecvWindow       = -1131
	codeNewOrderRejected = -2010
	codeCancelRejected   = -2011
	codeNoSuchOrder      = -2013
	codeBadKeyFormat     = -2014
	codeRejectedKey      = -2015
)

func errMandatory(name string) *apiError {
	return badRequest(codeMandatory, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name)
}

func errNotRequired(name string) *apiError {
	return badRequest(codeNotRequired, "Parameter '%s' sent when not required.", name)
}

func errFilter(filter string) *apiError {
	return badRequest(codeFilter, "Filter failure: %s", filter)
}

func errInvalidKey() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: codeRejectedKey, msg: "Invalid API-key, IP, or permissions for action."}
}

func errInsufficient() *apiError {
	return badRequest(codeNewOrderRejected, "Account has insufficient balance for requested action.")
}

func errBadSymbol() *apiError { return badRequest(codeBadSymbol, "Invalid symbol.") }
