package vault

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

// A removed key's tokens, and the tokens and verifier a passphrase change replaced, are gone
// from the database file and its -wal and -shm: no copy remains for the passphrase (the
// current one, or the old one that may have leaked) to open.
func TestReplacedTokensLeaveTheFiles(t *testing.T) {
	v, db, _, dir := createdVault(t)
	ctx := context.Background()
	perms := exchange.Permissions{CanTrade: true, Checked: true}
	for _, label := range []string{"keep", "gone", "also-kept"} {
		if _, err := v.AddCredential(ctx, label, "sim", []byte("KEY-"+label), []byte("SECRET-"+label), perms); err != nil {
			t.Fatal(err)
		}
	}
	gone := storedTokens(t, db, `SELECT api_key || ' ' || api_secret FROM credentials WHERE label = 'gone'`)
	if err := v.RemoveCredential(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	assertNotInFiles(t, dir, "removed key", gone)

	old := storedTokens(t, db, `SELECT api_key || ' ' || api_secret FROM credentials UNION ALL SELECT verifier FROM vault`)
	if err := v.ChangePassphrase(ctx, testPass, []byte("a brand new passphrase"), testIter); err != nil {
		t.Fatal(err)
	}
	assertNotInFiles(t, dir, "passphrase change", old)
}

func storedTokens(t *testing.T, db *sql.DB, query string) [][]byte {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Fields([]byte(s))...)
	}
	if len(out) == 0 {
		t.Fatalf("no tokens for %s", query)
	}
	return out
}

func assertNotInFiles(t *testing.T, dir, after string, tokens [][]byte) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(filepath.Join(dir, store.FileName+suffix))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			// The token's tail: its ciphertext and MAC, which no new token shares.
			if bytes.Contains(b, tok[len(tok)-40:]) {
				t.Errorf("after the %s, %s%s still holds a replaced token", after, store.FileName, suffix)
			}
		}
	}
}
