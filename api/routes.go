package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/engine/strategy"
)

// Route is one entry of the router: the method and ServeMux path pattern it answers.
type Route struct {
	Method  string // GET, POST or DELETE
	Path    string // a net/http pattern path, e.g. /v1/bots/{name}/start
	Summary string
	handler http.Handler
}

// engineTimeout bounds one engine call made for a request (below the write timeout).
const engineTimeout = 20 * time.Second

// Routes is the router's own list of the public routes (what Handler serves); tests iterate
// it so no route can be added without the token check.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	copy(out, s.routes)
	return out
}

func (s *Server) publicRoutes() []Route {
	return []Route{
		{"GET", "/v1/status", "version, exchange, mode, stream health, kill switch, uptime", http.HandlerFunc(s.status)},
		{"GET", "/v1/bots", "bots with state, position and PnL", http.HandlerFunc(s.bots)},
		{"GET", "/v1/bots/{name}", "one bot", http.HandlerFunc(s.bot)},
		{"POST", "/v1/bots/{name}/start", "start a bot", http.HandlerFunc(s.startBot)},
		{"POST", "/v1/bots/{name}/stop", "stop a bot", http.HandlerFunc(s.stopBot)},
		{"GET", "/v1/orders", "orders from the journal (?bot=NAME&open=true&limit=N)", http.HandlerFunc(s.orders)},
		{"GET", "/v1/balances", "balances", http.HandlerFunc(s.balances)},
		{"GET", "/v1/prices", "latest price per watched symbol", http.HandlerFunc(s.prices)},
		{"GET", "/v1/strategies", "the strategies and their parameters (key, label, hint, kind, optional, checks)", http.HandlerFunc(s.strategies)},
		{"POST", "/v1/killswitch", "engage the kill switch: stop all bots, cancel all orders", http.HandlerFunc(s.engageKill)},
		{"DELETE", "/v1/killswitch", "release the kill switch", http.HandlerFunc(s.releaseKill)},
		{"GET", "/metrics", "Prometheus metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})},
	}
}

// localRoutes are offered only on the owner-only control socket.
func (s *Server) localRoutes() []Route {
	routes := s.botWriteRoutes()
	if s.cfg.Seal != nil {
		routes = append(routes, Route{"POST", "/v1/seal", "drop the derived vault key and stop live bots", http.HandlerFunc(s.seal)})
	}
	return routes
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	snap := s.cfg.Engine.Snapshot()
	now := s.cfg.Clock.Now().UTC()
	started := snap.Started
	if started.IsZero() {
		started = s.started
	}
	st := statusJSON{
		Version:  s.cfg.Version,
		Exchange: s.cfg.Exchange,
		Mode:     modeOf(s.cfg.Exchange),
		Stream: streamJSON{
			State:         string(snap.Health.Stream),
			LastMessage:   optTime(snap.Health.LastMessage),
			Reconnects:    snap.Health.Reconnects,
			ClockOffsetMS: snap.Health.ClockOffset.Milliseconds(),
			Rate: rateJSON{
				UsedWeight:  snap.Health.Rate.UsedWeight,
				WeightLimit: snap.Health.Rate.WeightLimit,
				Banned:      snap.Health.Rate.Banned,
				BannedUntil: optTime(snap.Health.Rate.BannedUntil),
			},
		},
		KillSwitch:    snap.KillSwitch,
		KillReason:    snap.KillReason,
		BotsTotal:     len(snap.Bots),
		Started:       started.UTC(),
		UptimeSeconds: int64(now.Sub(started) / time.Second),
	}
	if st.Exchange == "" {
		st.Exchange = snap.Health.Exchange
		st.Mode = modeOf(st.Exchange)
	}
	if s.cfg.VaultState != nil {
		st.Vault = s.cfg.VaultState()
	}
	for _, b := range snap.Bots {
		if b.State == engine.BotRunning {
			st.BotsRunning++
		}
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) bots(w http.ResponseWriter, _ *http.Request) {
	snap := s.cfg.Engine.Snapshot()
	out := make([]botJSON, 0, len(snap.Bots))
	for _, b := range snap.Bots {
		out = append(out, toBot(b))
	}
	writeJSON(w, http.StatusOK, out)
}

// findBot returns the named bot from a fresh snapshot; it answers the request itself (400 or
// 404) and returns false when the name is bad or unknown.
func (s *Server) findBot(w http.ResponseWriter, r *http.Request) (engine.BotView, bool) {
	name, err := parseName(r.PathValue("name"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return engine.BotView{}, false
	}
	for _, b := range s.cfg.Engine.Snapshot().Bots {
		if b.Config.Name == name {
			return b, true
		}
	}
	writeError(w, http.StatusNotFound, "no bot named "+clip(name)+" (see GET /v1/bots)")
	return engine.BotView{}, false
}

func (s *Server) bot(w http.ResponseWriter, r *http.Request) {
	if b, ok := s.findBot(w, r); ok {
		writeJSON(w, http.StatusOK, toBot(b))
	}
}

func (s *Server) startBot(w http.ResponseWriter, r *http.Request) {
	s.botAction(w, r, s.cfg.Engine.StartBot)
}

func (s *Server) stopBot(w http.ResponseWriter, r *http.Request) {
	s.botAction(w, r, s.cfg.Engine.StopBot)
}

func (s *Server) botAction(w http.ResponseWriter, r *http.Request, act func(context.Context, string) error) {
	b, ok := s.findBot(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), engineTimeout)
	defer cancel()
	if err := act(ctx, b.Config.Name); err != nil {
		s.engineError(w, err)
		return
	}
	for _, nb := range s.cfg.Engine.Snapshot().Bots {
		if nb.Config.Name == b.Config.Name {
			b = nb
			break
		}
	}
	writeJSON(w, http.StatusOK, toBot(b))
}

func (s *Server) orders(w http.ResponseWriter, r *http.Request) {
	f, err := parseOrderQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), engineTimeout)
	defer cancel()
	list, err := s.cfg.Engine.Orders(ctx, f)
	if err != nil {
		s.engineError(w, err)
		return
	}
	out := make([]orderJSON, 0, len(list))
	for _, o := range list {
		out = append(out, toOrder(o))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) balances(w http.ResponseWriter, _ *http.Request) {
	snap := s.cfg.Engine.Snapshot()
	out := make([]balanceJSON, 0, len(snap.Balances))
	for _, b := range snap.Balances {
		out = append(out, toBalance(b))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) prices(w http.ResponseWriter, _ *http.Request) {
	snap := s.cfg.Engine.Snapshot()
	out := make([]priceJSON, 0, len(snap.Prices))
	for _, p := range snap.Prices {
		out = append(out, toPrice(p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) engageKill(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	reason, err := parseKillBody(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), engineTimeout)
	defer cancel()
	if err := s.cfg.Engine.EngageKillSwitch(ctx, reason); err != nil {
		s.engineError(w, err)
		return
	}
	s.log.Warn("api: kill switch engaged", "reason", reason)
	snap := s.cfg.Engine.Snapshot()
	writeJSON(w, http.StatusOK, killSwitchJSON{Engaged: snap.KillSwitch, Reason: snap.KillReason})
}

func (s *Server) releaseKill(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), engineTimeout)
	defer cancel()
	if err := s.cfg.Engine.ReleaseKillSwitch(ctx); err != nil {
		s.engineError(w, err)
		return
	}
	s.log.Info("api: kill switch released")
	snap := s.cfg.Engine.Snapshot()
	writeJSON(w, http.StatusOK, killSwitchJSON{Engaged: snap.KillSwitch, Reason: snap.KillReason})
}

func (s *Server) seal(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), engineTimeout)
	defer cancel()
	if err := s.cfg.Seal(ctx); err != nil {
		s.engineError(w, err)
		return
	}
	out := map[string]string{"vault": "sealed"}
	if s.cfg.SSHAddr != nil {
		if addr := s.cfg.SSHAddr(); addr != "" {
			out["ssh_addr"] = addr
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// engineError answers an engine refusal with a status a script can act on. The engine's
// messages say what the user can do and never carry secrets; a timeout is reported as such.
func (s *Server) engineError(w http.ResponseWriter, err error) {
	code := http.StatusConflict
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		code, msg = http.StatusGatewayTimeout, "the engine did not answer in time; try again"
	case errors.Is(err, context.Canceled), errors.Is(err, engine.ErrStopping):
		code, msg = http.StatusServiceUnavailable, "QuantDeck is shutting down"
	case errors.Is(err, engine.ErrNoBot), errors.Is(err, engine.ErrNoOrder):
		code = http.StatusNotFound
	case errors.Is(err, engine.ErrInvalidBot):
		code = http.StatusUnprocessableEntity
	}
	if code >= 500 {
		s.log.Warn("api: engine call failed", "status", code, "err", err.Error())
	}
	writeError(w, code, msg)
}

// strategies serves the strategy specs, so a client builds its bot form from the same
// description as the cockpit and the command line.
func (s *Server) strategies(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, strategy.Specs())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client may be gone; nothing to do about it
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorJSON{Error: msg})
}
