package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/sshd"
)

const sealUsage = `Usage: quantdeck seal

Tells the running 'quantdeck serve' for this QUANTDECK_HOME to drop its derived vault key from
memory and stop its live bots. Prices keep streaming; nothing secret can be decrypted again
until someone unlocks the vault, for example from the cockpit over SSH.
`

// sealTimeout bounds how long seal waits for the running process to stop its live bots.
const sealTimeout = 30 * time.Second

func cmdSeal(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("seal", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stdout, sealUsage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: seal: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: seal takes no arguments (got %q)", ErrUsage, fs.Arg(0))
	}
	st, err := loadSettings(env)
	if err != nil {
		return err
	}
	var sealed instance.Sealed
	c, err := instance.Dial(st.Home)
	if err == nil {
		defer c.Close()
		cctx, cancel := context.WithTimeout(ctx, sealTimeout)
		defer cancel()
		sealed, err = c.Seal(cctx)
	}
	if errors.Is(err, instance.ErrNotRunning) {
		return fmt.Errorf("seal: no 'quantdeck serve' is running for %s, so no key is in memory; nothing to seal", st.Home)
	}
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	fmt.Fprintln(env.Stdout, "Sealed: the running QuantDeck dropped its vault key and stopped its live bots.")
	// The running process says where it listens: this command's own settings may differ from
	// the ones it was started with (a flag, another shell's environment, port 0).
	if sealed.SSHAddr != "" {
		fmt.Fprintf(env.Stdout, "Unlock again from the cockpit: %s\n", sshd.SSHCommand(sealed.SSHAddr))
	} else {
		fmt.Fprintln(env.Stdout, "It does not host the cockpit over SSH: to unlock, restart it with the passphrase "+
			"("+config.EnvVaultPassphrase+" or --passphrase-file), or run `quantdeck serve --ssh` next time.")
	}
	return nil
}
