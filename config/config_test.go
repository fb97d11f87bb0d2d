package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

// testSource is a Source over a map environment and, when dotenv is not "", a .env file
// written with the given mode.
func testSource(t *testing.T, env map[string]string, dotenv string, mode os.FileMode) *Source {
	t.Helper()
	dir := t.TempDir()
	if dotenv != "" {
		path := filepath.Join(dir, ".env")
		if err := os.WriteFile(path, []byte(dotenv), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	return &Source{
		Getenv: func(k string) string { return env[k] },
		Environ: func() []string {
			var out []string
			for k, v := range env {
				out = append(out, k+"="+v)
			}
			return out
		},
		Unsetenv: func(k string) error { delete(env, k); return nil },
		Dir:      dir,
	}
}

func TestDefaults(t *testing.T) {
	st, warnings, err := testSource(t, map[string]string{"HOME": "/home/u"}, "", 0).Load()
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Load: %v %v", err, warnings)
	}
	if st.Home != "/home/u/.local/share/quantdeck" || st.Exchange != "sim" || st.APIAddr != "127.0.0.1:7465" ||
		st.SSHAddr != "127.0.0.1:2222" || st.KDFIterations != 0 || st.SimSpeed != 1 || st.APIAllowRemote ||
		!slices.Equal(st.Symbols, []string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"}) {
		t.Fatalf("defaults: %+v", st)
	}
	st, _, _ = testSource(t, map[string]string{"HOME": "/home/u", "XDG_DATA_HOME": "/data"}, "", 0).Load()
	if st.Home != "/data/quantdeck" {
		t.Fatalf("XDG_DATA_HOME ignored: %s", st.Home)
	}
}

func TestEnvironmentBeatsDotenv(t *testing.T) {
	dotenv := "QUANTDECK_EXCHANGE=binance\nQUANTDECK_SYMBOLS=ethusdt, btcusdt\nQUANTDECK_KDF_ITERATIONS=700000\n"
	cases := []struct {
		name     string
		env      map[string]string
		exchange string
		symbols  []string
		iter     int
	}{
		{"dotenv alone", map[string]string{}, "binance", []string{"ETHUSDT", "BTCUSDT"}, 700000},
		{"environment wins", map[string]string{EnvExchange: "binance-testnet", EnvKDFIterations: "800000"}, "binance-testnet", []string{"ETHUSDT", "BTCUSDT"}, 800000},
		{"empty environment value falls back", map[string]string{EnvExchange: ""}, "binance", []string{"ETHUSDT", "BTCUSDT"}, 700000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, err := testSource(t, c.env, dotenv, 0o600).Load()
			if err != nil {
				t.Fatal(err)
			}
			if st.Exchange != c.exchange || !slices.Equal(st.Symbols, c.symbols) || st.KDFIterations != c.iter {
				t.Fatalf("got exchange %s symbols %v iterations %d", st.Exchange, st.Symbols, st.KDFIterations)
			}
		})
	}
}

func TestDotenvModeWarning(t *testing.T) {
	cases := []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o644, true}, {0o604, true}}
	for _, c := range cases {
		src := testSource(t, map[string]string{}, "QUANTDECK_EXCHANGE=sim\n", c.mode)
		_, warnings, err := src.Load()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(src.Dir, ".env")
		got := slices.ContainsFunc(warnings, func(w string) bool {
			return strings.Contains(w, path) && strings.Contains(w, "chmod 600")
		})
		if got != c.warn {
			t.Errorf("mode %04o: warnings %q, want a warning: %v", c.mode, warnings, c.warn)
		}
	}
}

func TestUnknownVariablesWarn(t *testing.T) {
	env := map[string]string{"QUANTDECK_EXCHANGES": "binance", "QUANTDECK_HOME": "/x", "OTHER_THING": "1"}
	_, warnings, err := testSource(t, env, "QUANTDECK_SYMBOL=BTCUSDT\nUNRELATED=1\n", 0o600).Load()
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{"QUANTDECK_EXCHANGES", "QUANTDECK_SYMBOL in"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no warning about %s: %q", want, warnings)
		}
	}
	if len(warnings) != 2 {
		t.Errorf("want exactly two warnings, got %q", warnings)
	}
}

func TestBadValues(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		{"unknown exchange", EnvExchange, "kraken", "not one of sim, binance, binance-testnet"},
		{"symbol with a dash", EnvSymbols, "BTC-USDT", "not a symbol"},
		{"no symbols", EnvSymbols, " , ", "is empty"},
		{"iterations not a number", EnvKDFIterations, "lots", "not a whole number"},
		{"iterations under the floor", EnvKDFIterations, "599999", "at least 600000"},
		{"allow remote not a bool", EnvAPIAllowRemote, "maybe", "true or false"},
		{"sim speed zero", EnvSimSpeed, "0", "positive number"},
		{"sim seed not a number", EnvSimSeed, "x1", "not a whole number"},
		{"API address without port", EnvAPIAddr, "localhost", "not host:port"},
		{"SSH address without port", EnvSSHAddr, "0.0.0.0", "not host:port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := testSource(t, map[string]string{c.key: c.value}, "", 0).Load()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.key) {
				t.Fatalf("err = %v, want it to name %s and say %q", err, c.key, c.want)
			}
		})
	}
	src := testSource(t, map[string]string{}, "QUANTDECK_EXCHANGE=\"unterminated\n", 0o600)
	if _, _, err := src.Load(); err == nil || !strings.Contains(err.Error(), ".env") {
		t.Fatalf("broken .env: %v", err)
	}
}

func TestTakePassphraseRemovesIt(t *testing.T) {
	env := map[string]string{EnvVaultPassphrase: "from the environment"}
	src := testSource(t, env, "QUANTDECK_NEW_VAULT_PASSPHRASE=from dotenv file\n", 0o600)
	if _, _, err := src.Load(); err != nil {
		t.Fatal(err)
	}
	p, ok := src.TakePassphrase(EnvVaultPassphrase)
	if !ok || string(p) != "from the environment" {
		t.Fatalf("got %q, %v", p, ok)
	}
	if _, still := env[EnvVaultPassphrase]; still {
		t.Fatal("the variable is still in the environment")
	}
	if p, ok := src.TakePassphrase(EnvVaultPassphrase); ok {
		t.Fatalf("handed out twice: %q", p)
	}
	p, ok = src.TakePassphrase(EnvNewVaultPassphrase)
	if !ok || string(p) != "from dotenv file" {
		t.Fatalf("from .env: %q, %v", p, ok)
	}
	if p, ok := src.TakePassphrase(EnvNewVaultPassphrase); ok {
		t.Fatalf(".env value handed out twice: %q", p)
	}
}

// The real process environment: TakePassphrase unsets the variable for this process, so no
// child can inherit it.
func TestTakePassphraseUnsetsProcessVariable(t *testing.T) {
	t.Setenv(EnvVaultPassphrase, "process level secret")
	src := OSSource()
	src.Dir = t.TempDir()
	p, ok := src.TakePassphrase(EnvVaultPassphrase)
	if !ok || string(p) != "process level secret" {
		t.Fatalf("got %q, %v", p, ok)
	}
	if _, set := os.LookupEnv(EnvVaultPassphrase); set {
		t.Fatal("still set in the process environment")
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7465": true, "[::1]:80": true, "localhost:1": true, "127.1.2.3:9": true,
		"0.0.0.0:7465": false, ":7465": false, "192.168.1.5:80": false, "example.com:80": false, "nonsense": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// .env is outside input: whatever it holds, Load returns settings or an error, never panics, and
// no value from it shows up in an error about the file's syntax, nor a passphrase or token in any
// warning or error.
func FuzzLoadDotenv(f *testing.F) {
	for _, s := range []string{
		"QUANTDECK_EXCHANGE=binance\n", "export QUANTDECK_SYMBOLS='BTCUSDT,ETHUSDT'\n", "# c\n\nA=\"b\\nc\"\n",
		"QUANTDECK_VAULT_PASSPHRASE=hunter2hunter2\nQUANTDECK_TYPO=1\n", "=\n", "QUANTDECK_KDF_ITERATIONS=1e9\n",
		"QUANTDECK_VAULT_PASSPHRASE=\"hunter2hunter2\n", "QUANTDECK_API_TOKEN='s3cr3t-t0ken\nB=1\n",
		"hunter2hunter2\nA=1\n", "A=1\nPASS WORD=x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dotenv string) {
		dir := t.TempDir()
		path := filepath.Join(dir, ".env")
		if err := os.WriteFile(path, []byte(dotenv), 0o600); err != nil {
			t.Fatal(err)
		}
		src := &Source{Getenv: func(string) string { return "" }, Dir: dir}
		_, warnings, err := src.Load()
		text := strings.Join(warnings, "\n")
		if err != nil {
			text += "\n" + err.Error()
		}
		if _, perr := godotenv.UnmarshalBytes([]byte(dotenv)); perr != nil {
			// A syntax error is built from the path, a line number, a public setting name and
			// fixed text; nothing the file assigns may appear in it.
			var de *DotenvError
			if !errors.As(err, &de) {
				t.Fatalf("a .env that does not parse gave %v, want a DotenvError", err)
			}
			allowed := path + " " + strings.Join(keys(known), " ") + " " + dotenvBadName + dotenvUnterminated + dotenvUnknown +
				(&DotenvError{Path: path, Line: 1, Setting: EnvHome}).Error()
			for _, s := range secretWindows(dotenv, allowed) {
				if strings.Contains(text, s) {
					t.Fatalf("the error about the file's syntax %q repeats %q from it", text, s)
				}
			}
			// The message is built from the path, a number, a public name and fixed text only.
			if de.Setting != "" && !known[de.Setting] {
				t.Fatalf("error names %q, not a QuantDeck setting", de.Setting)
			}
			if p := de.Problem; p != dotenvBadName && p != dotenvUnterminated && p != dotenvUnknown {
				t.Fatalf("error carries a problem text of its own: %q", p)
			}
			if de.Path != path || err.Error() != (&DotenvError{Path: path, Line: de.Line, Setting: de.Setting, Problem: de.Problem}).Error() {
				t.Fatalf("error %q is not built from its fields alone", err)
			}
			return
		}
		pass, ok := src.TakePassphrase(EnvVaultPassphrase)
		if !ok || len(pass) < 4 {
			return
		}
		// Only a passphrase that appears once in the file and not in the path can be traced.
		distinct := strings.Count(dotenv, string(pass)) == 1 && !strings.Contains(dir, string(pass))
		if distinct && strings.Contains(text, string(pass)) {
			t.Fatalf("passphrase %q shows in %q", pass, text)
		}
	})
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSSHSettings(t *testing.T) {
	cases := []struct {
		env     map[string]string
		wantSSH bool
		wantErr string
	}{
		{env: map[string]string{}, wantSSH: false},
		{env: map[string]string{EnvSSH: "true"}, wantSSH: true},
		{env: map[string]string{EnvSSH: "maybe"}, wantErr: "must be true or false"},
		{env: map[string]string{EnvSSHAddr: "-oProxyCommand=x:2222"}, wantErr: "cannot start with '-'"},
	}
	for _, c := range cases {
		src := &Source{Getenv: func(k string) string { return c.env[k] }, Dir: t.TempDir()}
		st, _, err := src.Load()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: err = %v, want %q", c.env, err, c.wantErr)
			}
			continue
		}
		if err != nil || st.SSH != c.wantSSH {
			t.Errorf("%v: SSH = %v, err %v; want %v", c.env, st.SSH, err, c.wantSSH)
		}
	}
}

// A .env others can change could point QuantDeck at someone else's server: it is refused.
func TestDotenvWritableByOthersIsRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o620, 0o602, 0o666} {
		src := testSource(t, map[string]string{}, "QUANTDECK_BINANCE_REST_URL=http://evil.example\n", mode)
		_, _, err := src.Load()
		if err == nil || !strings.Contains(err.Error(), "can be changed by other users") || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: err = %v, want a refusal with the fix", mode, err)
		}
	}
}

func TestSimSeed(t *testing.T) {
	st, _, err := testSource(t, map[string]string{EnvSimSeed: "7"}, "", 0).Load()
	if err != nil || st.SimSeed != 7 || !st.SimSeedSet {
		t.Fatalf("seed set: %d (set %v), %v; want 7", st.SimSeed, st.SimSeedSet, err)
	}
	a, _, _ := testSource(t, map[string]string{}, "", 0).Load()
	b, _, _ := testSource(t, map[string]string{}, "", 0).Load()
	if a.SimSeed == 0 || a.SimSeed == b.SimSeed || a.SimSeedSet {
		t.Fatalf("unset seeds %d and %d (set %v): want a new non-zero seed each start", a.SimSeed, b.SimSeed, a.SimSeedSet)
	}
}
