package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/vault"
)

// maxLineLen bounds a line read from standard input (API keys are well under it).
const maxLineLen = 4096

// console is an interactive terminal to ask on: standard input when it is a terminal, or the
// controlling terminal when standard input is piped (key lines on stdin, passphrase typed).
type console struct {
	in    *os.File
	out   io.Writer
	close func() error
}

// openConsole returns the terminal to prompt on, or nil when there is none (scripts).
func openConsole(env *Env, openTTY func() (*os.File, error)) *console {
	if f, ok := env.Stdin.(*os.File); ok && env.IsTerminal != nil && env.IsTerminal(f) {
		return &console{in: f, out: env.Stderr, close: func() error { return nil }}
	}
	if openTTY == nil {
		return nil
	}
	f, err := openTTY()
	if err != nil {
		return nil
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil
	}
	return &console{in: f, out: f, close: f.Close}
}

// openControllingTTY opens /dev/tty, the terminal of the session, if there is one.
func openControllingTTY() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// secret asks for a value without echoing it.
func (c *console) secret(prompt string) (vault.Secret, error) {
	fmt.Fprint(c.out, prompt)
	b, err := readNoEcho(c.in)
	fmt.Fprintln(c.out)
	if err != nil {
		return nil, fmt.Errorf("reading from the terminal: %w", err)
	}
	return b, nil
}

// confirm asks a yes/no question; anything but y or yes is no.
func (c *console) confirm(question string) (bool, error) {
	fmt.Fprintf(c.out, "%s [y/N] ", question)
	line, err := readLine(c.in)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(string(line)))
	return a == "y" || a == "yes", nil
}

// readLine reads one line, byte by byte so nothing past it is consumed and no copy of it is
// left in a buffer we do not own. The trailing "\n" or "\r\n" is dropped. io.EOF means the
// input ended before any byte.
func readLine(r io.Reader) (vault.Secret, error) {
	buf := make([]byte, 0, 128)
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			if len(buf) >= maxLineLen {
				clear(buf)
				return nil, fmt.Errorf("input line longer than %d bytes", maxLineLen)
			}
			if len(buf) == cap(buf) {
				grown := make([]byte, len(buf), 2*cap(buf))
				copy(grown, buf)
				clear(buf)
				buf = grown
			}
			buf = append(buf, b[0])
		}
		if errors.Is(err, io.EOF) {
			if len(buf) == 0 {
				return nil, io.EOF
			}
			break
		}
		if err != nil {
			clear(buf)
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
	}
	if n := len(buf); n > 0 && buf[n-1] == '\r' {
		buf[n-1] = 0
		buf = buf[:n-1]
	}
	return vault.Secret(buf), nil
}

// holdPassphrases takes both passphrase variables out of the process environment before the
// command does anything, so no early failure (a wrong current passphrase in `vault passwd`, a
// label that exists) leaves one there for a child process to inherit. Each value is still
// returned once by src.TakePassphrase.
func holdPassphrases(src *config.Source) {
	if src == nil || src.Getenv == nil {
		return
	}
	held := map[string]string{}
	for _, name := range []string{config.EnvVaultPassphrase, config.EnvNewVaultPassphrase} {
		if v := src.Getenv(name); v != "" {
			held[name] = v
		}
		if src.Unsetenv != nil {
			_ = src.Unsetenv(name)
		}
	}
	if len(held) == 0 {
		return
	}
	getenv, unsetenv := src.Getenv, src.Unsetenv
	src.Getenv = func(name string) string {
		if v, ok := held[name]; ok {
			return v
		}
		return getenv(name)
	}
	src.Unsetenv = func(name string) error {
		delete(held, name)
		if unsetenv == nil {
			return nil
		}
		return unsetenv(name)
	}
}

// currentPassphrase takes name's variable (scripts) or asks on the console.
func currentPassphrase(src *config.Source, con *console, name, prompt string) (vault.Secret, error) {
	if p, ok := src.TakePassphrase(name); ok {
		return vault.Secret(p), nil
	}
	if con == nil {
		return nil, fmt.Errorf("no passphrase: set %s or run this in a terminal", name)
	}
	p, err := con.secret(prompt)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, errors.New("no passphrase entered")
	}
	return p, nil
}

// newPassphrase takes name's variable (scripts, checked once) or asks twice on the console,
// re-asking up to three times when the two entries differ or the passphrase is too short.
func newPassphrase(src *config.Source, con *console, name, what string) (vault.Secret, error) {
	if p, ok := src.TakePassphrase(name); ok {
		if err := vault.CheckPassphrase(p); err != nil {
			clear(p)
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return vault.Secret(p), nil
	}
	if con == nil {
		return nil, fmt.Errorf("no %s: set %s or run this in a terminal", what, name)
	}
	var lastErr error
	for range 3 {
		p, err := con.secret(fmt.Sprintf("%s (at least %d characters): ", capitalize(what), vault.MinPassphraseLen))
		if err != nil {
			return nil, err
		}
		if err := vault.CheckPassphrase(p); err != nil {
			p.Zero()
			lastErr = err
			fmt.Fprintln(con.out, strings.TrimPrefix(err.Error(), "vault: "))
			continue
		}
		again, err := con.secret("Repeat it: ")
		if err != nil {
			p.Zero()
			return nil, err
		}
		same := p.Equal(again)
		again.Zero()
		if same {
			return p, nil
		}
		p.Zero()
		lastErr = errors.New("the two entries differ")
		fmt.Fprintln(con.out, "The two entries differ; try again.")
	}
	return nil, fmt.Errorf("no %s set: %w", what, lastErr)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// unlockVault opens v with the passphrase from QUANTDECK_VAULT_PASSPHRASE or the console,
// telling the user about any wait imposed by earlier wrong passphrases. On a terminal a wrong
// passphrase may be retried twice.
func unlockVault(ctx context.Context, env *Env, v *vault.Vault, con *console) error {
	if p, ok := env.Source.TakePassphrase(config.EnvVaultPassphrase); ok {
		defer clear(p)
		announceDelay(ctx, env.Stderr, v)
		return v.Unlock(ctx, p)
	}
	if con == nil {
		return fmt.Errorf("no passphrase: set %s or run this in a terminal", config.EnvVaultPassphrase)
	}
	const tries = 3
	for i := 1; ; i++ {
		announceDelay(ctx, con.out, v)
		p, err := con.secret("Vault passphrase: ")
		if err != nil {
			return err
		}
		err = v.Unlock(ctx, p)
		p.Zero()
		if i == tries || !errors.Is(err, vault.ErrWrongPassphrase) {
			return err
		}
		fmt.Fprintln(con.out, "Wrong passphrase; try again.")
	}
}

// announceDelay says how long the next unlock will wait after earlier wrong passphrases.
func announceDelay(ctx context.Context, w io.Writer, v *vault.Vault) {
	if d, n, err := v.PendingDelay(ctx); err == nil && d > 0 {
		fmt.Fprintf(w, "waiting %s after %d wrong passphrase(s)\n", d.Round(100*time.Millisecond), n)
	}
}

// readKeyPair reads the API key and secret: prompts without echo on a terminal, else two
// lines of standard input. Both are checked before anything else happens.
func (k *keyTool) readKeyPair() (apiKey, apiSecret vault.Secret, err error) {
	if k.stdinIsTerminal() {
		con := k.console()
		if apiKey, err = con.secret("API key: "); err == nil {
			apiSecret, err = con.secret("API secret: ")
		}
	} else {
		if apiKey, err = readLine(k.env.Stdin); errors.Is(err, io.EOF) {
			err = errors.New("no API key on standard input: pipe the key and the secret as two lines")
		}
		if err == nil {
			if apiSecret, err = readLine(k.env.Stdin); errors.Is(err, io.EOF) {
				err = errors.New("no API secret on standard input: the secret goes on the line after the key")
			}
		}
	}
	if err == nil {
		if err = vault.CheckKeyMaterial("API key", apiKey); err == nil {
			err = vault.CheckKeyMaterial("API secret", apiSecret)
		}
	}
	if err != nil {
		apiKey.Zero()
		apiSecret.Zero()
		return nil, nil, err
	}
	return apiKey, apiSecret, nil
}
