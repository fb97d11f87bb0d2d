package vault

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fernet/fernet-go"
)

// The on-disk format is what DESIGN.md documents, so a user can audit the vault with other
// tools: the Fernet key is base64url(PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32)) and
// every secret is a plain Fernet token. This decrypts the database with the standard library's
// PBKDF2 and an independent Fernet implementation only.
func TestVaultFormatIsAuditableWithOtherTools(t *testing.T) {
	ctx := context.Background()
	v, db, _, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "main", "binance", []byte("AUDITKEY"), []byte("AUDITSECRET"), simPerms); err != nil {
		t.Fatal(err)
	}
	var salt []byte
	var iterations int
	var verifier, apiKey, apiSecret string
	if err := db.QueryRow(`SELECT salt, iterations, verifier FROM vault`).Scan(&salt, &iterations, &verifier); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT api_key, api_secret FROM credentials WHERE label = 'main'`).Scan(&apiKey, &apiSecret); err != nil {
		t.Fatal(err)
	}
	if len(salt) != 16 || iterations != testIter {
		t.Fatalf("salt %d bytes, iterations %d", len(salt), iterations)
	}
	raw, err := pbkdf2.Key(sha256.New, string(testPass), salt, iterations, 32)
	if err != nil {
		t.Fatal(err)
	}
	key, err := fernet.DecodeKey(base64.URLEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]string{verifier: verifierText, apiKey: "AUDITKEY", apiSecret: "AUDITSECRET"} {
		if got := fernet.VerifyAndDecrypt([]byte(tok), 0, []*fernet.Key{key}); string(got) != want {
			t.Errorf("token decrypts to %q, want %q", got, want)
		}
	}
}

// goldenVault is a vault written by QuantDeck before the token layer moved to fernet-go
// (testdata/golden/vault-v1.json): the rows as they sit on disk, and what they hold.
type goldenVault struct {
	Passphrase     string `json:"passphrase"`
	Salt           []byte `json:"salt"`
	Iterations     int    `json:"iterations"`
	Verifier       string `json:"verifier"`
	Label          string `json:"label"`
	Exchange       string `json:"exchange"`
	APIKeyToken    string `json:"api_key_token"`
	APISecretToken string `json:"api_secret_token"`
	APIKey         string `json:"api_key"`
	APISecret      string `json:"api_secret"`
}

// An existing vault opens: its rows, put into a fresh store, unlock with the passphrase, lend
// the same key and secret, and refuse a wrong passphrase.
func TestExistingVaultOpens(t *testing.T) {
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "vault-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenVault
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	db, _ := openDB(t)
	if _, err := db.Exec(`INSERT INTO vault (id, salt, iterations, verifier, created_at, updated_at) VALUES (1, ?, ?, ?, '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z')`,
		g.Salt, g.Iterations, g.Verifier); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO credentials (label, exchange, api_key, api_secret, created_at, can_trade, perms_checked) VALUES (?, ?, ?, ?, '2026-01-02T03:04:05Z', 1, 1)`,
		g.Label, g.Exchange, g.APIKeyToken, g.APISecretToken); err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	v := newTestVault(t, db, clk)
	if err := v.Unlock(ctx, []byte("not the passphrase")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if err := v.Unlock(ctx, []byte(g.Passphrase)); err != nil {
		t.Fatal(err)
	}
	var gotKey, gotSecret string
	if err := v.Lender(g.Label).Use(ctx, func(k, s []byte) error {
		gotKey, gotSecret = string(k), string(s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if gotKey != g.APIKey || gotSecret != g.APISecret {
		t.Fatal("the stored key pair did not come back as it was stored")
	}
	// It keeps working after a passphrase change under the new token layer.
	if err := v.ChangePassphrase(ctx, []byte(g.Passphrase), newPass, testIter); err != nil {
		t.Fatal(err)
	}
	if got := secretsOf(t, v); got[g.Label] != g.APIKey+"/"+g.APISecret {
		t.Fatal("the key pair changed with the passphrase")
	}
}
