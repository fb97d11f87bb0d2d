package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/sshd"
	"github.com/quantdeck/quantdeck/vault"
)

const cockpitUsage = `Usage: quantdeck [flags]

The cockpit: prices, bots, orders and keys in one keyboard-driven terminal screen. It asks for
the vault passphrase (or creates the vault on first start) and then resumes the bots that were
running. Press ? inside for every key.

Run it inside tmux so a dropped SSH connection does not stop your bots:

  tmux new -A -s quantdeck quantdeck

SIGTERM and SIGHUP stop it cleanly: no new orders, the journal is flushed, and bots that were
running resume at the next start. Settings come from the environment and .env (see
.env.example); QUANTDECK_VAULT_PASSPHRASE, when set, unlocks without asking.

`

// cmdCockpit is `quantdeck` with no command: the terminal UI over an in-process engine.
func cmdCockpit(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("quantdeck", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stdout, cockpitUsage)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unknown command %q (see quantdeck -h)", ErrUsage, fs.Arg(0))
	}
	// Taken first, whatever happens next, so no child process can inherit it.
	pass, _ := env.Source.TakePassphrase(config.EnvVaultPassphrase)
	defer clear(pass)
	if !env.IsTerminal(os.Stdin) || !env.IsTerminal(os.Stdout) {
		return errors.New("the cockpit needs an interactive terminal: run it in a terminal or inside tmux, or use `quantdeck serve` for a headless engine")
	}
	if err := vault.DisableCoreDumps(); err != nil {
		fmt.Fprintln(env.Stderr, "warning: could not disable core dumps:", err)
	}
	st, err := loadSettings(env)
	if err != nil {
		return err
	}
	dropSecretVariables(env)
	lock, err := instance.Acquire(st.Home)
	if errors.Is(err, instance.ErrRunning) {
		// Opening the database twice would put two engines on one journal.
		return fmt.Errorf("cockpit: %w\n%s", err, sshd.AttachHint(ctx, st.SSHAddr))
	}
	if err != nil {
		return fmt.Errorf("cockpit: %w", err)
	}
	defer lock.Close()

	a, err := openApp(ctx, st)
	if err != nil {
		return err
	}
	defer a.Close()
	// The control socket (and the API when a token is set) let `quantdeck bots` and scripts
	// reach this engine instead of writing behind its back.
	stopServers, warning, err := a.StartBackground(ctx)
	if err != nil {
		return err
	}
	defer stopServers()
	if warning != "" {
		fmt.Fprintln(env.Stderr, "warning:", warning)
	}
	if pass != nil {
		if err := unlockFromEnv(ctx, a, pass); err != nil {
			return err
		}
	}
	clear(pass)

	// Ask the terminal about its background before the program owns the input (without
	// colours there is nothing to adapt, and a terminal that never answers costs a wait).
	if lipgloss.ColorProfile() != termenv.Ascii {
		lipgloss.HasDarkBackground()
	}
	model := a.Cockpit(ctx, lipgloss.DefaultRenderer(), false)
	// Signals arrive through ctx (main cancels it on SIGTERM and SIGHUP); ctrl+c is a key.
	p := tea.NewProgram(model, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, runErr := p.Run()
	running := runningBots(a.Engine.Snapshot())
	switch {
	case a.EngineFailure() != nil:
		// Shown in the cockpit already; said again on the terminal it leaves behind.
		return fmt.Errorf("cockpit: the engine stopped: %w", a.EngineFailure())
	case ctx.Err() != nil:
		a.Log.Info("cockpit: stopped by a signal", "running_bots", running)
		return nil
	case runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled):
		return fmt.Errorf("cockpit: %w", runErr)
	}
	if note := stoppedNote(running); note != "" {
		fmt.Fprintln(env.Stdout, note)
	}
	return nil
}

// stoppedNote tells the user, once the cockpit has closed, what happens to the bots that were
// running.
func stoppedNote(running int) string {
	switch running {
	case 0:
		return ""
	case 1:
		return "QuantDeck stopped; 1 bot was running and resumes at the next start."
	}
	return fmt.Sprintf("QuantDeck stopped; %d bots were running and resume at the next start.", running)
}

// unlockFromEnv unlocks with QUANTDECK_VAULT_PASSPHRASE and resumes the engine, so the cockpit
// opens on the dashboard.
func unlockFromEnv(ctx context.Context, a *app.App, pass []byte) error {
	exists, err := a.VaultExists(ctx)
	if err != nil {
		return err
	}
	if !exists {
		return nil // the cockpit's first screen creates the vault
	}
	err = a.Unlock(ctx, pass)
	var rerr *app.ResumeError
	if errors.As(err, &rerr) {
		a.Log.Warn("cockpit: resuming bots", "err", rerr.Err.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("unlocking the vault with %s: %w", config.EnvVaultPassphrase, err)
	}
	return nil
}

func runningBots(s engine.Snapshot) int {
	n := 0
	for _, b := range s.Bots {
		if b.State == engine.BotRunning {
			n++
		}
	}
	return n
}
