// Package cli implements QuantDeck's command line: one file per command group, each a function
// that takes the process environment (Env) and its arguments. main.go only calls Run.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/quantdeck/quantdeck/config"
)

// Version is set at build time with -ldflags "-X github.com/quantdeck/quantdeck/cli.Version=...".
var Version = "dev"

// Env is everything a command may touch of the outside world; tests build their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Source *config.Source
	// IsTerminal reports whether a file descriptor-backed stream is an interactive terminal.
	IsTerminal func(any) bool
}

// ErrUsage marks an error caused by wrong arguments; Run prints usage and exits with code 2.
var ErrUsage = errors.New("usage")

type command struct {
	name  string
	short string
	run   func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"keys", "exchange credentials in the vault: add|list|rotate|remove", cmdKeys},
		{"vault", "the vault: passwd (change the passphrase)", cmdVault},
		{"bots", "bots: add|list|start|stop|remove", cmdBots},
		{"data", "candle history for backtests: fetch|import|list", cmdData},
		{"backtest", "replay a strategy over stored history (--sweep, --json)", cmdBacktest},
		{"serve", "headless engine and control API (and --ssh to host the cockpit)", cmdServe},
		{"seal", "drop the derived vault key from a running serve", cmdSeal},
		{"token", "print a new random API token", cmdToken},
		{"ai", "optional Claude analysis: explain|review|ask|usage (off by default)", cmdAI},
		{"mcp", "read-only MCP server over stdio for a local AI client", cmdMCP},
		{"version", "print the version", cmdVersion},
	}
}

// Run runs QuantDeck with the given arguments (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, env *Env, args []string) int {
	err := dispatch(ctx, env, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintln(env.Stderr, "quantdeck:", strings.TrimPrefix(err.Error(), "usage: "))
		return 2
	default:
		fmt.Fprintln(env.Stderr, "quantdeck:", err)
		return 1
	}
}

func dispatch(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			usage(env.Stdout)
			return nil
		}
		return cmdCockpit(ctx, env, args)
	}
	if args[0] == "help" {
		usage(env.Stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	usage(env.Stderr)
	return fmt.Errorf("%w: unknown command %q", ErrUsage, args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "QuantDeck: a self-hosted crypto trading cockpit for the terminal.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  quantdeck                 the cockpit (default)")
	for _, c := range commands() {
		fmt.Fprintf(w, "  quantdeck %-15s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nEvery command has -h. Settings come from flags, the environment and .env (see .env.example).")
	fmt.Fprintln(w, "Over SSH, run the cockpit inside tmux (tmux new -A -s quantdeck quantdeck) or use")
	fmt.Fprintln(w, "`quantdeck serve --ssh`, so a dropped connection does not stop your bots.")
}

func cmdVersion(_ context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stdout, "Usage: quantdeck version\n\nPrints the version of this QuantDeck binary.\n")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: version takes no arguments", ErrUsage)
	}
	fmt.Fprintln(env.Stdout, "quantdeck", Version)
	return nil
}

// loadSettings resolves settings and prints warnings to stderr.
func loadSettings(env *Env) (config.Settings, error) {
	st, warnings, err := env.Source.Load()
	for _, w := range warnings {
		fmt.Fprintln(env.Stderr, "warning:", w)
	}
	return st, err
}

// OSEnv is the real process environment.
func OSEnv() *Env {
	return &Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Source:     config.OSSource(),
		IsTerminal: isTerminal,
	}
}

// dropSecretVariables removes what long-running commands never need from the process
// environment, so no child process can inherit it: the new-passphrase variable (only `vault
// passwd` uses it) and the API token (already copied into the settings).
func dropSecretVariables(env *Env) {
	if p, ok := env.Source.TakePassphrase(config.EnvNewVaultPassphrase); ok {
		clear(p)
	}
	if env.Source.Unsetenv != nil {
		_ = env.Source.Unsetenv(config.EnvAPIToken)
	}
}
