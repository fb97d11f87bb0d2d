package cli

import (
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/exchange/fake"
)

// TestKeysAddChecksBinancePermissions runs `keys add` against the fake Binance on loopback: the
// exchange is asked what each key may do before anything is stored.
func TestKeysAddChecksBinancePermissions(t *testing.T) {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	withdraw := fake.TradeOnly()
	withdraw.Withdraw, withdraw.IPRestrict = true, true
	noTrade := fake.TradeOnly()
	noTrade.Trade = false
	restricted := fake.TradeOnly()
	restricted.IPRestrict = true
	for key, p := range map[string]fake.Permissions{
		"WITHDRAWKEY": withdraw, "READONLYKEY": noTrade, "TRADEKEY": fake.TradeOnly(), "IPKEY": restricted,
	} {
		if err := srv.AddKey(key, key+"SECRET", p, map[string]string{"USDT": "1000"}); err != nil {
			t.Fatal(err)
		}
	}
	env := append(withPass(pass1), "QUANTDECK_EXCHANGE=binance", "QUANTDECK_BINANCE_REST_URL="+srv.URL(),
		"QUANTDECK_BINANCE_WS_URL="+srv.WSURL())
	home := newHome(t)

	r := mustQD(t, 1, home, "WITHDRAWKEY\nWITHDRAWKEYSECRET\n", env, "keys", "add", "--label", "w", "--exchange", "binance")
	if !strings.Contains(r.stderr, "can withdraw") || !strings.Contains(r.stderr, "Enable Withdrawals") {
		t.Errorf("a withdrawal key was not refused with an explanation: %s", r)
	}
	r = mustQD(t, 1, home, "READONLYKEY\nREADONLYKEYSECRET\n", env, "keys", "add", "--label", "ro", "--exchange", "binance")
	if !strings.Contains(r.stderr, "cannot trade") {
		t.Errorf("a key that cannot trade was not refused: %s", r)
	}
	r = mustQD(t, 1, home, "TRADEKEY\nWRONGSECRET\n", env, "keys", "add", "--label", "bad", "--exchange", "binance")
	if strings.Contains(r.stdout+r.stderr, "WRONGSECRET") {
		t.Errorf("the secret leaked into the output: %s", r)
	}
	r = mustQD(t, 0, home, "TRADEKEY\nTRADEKEYSECRET\n", env, "keys", "add", "--label", "main", "--exchange", "binance")
	if !strings.Contains(r.stdout, "restrict this key") {
		t.Errorf("no IP restriction advice for an unrestricted key: %s", r)
	}
	mustQD(t, 0, home, "IPKEY\nIPKEYSECRET\n", env, "keys", "rotate", "--label", "main")
	r = mustQD(t, 0, home, "", env, "keys", "list")
	for _, want := range []string{"main", "binance", "active", "retired"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("keys list lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "w ") || strings.HasPrefix(line, "ro ") || strings.HasPrefix(line, "bad ") {
			t.Errorf("a refused key was stored: %q", line)
		}
	}
	assertNowhere(t, home, []cliResult{r}, "TRADEKEYSECRET", "IPKEYSECRET")
}

// TestKeysAddOnTestnetNeedsConfirmation: the testnet cannot report permissions, so the user
// must vouch for the key.
func TestKeysAddOnTestnetNeedsConfirmation(t *testing.T) {
	srv, err := fake.New(fake.Options{Testnet: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.AddKey("TESTKEY", "TESTSECRET", fake.TradeOnly(), map[string]string{"USDT": "1000"}); err != nil {
		t.Fatal(err)
	}
	env := append(withPass(pass1), "QUANTDECK_EXCHANGE=binance-testnet", "QUANTDECK_BINANCE_REST_URL="+srv.URL())
	home := newHome(t)
	r := mustQD(t, 1, home, "TESTKEY\nTESTSECRET\n", env, "keys", "add", "--label", "t", "--exchange", "binance-testnet")
	if !strings.Contains(r.stderr, "--yes") {
		t.Errorf("an unchecked key was accepted without confirmation: %s", r)
	}
	mustQD(t, 0, home, "TESTKEY\nTESTSECRET\n", env, "keys", "add", "--label", "t", "--exchange", "binance-testnet", "--yes")
}
