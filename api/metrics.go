package api

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// metrics lives in its own registry (no global state), so several servers in one process (or
// in tests) never collide.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec // route, code
	ticks      *prometheus.CounterVec // symbol
	orders     *prometheus.CounterVec // state
	errors     *prometheus.CounterVec // source: engine, api
	reconnects prometheus.Counter

	mu             sync.Mutex
	lastReconnects int
	lastPrice      map[string]time.Time
}

func newMetrics(eng Engine) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quantdeck_api_requests_total",
			Help: "Control API requests answered, by route pattern and HTTP status code.",
		}, []string{"route", "code"}),
		ticks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quantdeck_ticks_total",
			Help: "Price updates seen per symbol in the engine's snapshots (coalesced to the snapshot rate).",
		}, []string{"symbol"}),
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quantdeck_order_updates_total",
			Help: "Order journal changes, by the state the order entered.",
		}, []string{"state"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quantdeck_errors_total",
			Help: "Errors reported by the engine and server errors of the API.",
		}, []string{"source"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quantdeck_stream_reconnects_total",
			Help: "Market stream reconnects since start.",
		}),
		lastPrice: make(map[string]time.Time),
	}
	// Make the label values users alert on visible from the first scrape.
	m.errors.WithLabelValues("engine")
	m.errors.WithLabelValues("api")
	for _, st := range []engine.OrderState{engine.OrderIntent, engine.OrderSent, engine.OrderAcked, engine.OrderPartial,
		engine.OrderFilled, engine.OrderCancelled, engine.OrderRejected, engine.OrderUnknown} {
		m.orders.WithLabelValues(string(st))
	}
	if tc, ok := eng.(TickCounter); ok {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "quantdeck_engine_ticks_total",
			Help: "Market ticks the engine has processed (every tick, not coalesced).",
		}, func() float64 { return float64(tc.TicksProcessed()) }))
	}
	m.reg.MustRegister(m.requests, m.ticks, m.orders, m.errors, m.reconnects,
		&stateCollector{eng: eng},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// TickCounter is implemented by engines that count every tick they process; /metrics then
// reports quantdeck_engine_ticks_total exactly, beside the coalesced per-symbol count.
type TickCounter interface {
	TicksProcessed() uint64
}

// CollectEvents feeds the metrics from the engine's event stream until ctx ends or the engine
// stops. Serve runs it; call it yourself when only LocalHandler is served.
func (s *Server) CollectEvents(ctx context.Context) {
	for ev := range s.cfg.Engine.Subscribe(ctx) {
		s.metrics.observe(ev)
	}
}

func (m *metrics) observe(ev engine.Event) {
	switch e := ev.(type) {
	case engine.SnapshotEvent:
		m.mu.Lock()
		for _, p := range e.Snapshot.Prices {
			if p.Updated.After(m.lastPrice[p.Symbol]) {
				m.lastPrice[p.Symbol] = p.Updated
				m.ticks.WithLabelValues(p.Symbol).Inc()
			}
		}
		m.mu.Unlock()
		m.sawReconnects(e.Snapshot.Health.Reconnects)
	case engine.OrderEvent:
		m.orders.WithLabelValues(string(e.Order.State)).Inc()
	case engine.ErrorEvent:
		m.errors.WithLabelValues("engine").Inc()
	case engine.ConnEvent:
		m.sawReconnects(e.Conn.Reconnects)
	}
}

// sawReconnects turns the stream's running reconnect count into counter increments.
func (m *metrics) sawReconnects(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n > m.lastReconnects {
		m.reconnects.Add(float64(n - m.lastReconnects))
		m.lastReconnects = n
	}
}

// stateCollector reports gauges read from the engine's snapshot at scrape time.
type stateCollector struct{ eng Engine }

var (
	descKill   = prometheus.NewDesc("quantdeck_kill_switch_engaged", "1 while the kill switch is engaged.", nil, nil)
	descStream = prometheus.NewDesc("quantdeck_stream_live", "1 while the market stream is live.", nil, nil)
	descBots   = prometheus.NewDesc("quantdeck_bots", "Bots by state.", []string{"state"}, nil)
	descOpen   = prometheus.NewDesc("quantdeck_open_orders", "Open orders placed by bots.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descKill
	ch <- descStream
	ch <- descBots
	ch <- descOpen
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.eng.Snapshot()
	ch <- prometheus.MustNewConstMetric(descKill, prometheus.GaugeValue, b2f(snap.KillSwitch))
	ch <- prometheus.MustNewConstMetric(descStream, prometheus.GaugeValue, b2f(snap.Health.Stream == exchange.StreamLive))
	counts := map[engine.BotState]int{engine.BotStopped: 0, engine.BotRunning: 0, engine.BotPaused: 0, engine.BotError: 0}
	open := 0
	for _, b := range snap.Bots {
		counts[b.State]++
		open += b.OpenOrders
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(descBots, prometheus.GaugeValue, float64(n), string(st))
	}
	ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(open))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
