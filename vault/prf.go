package vault

import (
	"crypto/sha256"
	"encoding"
	"errors"
	"hash"
)

// hmacPRF is HMAC-SHA256 under one key, for PBKDF2's many calls, that can be wiped. crypto/hmac
// copies the key into key^ipad and key^opad buffers it never clears (and drops them for
// precomputed states on first use, still uncleared): for a passphrase up to 64 bytes, opad is
// the passphrase XORed with a public constant, left in the heap after every unlock.
//
// Like crypto/hmac, it absorbs the padded key once and keeps the two hash states that result
// (one-way functions of the key, never the key), restoring them for every call.
type hmacPRF struct {
	inner, outer           savableHash
	innerState, outerState []byte
	pad                    [sha256.BlockSize]byte
	sum                    [sha256.Size]byte
}

// savableHash is a hash whose state can be saved and restored, as crypto/sha256's can.
type savableHash interface {
	hash.Hash
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// newHMACPRF keys the PRF. Every buffer that held key-derived bytes other than the two
// states is cleared before it returns; call wipe when done.
func newHMACPRF(key []byte) (*hmacPRF, error) {
	in, okIn := sha256.New().(savableHash)
	out, okOut := sha256.New().(savableHash)
	if !okIn || !okOut {
		return nil, errors.New("pbkdf2: SHA-256 state cannot be saved")
	}
	p := &hmacPRF{inner: in, outer: out}
	if len(key) > sha256.BlockSize {
		p.inner.Write(key)
		key = p.inner.Sum(p.sum[:0])
	}
	for i := range p.pad {
		var b byte
		if i < len(key) {
			b = key[i]
		}
		p.pad[i] = b ^ 0x36
	}
	scrubHash(p.inner, &p.sum) // hashing a long key left its tail in the block buffer
	p.inner.Write(p.pad[:])
	var err error
	if p.innerState, err = p.inner.MarshalBinary(); err != nil {
		p.wipe()
		return nil, err
	}
	for i := range p.pad {
		p.pad[i] ^= 0x36 ^ 0x5c
	}
	p.outer.Write(p.pad[:])
	if p.outerState, err = p.outer.MarshalBinary(); err != nil {
		p.wipe()
		return nil, err
	}
	clear(p.pad[:])
	clear(p.sum[:])
	return p, nil
}

// mac appends HMAC(key, msg) to dst.
func (p *hmacPRF) mac(dst, msg []byte) []byte {
	// The saved states come from MarshalBinary of the same type: restoring them cannot fail.
	_ = p.inner.UnmarshalBinary(p.innerState)
	p.inner.Write(msg)
	inner := p.inner.Sum(p.sum[:0])
	_ = p.outer.UnmarshalBinary(p.outerState)
	p.outer.Write(inner)
	return p.outer.Sum(dst)
}

// wipe clears every key-derived byte the PRF holds.
func (p *hmacPRF) wipe() {
	clear(p.innerState)
	clear(p.outerState)
	clear(p.pad[:])
	clear(p.sum[:])
	scrubHash(p.inner, &p.sum)
	scrubHash(p.outer, &p.sum)
}

// scrubHash resets h and overwrites its block buffer, which Reset leaves as it was, with the
// zeros of zeroBuf (a block less one byte of zeros fills the buffer without being compressed).
func scrubHash(h hash.Hash, zeroBuf *[sha256.Size]byte) {
	clear(zeroBuf[:])
	h.Reset()
	h.Write(zeroBuf[:])
	h.Write(zeroBuf[:sha256.BlockSize-1-sha256.Size])
	h.Reset()
}
