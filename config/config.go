// Package config resolves QuantDeck's settings: command-line flags first, then the process
// environment, then a .env file in the working directory. It warns about a .env others can read
// and about unknown QUANTDECK_ variables, and hands out the vault passphrase exactly once.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Setting names (the public interface; see DESIGN.md).
const (
	EnvHome               = "QUANTDECK_HOME"
	EnvExchange           = "QUANTDECK_EXCHANGE"
	EnvRESTURL            = "QUANTDECK_BINANCE_REST_URL"
	EnvWSURL              = "QUANTDECK_BINANCE_WS_URL"
	EnvWSAPIURL           = "QUANTDECK_BINANCE_WS_API_URL"
	EnvSymbols            = "QUANTDECK_SYMBOLS"
	EnvVaultPassphrase    = "QUANTDECK_VAULT_PASSPHRASE"
	EnvNewVaultPassphrase = "QUANTDECK_NEW_VAULT_PASSPHRASE"
	EnvKDFIterations      = "QUANTDECK_KDF_ITERATIONS"
	EnvAPIAddr            = "QUANTDECK_API_ADDR"
	EnvAPIToken           = "QUANTDECK_API_TOKEN"
	EnvAPIAllowRemote     = "QUANTDECK_API_ALLOW_REMOTE"
	EnvSSHAddr            = "QUANTDECK_SSH_ADDR"
	EnvSSH                = "QUANTDECK_SSH"
	EnvSimSeed            = "QUANTDECK_SIM_SEED"
	EnvSimSpeed           = "QUANTDECK_SIM_SPEED"
	EnvPaperBalance       = "QUANTDECK_PAPER_BALANCE"
	EnvPaperFee           = "QUANTDECK_PAPER_FEE"
	EnvKeyCheckInterval   = "QUANTDECK_KEY_CHECK_INTERVAL"
)

var known = map[string]bool{
	EnvHome: true, EnvExchange: true, EnvRESTURL: true, EnvWSURL: true, EnvWSAPIURL: true, EnvSymbols: true,
	EnvVaultPassphrase: true, EnvNewVaultPassphrase: true, EnvKDFIterations: true,
	EnvAPIAddr: true, EnvAPIToken: true, EnvAPIAllowRemote: true, EnvSSHAddr: true, EnvSSH: true,
	EnvSimSeed: true, EnvSimSpeed: true, EnvPaperBalance: true, EnvPaperFee: true,
	EnvKeyCheckInterval: true,
	EnvAI:               true, EnvAIModel: true, EnvAIBaseURL: true, EnvAIDailyTokens: true, EnvAIKey: true,
}

// DefaultKeyCheckInterval is how often a running QuantDeck asks the exchange again what each
// live key may do (it also asks at every start).
const DefaultKeyCheckInterval = 4 * time.Hour

// Exchanges QuantDeck can connect to.
var Exchanges = []string{"sim", "binance", "binance-testnet"}

// MinKDFIterations is the floor for a new vault's PBKDF2 iterations set by a user.
const MinKDFIterations = 600_000

// Settings are the resolved settings. Secrets are not here: see Source.TakePassphrase.
type Settings struct {
	Home           string
	Exchange       string
	RESTURL        string
	WSURL          string
	WSAPIURL       string // Binance WebSocket API (live order updates)
	Symbols        []string
	KDFIterations  int // 0: calibrate
	APIAddr        string
	APIToken       string
	APIAllowRemote bool
	SSHAddr        string
	SSH            bool    // serve also hosts the cockpit over SSH (as with --ssh)
	SimSeed        int64   // the simulated market's seed; a new one each start unless set
	SimSpeed       float64 // ticks per second multiplier for the simulated market; 1 is real time
	PaperBalance   string  // starting quote balance for paper accounts, decimal text
	PaperFee       string  // paper fee rate, decimal text (0.001 = 0.1%)
	// SimSeedSet says QUANTDECK_SIM_SEED was given: the simulated market then replays its
	// seed's prices instead of continuing from the last prices the data directory saw.
	SimSeedSet bool
	// KeyCheckInterval is how often live keys' permissions are checked again while running.
	KeyCheckInterval time.Duration
	AI               AISettings
}

// Source is where settings come from: the environment and an optional .env file.
type Source struct {
	Getenv   func(string) string
	Environ  func() []string
	Unsetenv func(string) error
	Dir      string // working directory that may hold .env
	dotenv   map[string]string
}

// OSSource reads the real process environment and ./.env.
func OSSource() *Source {
	dir, _ := os.Getwd()
	return &Source{Getenv: os.Getenv, Environ: os.Environ, Unsetenv: os.Unsetenv, Dir: dir}
}

// Load reads .env (when present) and resolves every setting. Flags override what it returns
// (callers assign the fields they parsed). Warnings are for the user, never fatal.
func (s *Source) Load() (Settings, []string, error) {
	var warnings []string
	path := filepath.Join(s.Dir, ".env")
	if fi, err := os.Stat(path); err == nil {
		// Whoever can write .env can point QuantDeck at their own "exchange": refuse it.
		if fi.Mode().Perm()&0o022 != 0 {
			return Settings{}, warnings, fmt.Errorf("config: %s can be changed by other users (mode %04o): run `chmod 600 %s`", path, fi.Mode().Perm(), path)
		}
		if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
			return Settings{}, warnings, fmt.Errorf("config: %s belongs to another user (uid %d): QuantDeck only reads a .env you own", path, uid)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			warnings = append(warnings, fmt.Sprintf("%s is readable by other users (mode %04o): run `chmod 600 %s`", path, fi.Mode().Perm(), path))
		}
		m, err := readDotenv(path)
		if err != nil {
			return Settings{}, warnings, err
		}
		s.dotenv = m
		for k := range m {
			if strings.HasPrefix(k, "QUANTDECK_") && !known[k] {
				warnings = append(warnings, fmt.Sprintf("unknown setting %s in %s (typo?)", k, path))
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Settings{}, warnings, fmt.Errorf("config: %w", err)
	}
	if s.Environ != nil {
		var unknown []string
		for _, kv := range s.Environ() {
			k, _, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(k, "QUANTDECK_") && !known[k] {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		for _, k := range unknown {
			warnings = append(warnings, fmt.Sprintf("unknown environment variable %s (typo?)", k))
		}
	}

	st := Settings{
		Home:         s.get(EnvHome),
		Exchange:     strings.ToLower(strings.TrimSpace(s.get(EnvExchange))),
		RESTURL:      s.get(EnvRESTURL),
		WSURL:        s.get(EnvWSURL),
		APIAddr:      s.get(EnvAPIAddr),
		APIToken:     s.get(EnvAPIToken),
		SSHAddr:      s.get(EnvSSHAddr),
		PaperBalance: s.get(EnvPaperBalance),
		PaperFee:     s.get(EnvPaperFee),
	}
	if st.Home == "" {
		st.Home = defaultHome(s.Getenv)
	}
	if st.Exchange == "" {
		st.Exchange = "sim"
	}
	if !validExchange(st.Exchange) {
		return st, warnings, fmt.Errorf("config: %s=%q is not one of %s", EnvExchange, st.Exchange, strings.Join(Exchanges, ", "))
	}
	syms := s.get(EnvSymbols)
	if syms == "" {
		syms = "BTCUSDT,ETHUSDT,SOLUSDT,BNBUSDT"
	}
	for _, sym := range strings.Split(syms, ",") {
		sym = strings.ToUpper(strings.TrimSpace(sym))
		if sym == "" {
			continue
		}
		if !validSymbol(sym) {
			return st, warnings, fmt.Errorf("config: %s: %q is not a symbol like BTCUSDT", EnvSymbols, sym)
		}
		st.Symbols = append(st.Symbols, sym)
	}
	if len(st.Symbols) == 0 {
		return st, warnings, fmt.Errorf("config: %s is empty", EnvSymbols)
	}
	if v := s.get(EnvKDFIterations); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return st, warnings, fmt.Errorf("config: %s=%q is not a whole number", EnvKDFIterations, v)
		}
		if n < MinKDFIterations {
			return st, warnings, fmt.Errorf("config: %s=%d is too low: at least %d iterations are required", EnvKDFIterations, n, MinKDFIterations)
		}
		st.KDFIterations = n
	}
	if st.APIAddr == "" {
		st.APIAddr = "127.0.0.1:7465"
	}
	if st.SSHAddr == "" {
		st.SSHAddr = "127.0.0.1:2222"
	}
	if v := s.get(EnvAPIAllowRemote); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return st, warnings, fmt.Errorf("config: %s=%q must be true or false", EnvAPIAllowRemote, v)
		}
		st.APIAllowRemote = b
	}
	if v := s.get(EnvSSH); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return st, warnings, fmt.Errorf("config: %s=%q must be true or false", EnvSSH, v)
		}
		st.SSH = b
	}
	st.KeyCheckInterval = DefaultKeyCheckInterval
	if v := s.get(EnvKeyCheckInterval); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < time.Minute || d > 7*24*time.Hour {
			return st, warnings, fmt.Errorf("config: %s=%q must be a duration from 1m to 168h (such as 4h)", EnvKeyCheckInterval, v)
		}
		st.KeyCheckInterval = d
	}
	st.SimSpeed = 1
	if v := s.get(EnvSimSpeed); v != "" {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f <= 0 || f > 1e6 {
			return st, warnings, fmt.Errorf("config: %s=%q must be a positive number (1 is real time)", EnvSimSpeed, v)
		}
		st.SimSpeed = f
	}
	if v := s.get(EnvSimSeed); v != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return st, warnings, fmt.Errorf("config: %s=%q is not a whole number", EnvSimSeed, v)
		}
		st.SimSeed, st.SimSeedSet = n, true
	} else {
		// No seed set: new randomness each start, continuing from the last prices seen.
		// Set one to replay the same prices.
		st.SimSeed = time.Now().UnixNano()
	}
	ai, err := s.loadAI()
	if err != nil {
		return st, warnings, err
	}
	st.AI = ai
	for _, a := range []struct{ name, addr string }{{EnvAPIAddr, st.APIAddr}, {EnvSSHAddr, st.SSHAddr}} {
		host, _, err := net.SplitHostPort(a.addr)
		if err != nil {
			return st, warnings, fmt.Errorf("config: %s=%q is not host:port", a.name, a.addr)
		}
		if strings.HasPrefix(host, "-") {
			return st, warnings, fmt.Errorf("config: %s=%q: a host name cannot start with '-'", a.name, a.addr)
		}
	}
	return st, warnings, nil
}

// TakePassphrase returns the value of a passphrase variable (EnvVaultPassphrase or
// EnvNewVaultPassphrase) from the environment or .env and removes it from the process
// environment, so no child process can inherit it. ok is false when it is not set.
func (s *Source) TakePassphrase(name string) (pass []byte, ok bool) {
	v := ""
	if s.Getenv != nil {
		v = s.Getenv(name)
	}
	if v == "" && s.dotenv != nil {
		v = s.dotenv[name]
	}
	if s.Unsetenv != nil {
		_ = s.Unsetenv(name)
	}
	if s.dotenv != nil {
		delete(s.dotenv, name)
	}
	if v == "" {
		return nil, false
	}
	return []byte(v), true
}

func (s *Source) get(name string) string {
	if s.Getenv != nil {
		if v := s.Getenv(name); v != "" {
			return v
		}
	}
	return s.dotenv[name]
}

func defaultHome(getenv func(string) string) string {
	if getenv != nil {
		if x := getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "quantdeck")
		}
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, ".local", "share", "quantdeck")
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "quantdeck")
	}
	return "quantdeck-data"
}

func validExchange(e string) bool {
	for _, x := range Exchanges {
		if x == e {
			return true
		}
	}
	return false
}

func validSymbol(s string) bool {
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// IsLoopback reports whether a listen address binds only the loopback interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
