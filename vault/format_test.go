package vault

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
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
