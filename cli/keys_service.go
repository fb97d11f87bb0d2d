package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/vault"
)

// Service keys (the Anthropic API key for the optional Claude enrichment) go through the same
// `keys add|rotate|remove|list` commands as exchange keys, but they have one half (no secret) and
// no exchange permissions to check.

func (k *keyTool) addServiceKey(ctx context.Context, label, service string) error {
	if _, n, err := k.findActive(ctx, label); n > 0 {
		return fmt.Errorf("keys add: key %q: %w", label, vault.ErrLabelExists)
	} else if err != nil && !errors.Is(err, vault.ErrNoCredential) {
		return err
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
	apiKey, err := k.readServiceKey()
	if err != nil {
		return fmt.Errorf("keys add: %w; nothing was stored", err)
	}
	defer apiKey.Zero()
	if !exists {
		fmt.Fprintln(k.env.Stderr, "Creating the vault (deriving the key takes about half a second)...")
		if err := k.v.Create(ctx, newPass, k.st.KDFIterations); err != nil {
			return fmt.Errorf("keys add: %w", err)
		}
	}
	c, err := k.v.AddServiceKey(ctx, label, service, apiKey)
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	fmt.Fprintf(k.env.Stdout, "Stored key %q for %s (version %d). Turn the AI enrichment on with QUANTDECK_AI=claude.\n", c.Label, c.Exchange, c.ID)
	return nil
}

func (k *keyTool) rotateServiceKey(ctx context.Context, cur vault.Credential) error {
	if err := unlockVault(ctx, k.env, k.v, k.console()); err != nil {
		return err
	}
	apiKey, err := k.readServiceKey()
	if err != nil {
		return fmt.Errorf("keys rotate: %w; nothing was changed", err)
	}
	defer apiKey.Zero()
	c, err := k.v.RotateServiceKey(ctx, cur.Label, apiKey)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	fmt.Fprintf(k.env.Stdout, "Rotated key %q: version %d is active, version %d is retired.\n", c.Label, c.ID, cur.ID)
	fmt.Fprintf(k.env.Stdout, "Now revoke the old key in the %s console so it can no longer be used.\n", c.Exchange)
	return nil
}

// readServiceKey reads one line (no secret half) from standard input, or asks for it without
// echo on a terminal.
func (k *keyTool) readServiceKey() (vault.Secret, error) {
	var key vault.Secret
	var err error
	if k.stdinIsTerminal() {
		key, err = k.console().secret("API key: ")
	} else if key, err = readLine(k.env.Stdin); errors.Is(err, io.EOF) {
		err = errors.New("no API key on standard input: pipe it as one line")
	}
	if err == nil {
		err = vault.CheckKeyMaterial("API key", key)
	}
	if err != nil {
		key.Zero()
		return nil, err
	}
	return key, nil
}
