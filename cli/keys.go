package cli

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/vault"
)

// keyTool runs the keys and vault commands. Its hooks are what tests replace.
type keyTool struct {
	env        *Env
	openTTY    func() (*os.File, error)
	checkerFor func(config.Settings, string) (exchange.PermissionChecker, error)

	st  config.Settings
	db  *sql.DB
	v   *vault.Vault
	log *slog.Logger
	con *console
}

func newKeyTool(env *Env) *keyTool {
	return &keyTool{env: env, openTTY: openControllingTTY, checkerFor: app.PermissionChecker}
}

func cmdKeys(ctx context.Context, env *Env, args []string) error {
	return newKeyTool(env).keys(ctx, args)
}

func cmdVault(ctx context.Context, env *Env, args []string) error {
	return newKeyTool(env).vault(ctx, args)
}

const keysUsage = `Usage: quantdeck keys <command> [flags]

Exchange API keys, encrypted in the vault.

<<<<<<< HEAD
  add     --label L [--exchange sim|binance|binance-testnet|anthropic] [--yes]
          store a new key; the first one creates the vault (anthropic: the
          API key of the optional Claude enrichment, one line, no secret)
  list    show the stored keys and their versions (never a secret)
=======
  add     --label L [--exchange sim|binance|binance-testnet] [--yes]
          store a new key; the first one creates the vault
  list    [--json] show the stored keys, their versions and the last
          permission check (never a secret); UNSAFE marks a key the exchange
          now reports able to withdraw, or unable to trade
>>>>>>> main
  rotate  --label L [--yes]
          store a new version of a key and retire the old one
  remove  --label L [--yes]
          delete a key and its retired versions

add and rotate read the API key and secret as two lines of standard input when
it is not a terminal, and ask for them without echo when it is. The vault
passphrase comes from QUANTDECK_VAULT_PASSPHRASE when set, else from the
terminal. Every command has -h.
`

func (k *keyTool) keys(ctx context.Context, args []string) error {
	holdPassphrases(k.env.Source)
	if len(args) == 0 {
		fmt.Fprint(k.env.Stderr, keysUsage)
		return fmt.Errorf("%w: keys needs a command: add, list, rotate or remove", ErrUsage)
	}
	if isHelp(args[0]) {
		fmt.Fprint(k.env.Stdout, keysUsage)
		return nil
	}
	switch args[0] {
	case "add":
		return k.add(ctx, args[1:])
	case "list":
		return k.list(ctx, args[1:])
	case "rotate":
		return k.rotate(ctx, args[1:])
	case "remove":
		return k.remove(ctx, args[1:])
	}
	fmt.Fprint(k.env.Stderr, keysUsage)
	return fmt.Errorf("%w: unknown keys command %q", ErrUsage, args[0])
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// flags makes a flag set whose -h prints synopsis and the flags to stdout.
func (k *keyTool) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(k.env.Stderr)
	fs.Usage = func() {
		fs.SetOutput(k.env.Stdout)
		fmt.Fprintf(k.env.Stdout, "Usage: quantdeck %s\n\n", synopsis)
		fs.PrintDefaults()
		fs.SetOutput(k.env.Stderr)
	}
	return fs
}

// parse parses flags; -h gives flag.ErrHelp (exit 0), other mistakes ErrUsage (exit 2).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s: %v", ErrUsage, fs.Name(), err)
	}
	return nil
}

// noArgs refuses positional arguments without repeating them: someone who typed an API key
// or secret on the command line must not see it echoed into a terminal log or the journal.
func noArgs(fs *flag.FlagSet, cmd string) error {
	if fs.NArg() == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s: %d unexpected argument(s), not repeated here: key, secret and passphrase never go on the command line "+
		"(pipe the key and the secret as two lines of standard input, or type them when asked)", ErrUsage, cmd, fs.NArg())
}

// open loads settings, the log, the store and the vault.
func (k *keyTool) open(ctx context.Context) (func(), error) {
	if err := vault.DisableCoreDumps(); err != nil {
		fmt.Fprintln(k.env.Stderr, "warning:", err)
	}
	st, err := loadSettings(k.env)
	if err != nil {
		return nil, err
	}
	k.st = st
	data, err := app.OpenData(ctx, st)
	if err != nil {
		return nil, err
	}
	k.db, k.log, k.v = data.DB, data.Log, data.Vault
	return func() {
		// Zeroes the vault key and closes the store and the log; an unmap error changes
		// nothing at exit.
		_ = data.Close()
		if k.con != nil {
			k.con.close()
		}
	}, nil
}

func (k *keyTool) console() *console {
	if k.con == nil {
		k.con = openConsole(k.env, k.openTTY)
	}
	return k.con
}

func (k *keyTool) stdinIsTerminal() bool {
	f, ok := k.env.Stdin.(*os.File)
	return ok && k.env.IsTerminal != nil && k.env.IsTerminal(f)
}

func (k *keyTool) findActive(ctx context.Context, label string) (vault.Credential, int, error) {
	list, err := k.v.Credentials(ctx)
	if err != nil {
		return vault.Credential{}, 0, err
	}
	var found *vault.Credential
	versions := 0
	for i, c := range list {
		if c.Label != label {
			continue
		}
		versions++
		if c.Active() {
			found = &list[i]
		}
	}
	if found == nil {
		return vault.Credential{}, versions, fmt.Errorf("key %q: %w", label, vault.ErrNoCredential)
	}
	return *found, versions, nil
}

func (k *keyTool) add(ctx context.Context, args []string) error {
	fs := k.flags("keys add", "keys add --label L [--exchange EXCHANGE] [--yes]")
	label := fs.String("label", "", "a short name for the key (letters, digits, . _ -)")
	exch := fs.String("exchange", "", "sim, binance, binance-testnet, or anthropic (default: QUANTDECK_EXCHANGE)")
	yes := fs.Bool("yes", false, "store it even when the exchange cannot report its permissions")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs, "keys add"); err != nil {
		return err
	}
	if *label == "" {
		return fmt.Errorf("%w: keys add: --label is required", ErrUsage)
	}
	if err := vault.CheckLabel(*label); err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	closeAll, err := k.open(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	exchangeName := strings.ToLower(*exch)
	if exchangeName == "" {
		exchangeName = k.st.Exchange
	}
	if vault.IsService(exchangeName) {
		return k.addServiceKey(ctx, *label, exchangeName)
	}
	if !slices.Contains(config.Exchanges, exchangeName) {
		return fmt.Errorf("keys add: unknown exchange %q: use one of %s", exchangeName, strings.Join(config.Exchanges, ", "))
	}
	if _, n, err := k.findActive(ctx, *label); n > 0 {
		return fmt.Errorf("keys add: key %q: %w", *label, vault.ErrLabelExists)
	} else if err != nil && !errors.Is(err, vault.ErrNoCredential) {
		return err
	}
	if _, err := k.checkerFor(k.st, exchangeName); err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	exists, err := k.v.Exists(ctx)
	if err != nil {
		return err
	}
	var newPass vault.Secret
	if exists {
		if err := unlockVault(ctx, k.env, k.v, k.console()); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(k.env.Stderr, "No vault yet: this key will create it.")
		if newPass, err = newPassphrase(k.env.Source, k.console(), config.EnvVaultPassphrase, "new vault passphrase"); err != nil {
			return fmt.Errorf("keys add: %w", err)
		}
		defer newPass.Zero()
	}
	apiKey, apiSecret, err := k.readKeyPair()
	if err != nil {
		return fmt.Errorf("keys add: %w; nothing was stored", err)
	}
	defer apiKey.Zero()
	defer apiSecret.Zero()
	perms, err := k.checkKey(ctx, exchangeName, apiKey, apiSecret, *yes)
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	if !exists {
		fmt.Fprintln(k.env.Stderr, "Creating the vault (deriving the key takes about half a second)...")
		if err := k.v.Create(ctx, newPass, k.st.KDFIterations); err != nil {
			return fmt.Errorf("keys add: %w", err)
		}
	}
	c, err := k.v.AddCredential(ctx, *label, exchangeName, apiKey, apiSecret, perms)
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	fmt.Fprintf(k.env.Stdout, "Stored key %q for %s (version %d).\n", c.Label, c.Exchange, c.ID)
	return nil
}

func (k *keyTool) rotate(ctx context.Context, args []string) error {
	fs := k.flags("keys rotate", "keys rotate --label L [--yes]")
	label := fs.String("label", "", "the key to replace")
	yes := fs.Bool("yes", false, "store it even when the exchange cannot report its permissions")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs, "keys rotate"); err != nil {
		return err
	}
	if *label == "" {
		return fmt.Errorf("%w: keys rotate: --label is required", ErrUsage)
	}
	closeAll, err := k.open(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	cur, _, err := k.findActive(ctx, *label)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	if vault.IsService(cur.Exchange) {
		return k.rotateServiceKey(ctx, cur)
	}
	if _, err := k.checkerFor(k.st, cur.Exchange); err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	if err := unlockVault(ctx, k.env, k.v, k.console()); err != nil {
		return err
	}
	apiKey, apiSecret, err := k.readKeyPair()
	if err != nil {
		return fmt.Errorf("keys rotate: %w; nothing was changed", err)
	}
	defer apiKey.Zero()
	defer apiSecret.Zero()
	perms, err := k.checkKey(ctx, cur.Exchange, apiKey, apiSecret, *yes)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	c, err := k.v.RotateCredential(ctx, *label, apiKey, apiSecret, perms)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	fmt.Fprintf(k.env.Stdout, "Rotated key %q: version %d is active, version %d is retired.\n", c.Label, c.ID, cur.ID)
	fmt.Fprintf(k.env.Stdout, "Now delete the old API key on %s so it can no longer be used.\n", c.Exchange)
	return nil
}

func (k *keyTool) remove(ctx context.Context, args []string) error {
	fs := k.flags("keys remove", "keys remove --label L [--yes]")
	label := fs.String("label", "", "the key to delete, with its retired versions")
	yes := fs.Bool("yes", false, "do not ask for confirmation (scripts)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *label == "" && fs.NArg() == 1 {
		*label = fs.Arg(0)
	} else if err := noArgs(fs, "keys remove"); err != nil {
		return err
	}
	if *label == "" {
		return fmt.Errorf("%w: keys remove: --label is required", ErrUsage)
	}
	closeAll, err := k.open(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	cur, versions, err := k.findActive(ctx, *label)
	if err != nil {
		return fmt.Errorf("keys remove: %w", err)
	}
	if err := unlockVault(ctx, k.env, k.v, k.console()); err != nil {
		return err
	}
	if !*yes {
		con := k.console()
		if con == nil {
			return fmt.Errorf("%w: keys remove: add --yes to remove %q without a terminal to confirm on", ErrUsage, *label)
		}
		ok, err := con.confirm(fmt.Sprintf("Remove key %q (%s, %d version(s)) from the vault?", *label, cur.Exchange, versions))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("keys remove: nothing removed")
		}
	}
	if err := k.v.RemoveCredential(ctx, *label); err != nil {
		return fmt.Errorf("keys remove: %w", err)
	}
	fmt.Fprintf(k.env.Stdout, "Removed key %q (%d version(s)). Delete it on %s too if you no longer use it there.\n", *label, versions, cur.Exchange)
	return nil
}

const vaultUsage = `Usage: quantdeck vault passwd

Change the vault passphrase. Every stored key is re-encrypted under a new salt
in one transaction, and the PBKDF2 iteration count is recalibrated (or taken
from QUANTDECK_KDF_ITERATIONS). On a terminal it asks for the current
passphrase, then the new one twice; scripts set QUANTDECK_VAULT_PASSPHRASE and
QUANTDECK_NEW_VAULT_PASSPHRASE.
`

func (k *keyTool) vault(ctx context.Context, args []string) error {
	holdPassphrases(k.env.Source)
	if len(args) == 0 {
		fmt.Fprint(k.env.Stderr, vaultUsage)
		return fmt.Errorf("%w: vault needs a command: passwd", ErrUsage)
	}
	if isHelp(args[0]) {
		fmt.Fprint(k.env.Stdout, vaultUsage)
		return nil
	}
	if args[0] != "passwd" {
		fmt.Fprint(k.env.Stderr, vaultUsage)
		return fmt.Errorf("%w: unknown vault command %q", ErrUsage, args[0])
	}
	fs := k.flags("vault passwd", "vault passwd")
	fs.Usage = func() { fmt.Fprint(k.env.Stdout, vaultUsage) }
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := noArgs(fs, "vault passwd"); err != nil {
		return err
	}
	closeAll, err := k.open(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	if ok, err := k.v.Exists(ctx); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("vault passwd: %w", vault.ErrNoVault)
	}
	con := k.console()
	old, err := currentPassphrase(k.env.Source, con, config.EnvVaultPassphrase, "Current vault passphrase: ")
	if err != nil {
		return fmt.Errorf("vault passwd: %w", err)
	}
	defer old.Zero()
	announceDelay(ctx, k.env.Stderr, k.v)
	// Check the current passphrase before asking for a new one twice.
	if err := k.v.Unlock(ctx, old); err != nil {
		return err
	}
	newPass, err := newPassphrase(k.env.Source, con, config.EnvNewVaultPassphrase, "new vault passphrase")
	if err != nil {
		return fmt.Errorf("vault passwd: %w", err)
	}
	defer newPass.Zero()
	fmt.Fprintln(k.env.Stderr, "Re-encrypting every key under the new passphrase...")
	if err := k.v.ChangePassphrase(ctx, old, newPass, k.st.KDFIterations); err != nil {
		return err
	}
	iter, _ := k.v.Iterations(ctx)
	fmt.Fprintf(k.env.Stdout, "Vault passphrase changed (PBKDF2-HMAC-SHA256, %d iterations).\n", iter)
	return nil
}
