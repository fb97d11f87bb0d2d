// Package vault owns QuantDeck's encrypted store of exchange API keys: turning the user's
// passphrase into a key (PBKDF2-HMAC-SHA256), sealing every secret as a Fernet token in SQLite,
// rotating keys and the passphrase, and lending decrypted key material for the length of one
// signed call. It also owns the Secret type, which never prints.
//
// On disk (tables created by the store's migrations):
//
//	vault(salt BLOB(16), iterations, verifier TEXT Fernet token, created_at, ...)
//	credentials(id, label, exchange, api_key TEXT Fernet token, api_secret TEXT Fernet token,
//	            created_at, retired_at, permissions seen at the last check, last_used_at)
//
// The Fernet key is base64url(PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32 bytes)), the
// recipe from the Python cryptography documentation, so a vault can be audited with other tools.
// Tokens are made and opened by github.com/fernet/fernet-go and the key is derived by
// golang.org/x/crypto/pbkdf2; the vault writes no cryptography of its own.
//
// Memory: the derived key lives in one page outside the Go heap, locked into RAM and zeroed at
// Seal and Close; decrypted secrets are zeroed after each signed call. Built with
// GOEXPERIMENT=runtimesecret, every derivation, decryption and signature runs under
// runtime/secret.Do, which also erases what the libraries leave behind (HMAC pads, AES key
// schedules, the string copy of the passphrase). Without it those copies stay in freed memory
// until reused: Go offers no other way to reach them.
//
// The exchange permission rule (exchange.Permissions.Verdict) is enforced here, on add and
// rotate, for exchange keys (a service key, see IsService, has no exchange permissions).
package vault
