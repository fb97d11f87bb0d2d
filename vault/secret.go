package vault

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

const redacted = "[redacted]"

// Secret holds sensitive bytes (a passphrase, an API secret). It never prints: fmt with any
// verb, slog, JSON and text encoders all see "[redacted]". Call Zero when done with it.
//
// fmt cannot call methods on unexported struct fields, so never keep a Secret in an
// unexported field of a struct that might be printed with %v.
type Secret []byte

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]" for %#v.
func (s Secret) GoString() string { return redacted }

// Format writes "[redacted]" whatever the verb and flags.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog log "[redacted]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes the secret as the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes the secret as "[redacted]" for text-based encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Zero overwrites the bytes with zeros.
func (s Secret) Zero() { clear(s) }

// Equal reports whether two secrets hold the same bytes, in constant time for equal lengths.
func (s Secret) Equal(o Secret) bool { return subtle.ConstantTimeCompare(s, o) == 1 }
