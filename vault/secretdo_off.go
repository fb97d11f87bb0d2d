//go:build !goexperiment.runtimesecret

package vault

// secretDo just calls f: without GOEXPERIMENT=runtimesecret, Go cannot erase what library code
// leaves on the stack and heap (HMAC pads, AES key schedules). QuantDeck still zeroes its own
// buffers.
func secretDo(f func()) { f() }

// secretErasure reports whether library residue is erased (for the log at start).
const secretErasure = false
