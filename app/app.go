package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/paper"
)

// Options are what the host needs beyond the settings.
type Options struct {
	// Version is the program's version, shown by the cockpit and the control API.
	Version string
	// ResumeRetryWait is the first wait before a failed resume is tried again (it doubles up
	// to a minute); 2 s when zero.
	ResumeRetryWait time.Duration
	// KeyCheckAfter is the clock of the periodic live-key re-check; time.After when nil.
	KeyCheckAfter func(time.Duration) <-chan time.Time
}

// App is one process's running engine and everything it was built from. Open starts the
// engine sealed; Unlock (or Resume after a vault was unlocked elsewhere) brings the bots back.
type App struct {
	*Data
	Engine  *engine.Engine
	Checker exchange.PermissionChecker
	Version string

	paper  *paper.Account
	limits *binance.Limits // one request budget per IP, shared by every Binance client
	runCtx context.Context // lives until Close: the engine and the live order streams
	cancel context.CancelFunc
	done   chan struct{} // closed when the engine's Run returns; runErr is set by then
	runErr error

	retryMu    sync.Mutex
	retrying   bool          // a background resume is under way
	resumeWait time.Duration // first wait before retrying a failed resume

	sshAddr atomic.Pointer[string] // where the SSH cockpit actually listens; nil until it does

	tradersMu sync.Mutex
	traders   map[string]exchange.Trader // live clients by key label, each with its order stream

	keyCheck     *keyRecheck   // asks the exchange again what live keys may do
	keyCheckDone chan struct{} // closed when its loop has returned
}

// Market is what the engine needs of a price source.
type Market interface {
	exchange.MarketData
	exchange.History
	exchange.RuleBook
}

// Open opens the log, the store and the vault, builds the market (simulated or Binance
// public data), the paper account and the engine, and starts the engine in the background. It
// neither unlocks the vault nor resumes bots: the caller does that once it has the passphrase.
// The caller must hold the data directory's lock (instance.Acquire).
func Open(ctx context.Context, st config.Settings, opts Options) (_ *App, err error) {
	data, err := OpenData(ctx, st)
	if err != nil {
		return nil, err
	}
	a := &App{Data: data, Version: opts.Version, limits: binance.NewLimits(), resumeWait: opts.ResumeRetryWait}
	defer func() {
		if err != nil {
			// The terminal gets the error from the caller; the log keeps it for later.
			a.Log.Error("start refused", "err", err.Error())
			a.Close()
		}
	}()
	mkt, err := NewMarket(st, a.binanceConfig(nil))
	if err != nil {
		return nil, err
	}
	if err := checkWatchlist(ctx, mkt, st, a.Log); err != nil {
		return nil, err
	}
	a.Checker = a.newChecker()

	balance := decimal.MustNew(10000, 0)
	if st.PaperBalance != "" {
		if balance, err = decimal.Parse(st.PaperBalance); err != nil || !balance.IsPos() {
			return nil, fmt.Errorf("%s=%q must be a positive amount", config.EnvPaperBalance, st.PaperBalance)
		}
	}
	fee := decimal.MustNew(1, 3)
	if st.PaperFee != "" {
		if fee, err = decimal.Parse(st.PaperFee); err != nil || fee.IsNeg() || fee.Cmp(decimal.One) >= 0 {
			return nil, fmt.Errorf("%s=%q must be a fee rate such as 0.001", config.EnvPaperFee, st.PaperFee)
		}
	}
	acct, err := paper.New(ctx, a.DB, paper.Options{
		Rules:            mkt,
		StartingBalances: map[string]decimal.Decimal{"USDT": balance},
		FeeRate:          fee,
		NoFee:            fee.IsZero(),
		Logger:           a.Log,
	})
	if err != nil {
		return nil, err
	}
	a.paper = acct

	a.Engine, err = engine.New(engine.Config{
		DB:           a.DB,
		Market:       mkt,
		ExchangeName: st.Exchange,
		Symbols:      st.Symbols,
		Paper:        acct,
		Live:         a.liveTrader,
		KeyOK:        a.keyOK,
		// Without a fixed seed the simulated market continues from the last prices this data
		// directory saw, so paper positions keep their value across starts.
		ResumeMarket: st.Exchange == "sim" && !st.SimSeedSet,
		Logger:       a.Log,
	})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	a.runCtx, a.cancel = runCtx, cancel
	a.done = make(chan struct{})
	go func() {
		defer close(a.done)
		a.runErr = a.Engine.Run(runCtx)
	}()
	a.keyCheck, a.keyCheckDone = newKeyRecheck(a, opts.KeyCheckAfter), make(chan struct{})
	go func() {
		defer close(a.keyCheckDone)
		a.keyCheck.loop(runCtx)
	}()
	return a, nil
}

// EngineStopped is closed when the engine stops, on its own or at Close.
func (a *App) EngineStopped() <-chan struct{} { return a.done }

// EngineFailure says why the engine stopped while the host was still open; nil while it
// runs. A stop without an error of its own (the engine closed under it) is a failure too:
// nothing trades any more.
func (a *App) EngineFailure() error {
	select {
	case <-a.done:
	default:
		return nil
	}
	if a.runCtx.Err() != nil {
		return nil // Close stopped it
	}
	if a.runErr != nil {
		return a.runErr
	}
	return errors.New("the engine stopped without an error")
}

// Close stops the engine (no new orders, journal flushed), seals the vault and closes the
// store and the log.
func (a *App) Close() error {
	var errs []error
	if a.cancel != nil {
		a.cancel()
		// A failure of the engine's own was reported when it happened (EngineFailure).
		select {
		case <-a.done:
		case <-time.After(15 * time.Second):
			errs = append(errs, errors.New("engine did not stop within 15 s"))
		}
	}
	if a.paper != nil {
		errs = append(errs, a.paper.Close())
	}
	if a.keyCheckDone != nil {
		<-a.keyCheckDone
	}
	errs = append(errs, a.Data.Close())
	return errors.Join(errs...)
}
