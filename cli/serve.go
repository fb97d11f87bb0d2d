package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/quantdeck/quantdeck/api"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/vault"
)

const serveUsage = `Usage: quantdeck serve [--passphrase-file PATH] [--ssh]

Runs the engine headless (systemd, a box without tmux): bots that were running resume, the
control socket in QUANTDECK_HOME always listens, and the control API listens on
QUANTDECK_API_ADDR when QUANTDECK_API_TOKEN is set. SIGTERM or SIGHUP stop it cleanly.

The vault passphrase comes from QUANTDECK_VAULT_PASSPHRASE (read once and removed from the
environment) or from --passphrase-file (for systemd credentials). Without either, serve starts
sealed: prices stream, no bot runs and no secret is decrypted until the vault is unlocked.

`

// maxPassphraseFile bounds what --passphrase-file reads.
const maxPassphraseFile = 4096

// cmdServe is `quantdeck serve`.
func cmdServe(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	passFile := fs.String("passphrase-file", "", "read the vault passphrase from `PATH` (first line), e.g. a systemd credential")
	withSSH := fs.Bool("ssh", false, "also host the cockpit over SSH on QUANTDECK_SSH_ADDR (or set QUANTDECK_SSH=true)")
	fs.Usage = func() {
		fmt.Fprint(env.Stdout, serveUsage)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: serve takes no arguments (got %q)", ErrUsage, fs.Arg(0))
	}
	if err := vault.DisableCoreDumps(); err != nil {
		fmt.Fprintln(env.Stderr, "warning: could not disable core dumps:", err)
	}
	// Take the passphrase variable first, whatever else happens, so no child process or later
	// failure path can see it.
	pass, err := servePassphrase(env, *passFile)
	defer pass.Zero()
	if err != nil {
		return err
	}
	st, err := loadSettings(env)
	if err != nil {
		return err
	}
	dropSecretVariables(env)
	if st.APIToken != "" {
		if err := api.CheckConfig(st.APIAddr, st.APIToken, st.APIAllowRemote); err != nil {
			return err
		}
	}
	lock, err := instance.Acquire(st.Home)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer lock.Close()

	return runServe(ctx, env, st, pass, *withSSH || st.SSH)
}

// servePassphrase returns the passphrase from --passphrase-file or QUANTDECK_VAULT_PASSPHRASE,
// or nil for a sealed start. The variable is always taken (and so removed from the
// environment), even when the file is used.
func servePassphrase(env *Env, path string) (vault.Secret, error) {
	fromEnv, ok := env.Source.TakePassphrase(config.EnvVaultPassphrase)
	if path == "" {
		if !ok {
			return nil, nil
		}
		return vault.Secret(fromEnv), nil
	}
	clear(fromEnv)
	if ok {
		fmt.Fprintf(env.Stderr, "warning: both %s and --passphrase-file are set; using the file\n", config.EnvVaultPassphrase)
	}
	return readPassphraseFile(env, path)
}

// readPassphraseFile reads the first line of path. A file others can read gets a warning.
func readPassphraseFile(env *Env, path string) (vault.Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("serve: reading the passphrase file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		if !fi.Mode().IsRegular() && fi.Mode()&os.ModeNamedPipe == 0 {
			return nil, fmt.Errorf("serve: passphrase file %s is not a regular file", path)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(env.Stderr, "warning: passphrase file %s is readable by other users (mode %04o): run `chmod 600 %s`\n",
				path, fi.Mode().Perm(), path)
		}
	}
	buf := make([]byte, maxPassphraseFile+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		clear(buf)
		return nil, fmt.Errorf("serve: reading the passphrase file: %w", err)
	}
	if n > maxPassphraseFile {
		clear(buf)
		return nil, fmt.Errorf("serve: passphrase file %s is larger than %d bytes; it should hold only the passphrase", path, maxPassphraseFile)
	}
	line := buf[:n]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		clear(line[i:])
		line = line[:i]
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		clear(buf)
		return nil, fmt.Errorf("serve: passphrase file %s is empty", path)
	}
	return vault.Secret(line), nil
}

// serveLog writes lifecycle lines to the log file and, as slog text, to standard error (the
// journal under systemd). Callers pass no secrets.
type serveLog struct{ file, term *slog.Logger }

func newServeLog(stderr io.Writer, file *slog.Logger) *serveLog {
	return &serveLog{file: file, term: slog.New(slog.NewTextHandler(stderr, nil))}
}

// Info logs msg to both.
func (l *serveLog) Info(msg string, args ...any) {
	l.file.Info(msg, args...)
	l.term.Info(msg, args...)
}

// Warn logs msg to both.
func (l *serveLog) Warn(msg string, args ...any) {
	l.file.Warn(msg, args...)
	l.term.Warn(msg, args...)
}

// Error logs msg to both.
func (l *serveLog) Error(msg string, args ...any) {
	l.file.Error(msg, args...)
	l.term.Error(msg, args...)
}

// tokenBytes is the entropy of a token from `quantdeck token` (256 bits).
const tokenBytes = 32

// cmdToken is `quantdeck token`: a new random API token and nothing else.
func cmdToken(_ context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stdout, "Usage: quantdeck token\n\nPrints a new random API token (256 bits, base64url): QUANTDECK_API_TOKEN=$(quantdeck token)\n")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: token takes no arguments", ErrUsage)
	}
	tok, err := newToken(rand.Reader)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(env.Stdout, tok)
	return err
}

func newToken(r io.Reader) (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("token: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
