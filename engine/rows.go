package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govalues/decimal"
)

// ErrJournalDamaged: a stored decimal or time does not parse. The affected bot stops with the
// row and field named; nothing reads the value as zero or as the year 1.
var ErrJournalDamaged = errors.New("the journal is damaged")

// badRowError names the stored row and field that do not parse. The value is quoted (clipped):
// decimals and times are not secret.
type badRowError struct {
	Table string // "orders", "fills", "bots"
	Key   string // client id, trade id or bot name
	Bot   string // the bot the row belongs to, "" for manual orders
	Field string
	Value string
}

func (e *badRowError) Error() string {
	return fmt.Sprintf("%v: %s row %s: %s %q does not parse; restore the database from a backup or fix the row by hand",
		ErrJournalDamaged, e.Table, e.Key, e.Field, clip(e.Value))
}

func (e *badRowError) Unwrap() error { return ErrJournalDamaged }

// rowParser parses one stored row's fields, keeping the first failure.
type rowParser struct {
	table, key, bot string
	err             *badRowError
}

func (p *rowParser) fail(field, value string) {
	if p.err == nil {
		p.err = &badRowError{Table: p.table, Key: p.key, Bot: p.bot, Field: field, Value: value}
	}
}

// dec parses a stored decimal.
func (p *rowParser) dec(field, s string) decimal.Decimal {
	d, err := decimal.Parse(s)
	if err != nil {
		p.fail(field, s)
		return decimal.Zero
	}
	return d
}

// time parses a stored time.
func (p *rowParser) time(field, s string) time.Time {
	t, err := parseStoredTime(s)
	if err != nil {
		p.fail(field, s)
		return time.Time{}
	}
	return t
}

// result returns the first failure as an error, nil when every field parsed.
func (p *rowParser) result() error {
	if p.err == nil {
		return nil
	}
	return p.err
}

// damagedBot returns the bot a damaged-row error belongs to.
func damagedBot(err error) (bot string, ok bool) {
	var bad *badRowError
	if errors.As(err, &bad) {
		return bad.Bot, true
	}
	return "", false
}

// haltDamaged stops the bot a damaged row belongs to, in error with the row named, so the
// cockpit, the API and the log show why; a manual order's damage is an engine-wide error.
func (e *Engine) haltDamaged(ctx context.Context, err error) {
	name, ok := damagedBot(err)
	if !ok {
		return
	}
	b := e.botNamed(name)
	if b == nil {
		e.event(name, "error", "%v", err)
		return
	}
	// Off the tick path and its worker told to stop, without waiting for it: this may run on
	// that very worker. The worker is reaped when the engine closes; the bot cannot start
	// again while it is damaged.
	b.mu.Lock()
	b.damaged = err
	running := b.state == BotRunning
	if running {
		b.state, b.reason = BotError, err.Error()
		if b.cancel != nil {
			b.cancel()
		}
	}
	b.mu.Unlock()
	if running {
		e.rebuildRoutes()
	}
	e.setStopped(ctx, b, BotError, err.Error())
}
