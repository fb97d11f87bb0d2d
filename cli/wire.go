package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/paper"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/logging"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/vault"
)

// runtime is one process's running engine and everything it was built from.
type runtime struct {
	Settings config.Settings
	DB       *sql.DB
	Vault    *vault.Vault
	Engine   *engine.Engine
	Checker  exchange.PermissionChecker
	Log      *slog.Logger

	paper     *paper.Account
	limits    *binance.Limits // one request budget per IP, shared by every Binance client
	logCloser io.Closer
	runCtx    context.Context // lives until Close: the engine and the live order streams
	cancel    context.CancelFunc
	done      chan struct{} // closed when the engine's Run returns; runErr is set by then
	runErr    error

	resumeMu   sync.Mutex
	retrying   bool          // a background resume is under way
	resumeWait time.Duration // first wait before retrying a failed resume (tests shorten it)

	sshAddr atomic.Pointer[string] // where serve --ssh actually listens; nil until it does

	tradersMu sync.Mutex
	traders   map[string]exchange.Trader // live clients by key label, each with its order stream

	keyCheck     *keyRecheck   // asks the exchange again what live keys may do
	keyCheckDone chan struct{} // closed when its loop has returned
}

// market is what the engine needs of a price source.
type market interface {
	exchange.MarketData
	exchange.History
	exchange.RuleBook
}

// openRuntime opens the log, the store and the vault, builds the market (simulated or Binance
// public data), the paper account and the engine, and starts the engine in the background. It
// neither unlocks the vault nor resumes bots: the caller does that once it has the passphrase.
func openRuntime(ctx context.Context, env *Env, st config.Settings) (_ *runtime, err error) {
	log, logCloser, err := logging.Open(st.Home)
	if err != nil {
		return nil, err
	}
	rt := &runtime{Settings: st, Log: log, logCloser: logCloser, limits: binance.NewLimits()}
	defer func() {
		if err != nil {
			// The terminal gets the error from the caller; the log keeps it for later.
			log.Error("start refused", "err", err.Error())
			rt.Close()
		}
	}()
	rt.DB, err = store.Open(ctx, st.Home)
	if err != nil {
		return nil, err
	}
	rt.Vault = vault.New(rt.DB, vault.WithLogger(log))

	mkt, err := rt.newMarket()
	if err != nil {
		return nil, err
	}
	if err := checkWatchlist(ctx, mkt, st, log); err != nil {
		return nil, err
	}
	rt.Checker = rt.newChecker()

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
	acct, err := paper.New(ctx, rt.DB, paper.Options{
		Rules:            mkt,
		StartingBalances: map[string]decimal.Decimal{"USDT": balance},
		FeeRate:          fee,
		NoFee:            fee.IsZero(),
		Logger:           log,
	})
	if err != nil {
		return nil, err
	}
	rt.paper = acct

	rt.Engine, err = engine.New(engine.Config{
		DB:           rt.DB,
		Market:       mkt,
		ExchangeName: st.Exchange,
		Symbols:      st.Symbols,
		Paper:        acct,
		Live:         rt.liveTrader,
		KeyOK:        rt.keyOK,
		// Without a fixed seed the simulated market continues from the last prices this data
		// directory saw, so paper positions keep their value across starts.
		ResumeMarket: st.Exchange == "sim" && !st.SimSeedSet,
		Logger:       log,
	})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	rt.runCtx, rt.cancel = runCtx, cancel
	rt.done = make(chan struct{})
	go func() {
		defer close(rt.done)
		rt.runErr = rt.Engine.Run(runCtx)
	}()
	rt.keyCheck, rt.keyCheckDone = newKeyRecheck(rt), make(chan struct{})
	go func() {
		defer close(rt.keyCheckDone)
		rt.keyCheck.loop(runCtx)
	}()
	return rt, nil
}

// engineStopped is closed when the engine stops, on its own or at Close.
func (rt *runtime) engineStopped() <-chan struct{} { return rt.done }

// engineFailure says why the engine stopped while the runtime was still open; nil while it
// runs. A stop without an error of its own (the engine closed under it) is a failure too:
// nothing trades any more.
func (rt *runtime) engineFailure() error {
	select {
	case <-rt.done:
	default:
		return nil
	}
	if rt.runCtx.Err() != nil {
		return nil // Close stopped it
	}
	if rt.runErr != nil {
		return rt.runErr
	}
	return errors.New("the engine stopped without an error")
}

func (rt *runtime) newMarket() (market, error) {
	return newMarket(rt.Settings, rt.binanceConfig(nil))
}

// newChecker returns what asks the configured exchange what a key may do. A Binance check
// shares the process's request budget: Binance counts weight and bans per IP, so a key check
// sent during a ban would only prolong it.
func (rt *runtime) newChecker() exchange.PermissionChecker {
	switch rt.Settings.Exchange {
	case "binance", "binance-testnet":
		return binance.NewPermissionChecker(rt.binanceConfig(nil))
	}
	checker, err := permissionChecker(rt.Settings, rt.Settings.Exchange)
	if err != nil {
		return nil
	}
	return checker
}

// newMarket builds the configured price source; bc is used when it is Binance.
func newMarket(st config.Settings, bc binance.Config) (market, error) {
	switch st.Exchange {
	case "sim":
		return sim.New(sim.Options{Symbols: st.Symbols, Seed: st.SimSeed, Speed: st.SimSpeed}), nil
	case "binance", "binance-testnet":
		return binance.New(bc)
	}
	return nil, fmt.Errorf("unknown exchange %q", st.Exchange)
}

// publicBinanceConfig is the configuration of a Binance client without a key.
func publicBinanceConfig(st config.Settings) binance.Config {
	return binance.Config{Name: st.Exchange, RESTURL: st.RESTURL, WSURL: st.WSURL, WSAPIURL: st.WSAPIURL}
}

func (rt *runtime) binanceConfig(creds exchange.Credentials) binance.Config {
	bc := publicBinanceConfig(rt.Settings)
	bc.Creds, bc.Logger, bc.Limits = creds, rt.Log, rt.limits
	return bc
}

// liveTrader returns the signed Binance client for a credential label, which borrows the
// plaintext per call. There is one per label for the runtime's life: its order update stream
// runs until Close, so a client built again after the vault is sealed and unlocked would open
// a second stream for the same account and leave the first running.
func (rt *runtime) liveTrader(label string) (exchange.Trader, error) {
	if rt.Settings.Exchange == "sim" {
		return nil, errors.New("live trading needs QUANTDECK_EXCHANGE=binance or binance-testnet")
	}
	if !rt.Vault.Unlocked() {
		return nil, vault.ErrLocked
	}
	rt.tradersMu.Lock()
	defer rt.tradersMu.Unlock()
	if t := rt.traders[label]; t != nil {
		return t, nil
	}
	c, err := binance.New(rt.binanceConfig(rt.Vault.Lender(label)))
	if err != nil {
		return nil, err
	}
	// Fills arrive over Binance's WebSocket API when it is reachable; the engine still polls.
	t := c.WithOrderUpdates(rt.runCtx)
	if rt.traders == nil {
		rt.traders = map[string]exchange.Trader{}
	}
	rt.traders[label] = t
	return t, nil
}

// keyOK reports whether label names an active credential for this exchange whose last
// permission check allowed trading and refused withdrawals.
func (rt *runtime) keyOK(ctx context.Context, label string) error {
	return liveKeyOK(ctx, rt.Vault, rt.Settings.Exchange, label)
}

// Close stops the engine (no new orders, journal flushed) and closes the store and the log.
func (rt *runtime) Close() error {
	var errs []error
	if rt.cancel != nil {
		rt.cancel()
		// A failure of the engine's own was reported when it happened (engineFailure).
		select {
		case <-rt.done:
		case <-time.After(15 * time.Second):
			errs = append(errs, errors.New("engine did not stop within 15 s"))
		}
	}
	if rt.paper != nil {
		errs = append(errs, rt.paper.Close())
	}
	if rt.keyCheckDone != nil {
		<-rt.keyCheckDone
	}
	if rt.Vault != nil {
		// Zeroes the derived key and unmaps its locked page.
		if err := rt.Vault.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if rt.DB != nil {
		errs = append(errs, rt.DB.Close())
	}
	if rt.logCloser != nil {
		errs = append(errs, rt.logCloser.Close())
	}
	return errors.Join(errs...)
}

// resume reconciles the journal and restarts the bots that were running. When some orders
// cannot be reconciled yet (the exchange is unreachable, the IP is banned), it returns that
// error for the user to see and keeps trying in the background, with backoff, until a resume
// succeeds or the runtime closes: bots must not stay stopped because the network blinked at
// start.
func (rt *runtime) resume(ctx context.Context) error {
	// Every start (and every unlock) asks the exchange again what the live keys may do before
	// any bot resumes: a key that gained withdrawal rights while QuantDeck was down pauses its
	// bots instead of trading.
	if rt.keyCheck != nil && rt.Vault.Unlocked() {
		rt.keyCheck.checkAll(ctx)
	}
	err := rt.Engine.Resume(ctx)
	if err == nil || ctx.Err() != nil || rt.runCtx == nil {
		return err
	}
	rt.resumeMu.Lock()
	defer rt.resumeMu.Unlock()
	if rt.retrying {
		return err
	}
	rt.retrying = true
	go rt.retryResume(rt.runCtx, rt.resumeWait)
	return err
}

func (rt *runtime) retryResume(ctx context.Context, first time.Duration) {
	defer func() {
		rt.resumeMu.Lock()
		rt.retrying = false
		rt.resumeMu.Unlock()
	}()
	wait := first
	if wait <= 0 {
		wait = 2 * time.Second
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if !rt.Vault.Unlocked() {
			continue // sealed meanwhile: the next unlock resumes
		}
		err := rt.Engine.Resume(ctx)
		if err == nil {
			rt.Log.Info("bots resumed after an earlier failure")
			return
		}
		rt.Log.Warn("resuming bots failed; trying again", "err", err.Error(), "in", (2 * wait).String())
		wait = min(2*wait, time.Minute)
	}
}
