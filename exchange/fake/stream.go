package fake

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// maxStreams is Binance's limit of streams per connection.
const maxStreams = 1024

// sendBuffer is how many messages a connection may fall behind before it is dropped as a slow
// consumer.
const sendBuffer = 1024

// hub owns the websocket connections and fans stream payloads out to them.
type hub struct {
	s        *Server
	upgrader websocket.Upgrader

	mu          sync.Mutex
	conns       map[*wsConn]struct{}
	closed      bool
	silent      bool
	silentTimer *time.Timer
	silentGen   int // which Silence call the timer belongs to
}

// wsConn is one websocket client.
type wsConn struct {
	c        *websocket.Conn
	send     chan []byte
	done     chan struct{}
	once     sync.Once
	combined bool             // guarded by hub.mu
	subs     map[string]bool  // guarded by hub.mu
	api      bool             // a WebSocket API connection (user data stream)
	users    map[*account]int // user data subscriptions -> subscriptionId; guarded by hub.mu
	nextSub  int              // guarded by hub.mu
	ping     atomic.Value     // string: payload of the unanswered ping, "" when none
}

func newHub(s *Server) *hub {
	return &hub{s: s, conns: make(map[*wsConn]struct{}), upgrader: websocket.Upgrader{
		CheckOrigin: func(*http.Request) bool { return true },
	}}
}

func (c *wsConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.c.Close()
	})
}

// serve upgrades a /ws or /stream request and runs the connection until it ends.
func (h *hub) serve(w *statusWriter, r *http.Request) {
	streams, combined := parseStreamPath(r)
	if len(streams) > maxStreams {
		http.Error(w, "too many streams", http.StatusBadRequest)
		return
	}
	// ServeHTTP holds a place in s.wg for this handler, so Close waits for it.
	c, err := h.upgrader.Upgrade(w.ResponseWriter, r, nil) // gorilla needs the Hijacker itself
	if err != nil {
		w.status = http.StatusBadRequest // the upgrader answered the client
		return
	}
	w.status = http.StatusSwitchingProtocols
	conn := &wsConn{c: c, send: make(chan []byte, sendBuffer), done: make(chan struct{}), combined: combined, subs: make(map[string]bool), users: make(map[*account]int)}
	conn.api = r.URL.Path == wsAPIPath
	conn.ping.Store("")
	for _, st := range streams {
		conn.subs[st] = true
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		_ = c.Close()
		return
	}
	h.conns[conn] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.conns, conn)
		h.mu.Unlock()
		conn.close()
	}()

	h.s.wg.Add(1) // the handler's own place keeps the count above zero
	go h.writeLoop(conn)
	c.SetPongHandler(func(data string) error {
		if p := conn.ping.Load().(string); p != "" && p == data {
			conn.ping.Store("")
			return c.SetReadDeadline(time.Time{})
		}
		return nil // unsolicited pongs are allowed but do not count
	})
	c.SetReadLimit(64 << 10)
	var window time.Time
	var count int
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if conn.api {
			h.enqueue(conn, h.apiRequest(conn, msg))
			continue
		}
		if limit := h.s.opts.MaxClientMessages; limit > 0 {
			if now := time.Now(); now.Sub(window) >= time.Second {
				window, count = now, 0
			}
			if count++; count > limit {
				return // Binance disconnects a client past its message rate
			}
		}
		if reply := h.control(conn, msg); reply != nil {
			h.enqueue(conn, reply)
		}
	}
}

// writeLoop writes queued messages and pings until the connection ends. Nothing is written
// while the hub is silent.
func (h *hub) writeLoop(conn *wsConn) {
	defer h.s.wg.Done()
	defer conn.close()
	ping := time.NewTicker(h.s.opts.PingInterval)
	defer ping.Stop()
	age := time.NewTimer(h.s.opts.MaxConnAge)
	defer age.Stop()
	var n int64
	for {
		select {
		case <-conn.done:
			return
		case <-age.C:
			return // Binance ends every connection at 24 hours
		case msg := <-conn.send:
			if msg == nil {
				_ = conn.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
				return
			}
			if h.isSilent() {
				continue
			}
			_ = conn.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := conn.c.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-ping.C:
			if h.isSilent() || conn.ping.Load().(string) != "" {
				continue // one unanswered ping at a time; its deadline stands
			}
			n++
			payload := strconv.FormatInt(time.Now().UnixMilli(), 10) + "-" + strconv.FormatInt(n, 10)
			conn.ping.Store(payload)
			// The deadline is set before the ping goes out so a fast pong cannot be undone.
			_ = conn.c.SetReadDeadline(time.Now().Add(h.s.opts.PongTimeout))
			if err := conn.c.WriteControl(websocket.PingMessage, []byte(payload), time.Now().Add(10*time.Second)); err != nil {
				return
			}
		}
	}
}

// enqueue queues msg for conn without blocking; a connection too far behind is dropped.
func (h *hub) enqueue(conn *wsConn, msg []byte) {
	select {
	case conn.send <- msg:
	default:
		conn.close()
	}
}

// publish sends a stream payload to every connection subscribed to stream. The payload is
// sent as given (it may be malformed on purpose): combined connections get it wrapped as
// {"stream":...,"data":...} by concatenation.
func (h *hub) publish(stream string, payload []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.silent || len(h.conns) == 0 {
		return
	}
	var wrapped []byte
	for conn := range h.conns {
		if !conn.subs[stream] {
			continue
		}
		msg := payload
		if conn.combined {
			if wrapped == nil {
				wrapped = append(append(append(append([]byte(`{"stream":`), mustJSON(stream)...), `,"data":`...), payload...), '}')
			}
			msg = wrapped
		}
		h.enqueue(conn, msg)
	}
}

// shutdown sends every market stream connection Binance's serverShutdown event, then closes
// it once the event is written.
func (h *hub) shutdown(event []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for conn := range h.conns {
		if conn.api {
			continue
		}
		h.enqueue(conn, event)
		h.enqueue(conn, nil) // the writer closes the connection here
	}
}

func (h *hub) isSilent() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.silent
}

func (h *hub) silence(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.silent = true
	h.silentGen++
	if h.silentTimer != nil {
		h.silentTimer.Stop()
		h.silentTimer = nil
	}
	if d > 0 {
		gen := h.silentGen
		h.silentTimer = time.AfterFunc(d, func() { h.endSilence(gen) })
	}
}

// endSilence ends the silence started as generation gen, unless a later Silence or Resume
// owns the state now (its timer may fire while being replaced).
func (h *hub) endSilence(gen int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.silentGen == gen {
		h.silent = false
		h.silentTimer = nil
	}
}

func (h *hub) resume() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.silent = false
	h.silentGen++
	if h.silentTimer != nil {
		h.silentTimer.Stop()
		h.silentTimer = nil
	}
}

func (h *hub) dropAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for conn := range h.conns {
		conn.close()
	}
}

func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.silentTimer != nil {
		h.silentTimer.Stop()
		h.silentTimer = nil
	}
	for conn := range h.conns {
		conn.close()
	}
}

// subscribers counts the connections subscribed to stream.
func (h *hub) subscribers(stream string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for conn := range h.conns {
		if conn.subs[stream] {
			n++
		}
	}
	return n
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}
