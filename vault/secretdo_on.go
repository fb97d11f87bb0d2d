//go:build goexperiment.runtimesecret

package vault

import "runtime/secret"

// secretDo runs f under runtime/secret: the registers and stack f used are erased when it
// returns, and its heap allocations (HMAC pads, AES key schedules, PBKDF2 state, decrypted
// buffers) once the garbage collector finds them unreachable. Built with
// GOEXPERIMENT=runtimesecret (linux/amd64 and linux/arm64; elsewhere Do just calls f).
func secretDo(f func()) { secret.Do(f) }

// secretErasure reports whether library residue is erased (for the log at start).
const secretErasure = true
