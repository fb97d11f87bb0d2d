package fake

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// parseStreamPath reads the streams named by /ws/<a>/<b> or /stream?streams=a/b, and whether
// payloads are wrapped (combined).
func parseStreamPath(r *http.Request) (streams []string, combined bool) {
	if r.URL.Path == wsAPIPath {
		return nil, false
	}
	var list string
	if strings.HasPrefix(r.URL.Path, "/stream") {
		combined = true
		list = r.URL.Query().Get("streams")
	} else {
		list = strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/ws"), "/")
	}
	for _, st := range strings.Split(list, "/") {
		if st != "" {
			streams = append(streams, st)
		}
	}
	return streams, combined
}

// controlMsg is a client request on a stream connection.
type controlMsg struct {
	Method *string           `json:"method"`
	Params []json.RawMessage `json:"params"`
	ID     json.RawMessage   `json:"id"`
}

// control handles SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY and GET_PROPERTY,
// returning the reply to send (Binance's shapes and error codes).
func (h *hub) control(conn *wsConn, msg []byte) []byte {
	var m controlMsg
	if err := json.Unmarshal(msg, &m); err != nil {
		return wsError(3, "Invalid JSON: expected value at line 1 column 1", nil)
	}
	id, ok := validID(m.ID)
	if !ok {
		return wsError(2, "Invalid request: request ID must be an unsigned integer", nil)
	}
	if m.Method == nil {
		return wsError(2, "Invalid request: missing field `method` at line 1 column 1", id)
	}
	switch *m.Method {
	case "SUBSCRIBE", "UNSUBSCRIBE":
		names := make([]string, 0, len(m.Params))
		for _, raw := range m.Params {
			var name string
			if err := json.Unmarshal(raw, &name); err != nil || !validStreamName(name) {
				return wsError(2, "Invalid request: invalid stream name", id)
			}
			names = append(names, name)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, name := range names {
			if *m.Method == "SUBSCRIBE" {
				conn.subs[name] = true
			} else {
				delete(conn.subs, name)
			}
		}
		if len(conn.subs) > maxStreams {
			return wsError(2, "Invalid request: too many streams", id)
		}
		return mustJSON(wsResult{Result: nil, ID: id})
	case "LIST_SUBSCRIPTIONS":
		h.mu.Lock()
		defer h.mu.Unlock()
		list := make([]string, 0, len(conn.subs))
		for name := range conn.subs {
			list = append(list, name)
		}
		sort.Strings(list)
		return mustJSON(wsResult{Result: list, ID: id})
	case "SET_PROPERTY", "GET_PROPERTY":
		return h.property(conn, *m.Method, m.Params, id)
	default:
		return wsError(2, "Invalid request: unknown variant `"+*m.Method+"`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 1", id)
	}
}

func (h *hub) property(conn *wsConn, method string, params []json.RawMessage, id json.RawMessage) []byte {
	if len(params) == 0 {
		return wsError(2, "Invalid request: property name must be a string", id)
	}
	var name string
	if err := json.Unmarshal(params[0], &name); err != nil {
		return wsError(2, "Invalid request: property name must be a string", id)
	}
	if name != "combined" {
		return wsError(0, "Unknown property", id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if method == "GET_PROPERTY" {
		return mustJSON(wsResult{Result: conn.combined, ID: id})
	}
	if len(params) != 2 {
		return wsError(2, "Invalid request: too many parameters", id)
	}
	var v bool
	if err := json.Unmarshal(params[1], &v); err != nil {
		return wsError(1, "Invalid value type: expected Boolean", id)
	}
	conn.combined = v
	return mustJSON(wsResult{Result: nil, ID: id})
}

type wsResult struct {
	Result any             `json:"result"`
	ID     json.RawMessage `json:"id"`
}

type wsErrorJSON struct {
	Error struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"error"`
	ID json.RawMessage `json:"id"`
}

func wsError(code int, msg string, id json.RawMessage) []byte {
	var e wsErrorJSON
	e.Error.Code, e.Error.Msg = code, msg
	e.ID = id
	if e.ID == nil {
		e.ID = json.RawMessage("null")
	}
	return mustJSON(e)
}

// validID accepts what Binance accepts as a request id: a 64-bit integer, an alphanumeric
// string of at most 36 characters, or null. It returns the id to echo.
func validID(raw json.RawMessage) (json.RawMessage, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("null"), true
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return json.RawMessage(strconv.FormatInt(n, 10)), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && len(s) <= 36 && isAlnum(s) {
		return mustJSON(s), true
	}
	return nil, false
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// validStreamName accepts <symbol>@<type>[@<option>] with a lowercase symbol, and the
// all-market forms starting with "!".
func validStreamName(name string) bool {
	sym, rest, ok := strings.Cut(name, "@")
	if !ok || rest == "" || sym == "" {
		return false
	}
	if strings.HasPrefix(sym, "!") {
		return true
	}
	for _, r := range sym {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
