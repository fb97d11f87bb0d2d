package common

import (
	"context"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/vault"
)

// Unlocker opens the vault. *vault.Vault implements it.
type Unlocker interface {
	Exists(ctx context.Context) (bool, error)
	Create(ctx context.Context, pass []byte, iterations int) error
	Unlock(ctx context.Context, pass []byte) error
	Unlocked() bool
}

// KeyStore manages exchange credentials, service keys (the Anthropic key) and the passphrase.
// *vault.Vault implements it.
type KeyStore interface {
	Credentials(ctx context.Context) ([]vault.Credential, error)
	AddCredential(ctx context.Context, label, exchangeName string, key, secret []byte, perms exchange.Permissions) (vault.Credential, error)
	RotateCredential(ctx context.Context, label string, key, secret []byte, perms exchange.Permissions) (vault.Credential, error)
	AddServiceKey(ctx context.Context, label, service string, key []byte) (vault.Credential, error)
	RotateServiceKey(ctx context.Context, label string, key []byte) (vault.Credential, error)
	ChangePassphrase(ctx context.Context, oldPass, newPass []byte, iterations int) error
}

// Vault is everything the cockpit uses of the vault.
type Vault interface {
	Unlocker
	KeyStore
}
