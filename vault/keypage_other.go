//go:build !unix

package vault

// newKeyPage returns an ordinary buffer where pages cannot be locked; it is still zeroed at
// Seal and Close.
func newKeyPage() (*keyPage, error) {
	return &keyPage{mem: make([]byte, numSlots*fernetKeyLen)}, nil
}
