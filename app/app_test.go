package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/vault"
)

const testPass = "correct horse battery staple"

func settings(t *testing.T) config.Settings {
	t.Helper()
	return config.Settings{
		Home: filepath.Join(t.TempDir(), "home"), Exchange: "sim", Symbols: []string{"BTCUSDT"},
		SimSeed: 7, SimSeedSet: true, SimSpeed: 1, KDFIterations: vault.MinIterations,
	}
}

func open(t *testing.T, st config.Settings) *App {
	t.Helper()
	a, err := Open(context.Background(), st, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func startedLines(a *App, bot string) int {
	n := 0
	for _, ev := range a.Engine.Snapshot().Log {
		if ev.Bot == bot && strings.HasPrefix(ev.Message, "started") {
			n++
		}
	}
	return n
}

// Several sessions unlocking at nearly the same moment each resume; the bot that was running
// starts once.
func TestConcurrentResumesStartABotOnce(t *testing.T) {
	ctx := context.Background()
	st := settings(t)
	a := open(t, st)
	if err := a.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	err := a.Engine.AddBot(ctx, engine.BotConfig{Name: "dca", Symbol: "BTCUSDT", Strategy: "dca", Mode: engine.Paper,
		Params: map[string]string{"amount": "25", "interval": "1h"}, Budget: decimal.MustNew(500, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.StartBot(ctx, "dca"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	b := open(t, st)
	before := startedLines(b, "dca")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- b.Resume(ctx) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("resume: %v", err)
		}
	}
	if got := startedLines(b, "dca") - before; got != 1 {
		t.Fatalf("the bot started %d times, want once", got)
	}
	for _, v := range b.Engine.Snapshot().Bots {
		if v.Config.Name == "dca" && v.State != engine.BotRunning {
			t.Fatalf("dca is %s after resuming, want running", v.State)
		}
	}
}

// Unlock is the one door: a wrong passphrase leaves everything sealed, the right one opens the
// vault and resumes; Seal closes it again.
func TestUnlockAndSeal(t *testing.T) {
	ctx := context.Background()
	a := open(t, settings(t))
	if s := a.VaultState(); s != "none" {
		t.Fatalf("a new data directory's vault is %q, want none", s)
	}
	if err := a.Vault.Create(ctx, []byte(testPass), vault.MinIterations); err != nil {
		t.Fatal(err)
	}
	if err := a.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pass      string
		wantErr   error
		wantState string
	}{
		{"not the passphrase at all", vault.ErrWrongPassphrase, "sealed"},
		{testPass, nil, "unlocked"},
	}
	for _, tc := range tests {
		err := a.Unlock(ctx, []byte(tc.pass))
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Fatalf("Unlock(%q) = %v, want %v", tc.pass, err, tc.wantErr)
		}
		if s := a.VaultState(); s != tc.wantState {
			t.Fatalf("after Unlock(%q) the vault is %q, want %q", tc.pass, s, tc.wantState)
		}
	}
	if err := a.Engine.StartBot(ctx, "nobody"); !errors.Is(err, engine.ErrNoBot) {
		t.Fatalf("the engine is not resumed after unlock: StartBot = %v, want ErrNoBot", err)
	}
	if err := a.Seal(ctx); err != nil || a.VaultState() != "sealed" {
		t.Fatalf("Seal = %v, vault %q", err, a.VaultState())
	}
}

// An engine closed under the host (not by Close) is a failure the host reports, so serve can
// exit instead of answering for an engine that no longer runs.
func TestEngineClosedUnderTheHost(t *testing.T) {
	a := open(t, settings(t))
	if err := a.EngineFailure(); err != nil {
		t.Fatalf("a running engine reports %v", err)
	}
	a.Engine.Close()
	<-a.EngineStopped()
	out := &lines{}
	err := a.CheckEngine(out)
	if err == nil || !strings.Contains(err.Error(), "the engine stopped") {
		t.Fatalf("CheckEngine = %v, want the engine's stop", err)
	}
	if !strings.Contains(out.String(), "serve: the engine stopped") {
		t.Fatalf("not reported: %q", out.String())
	}
}

// OpenData gives commands the store and a sealed vault without an engine.
func TestOpenDataUnlock(t *testing.T) {
	ctx := context.Background()
	st := settings(t)
	d, err := OpenData(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Unlock(ctx, []byte(testPass)); !errors.Is(err, vault.ErrNoVault) {
		t.Fatalf("Unlock without a vault = %v, want ErrNoVault", err)
	}
	if err := d.Vault.Create(ctx, []byte(testPass), vault.MinIterations); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = OpenData(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Vault.Unlocked() {
		t.Fatal("a freshly opened vault is unlocked")
	}
	if err := d.Unlock(ctx, []byte(testPass)); err != nil || !d.Vault.Unlocked() {
		t.Fatalf("Unlock = %v, unlocked %v", err, d.Vault.Unlocked())
	}
}

// lines is a Reporter that keeps what it was told.
type lines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lines) add(level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(level + " " + msg + "\n")
}
func (l *lines) Info(msg string, _ ...any)  { l.add("INFO", msg) }
func (l *lines) Warn(msg string, _ ...any)  { l.add("WARN", msg) }
func (l *lines) Error(msg string, _ ...any) { l.add("ERROR", msg) }
func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
