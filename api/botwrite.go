package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
)

// BotRequest is the body of POST /v1/bots on the control socket: a bot as `quantdeck bots add`
// describes it. Amounts are decimal strings, never floats; "" means not set.
type BotRequest struct {
	Name           string            `json:"name"`
	Symbol         string            `json:"symbol"`
	Strategy       string            `json:"strategy"`
	Params         map[string]string `json:"params,omitempty"`
	Mode           string            `json:"mode"` // "paper" or "live"
	Key            string            `json:"key,omitempty"`
	Budget         string            `json:"budget,omitempty"`
	MaxOrderValue  string            `json:"max_order_value,omitempty"`
	MaxOpenOrders  int               `json:"max_open_orders,omitempty"`
	DailyLossLimit string            `json:"daily_loss_limit,omitempty"`
}

// botWriteRoutes change the set of bots. They are offered only on the owner-only control
// socket: `quantdeck bots add|remove` reach a running engine through them, so the engine is
// the one writer of its bots while it runs.
func (s *Server) botWriteRoutes() []Route {
	return []Route{
		{"POST", "/v1/bots", "add a bot (stopped); body: BotRequest", http.HandlerFunc(s.addBot)},
		{"DELETE", "/v1/bots/{name}", "remove a stopped bot; its orders and fills stay in the journal", http.HandlerFunc(s.removeBot)},
	}
}

func (s *Server) addBot(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	cfg, err := parseBotBody(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), engineTimeout)
	defer cancel()
	if err := s.cfg.Engine.AddBot(ctx, cfg); err != nil {
		s.engineError(w, err)
		return
	}
	for _, b := range s.cfg.Engine.Snapshot().Bots {
		if b.Config.Name == cfg.Name {
			writeJSON(w, http.StatusCreated, toBot(b))
			return
		}
	}
	writeError(w, http.StatusConflict, "bot "+clip(cfg.Name)+" was added and is gone already")
}

func (s *Server) removeBot(w http.ResponseWriter, r *http.Request) {
	b, ok := s.findBot(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), engineTimeout)
	defer cancel()
	if err := s.cfg.Engine.RemoveBot(ctx, b.Config.Name); err != nil {
		s.engineError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseBotBody reads a BotRequest. It checks the shape (one JSON object, known fields, a valid
// name, amounts that parse); the engine checks the rest (strategy, parameters, symbol rules,
// the key) and says what to fix.
func parseBotBody(body []byte) (engine.BotConfig, error) {
	var in BotRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return engine.BotConfig{}, fmt.Errorf("%w: body must be one bot as a JSON object (name, symbol, strategy, params, mode, ...)", errBadInput)
	}
	if dec.More() {
		return engine.BotConfig{}, fmt.Errorf("%w: body must hold one JSON object", errBadInput)
	}
	name, err := parseName(in.Name)
	if err != nil {
		return engine.BotConfig{}, err
	}
	cfg := engine.BotConfig{
		Name: name, Symbol: strings.ToUpper(strings.TrimSpace(in.Symbol)), Strategy: in.Strategy,
		Params: in.Params, KeyLabel: in.Key, MaxOpenOrders: in.MaxOpenOrders,
	}
	switch in.Mode {
	case "", string(engine.Paper):
		cfg.Mode = engine.Paper
	case string(engine.Live):
		cfg.Mode = engine.Live
	default:
		return engine.BotConfig{}, fmt.Errorf("%w: mode must be \"paper\" or \"live\"", errBadInput)
	}
	if in.MaxOpenOrders < 0 {
		return engine.BotConfig{}, fmt.Errorf("%w: max_open_orders may not be negative", errBadInput)
	}
	for _, f := range []struct {
		field string
		raw   string
		dst   *decimal.Decimal
	}{
		{"budget", in.Budget, &cfg.Budget},
		{"max_order_value", in.MaxOrderValue, &cfg.MaxOrderNotional},
		{"daily_loss_limit", in.DailyLossLimit, &cfg.DailyLossLimit},
	} {
		if f.raw == "" {
			continue
		}
		d, err := decimal.Parse(f.raw)
		if err != nil || d.IsNeg() {
			return engine.BotConfig{}, fmt.Errorf("%w: %s must be an amount like 500 or 12.5", errBadInput, f.field)
		}
		*f.dst = d
	}
	return cfg, nil
}
