package binance

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// hmacBlock is SHA-256's block size, the width of HMAC's inner and outer pads.
const hmacBlock = 64

// signer computes HMAC-SHA256 with reusable SHA-256 states. hmac.New allocates two hash states
// and two pads per call; a signed request only needs the pads, which depend on the secret and
// are rebuilt (and wiped) for every signature, so the hash states can be pooled safely.
type signer struct {
	inner, outer hash.Hash
	ipad, opad   [hmacBlock]byte
	k0           [sha256.Size]byte
	sum          [sha256.Size]byte
}

// signerPool hands out signers; its zero value is ready to use.
type signerPool struct{ p sync.Pool }

func (sp *signerPool) get() *signer {
	if s, ok := sp.p.Get().(*signer); ok {
		return s
	}
	return &signer{inner: sha256.New(), outer: sha256.New()}
}

func (sp *signerPool) put(s *signer) { sp.p.Put(s) }

// appendSignature appends the lowercase hex HMAC-SHA256 of payload under secret to dst.
// Every secret-derived byte held by the signer is zeroed before it returns.
func (sp *signerPool) appendSignature(dst, secret, payload []byte) []byte {
	s := sp.get()
	dst = s.appendHMAC(dst, secret, payload)
	sp.put(s)
	return dst
}

func (s *signer) appendHMAC(dst, secret, payload []byte) []byte {
	key := secret
	if len(key) > hmacBlock {
		s.inner.Reset()
		s.inner.Write(key)
		key = s.inner.Sum(s.k0[:0])
	}
	for i := range hmacBlock {
		var b byte
		if i < len(key) {
			b = key[i]
		}
		s.ipad[i] = b ^ 0x36
		s.opad[i] = b ^ 0x5c
	}
	s.inner.Reset()
	s.inner.Write(s.ipad[:])
	s.inner.Write(payload)
	innerSum := s.inner.Sum(s.sum[:0])
	s.outer.Reset()
	s.outer.Write(s.opad[:])
	s.outer.Write(innerSum)
	dst = hex.AppendEncode(dst, s.outer.Sum(s.sum[:0]))
	s.wipe()
	return dst
}

// wipe zeroes the pads and intermediate sums and resets both hash states. After a Reset the
// SHA-256 chaining value is the public initial vector, but Reset does not clear the state's
// block buffer, which still holds the tail of the last write that did not fill a block: for a
// secret longer than a block, the end of the secret. Writing a block less one byte of zeros
// after a Reset overwrites that buffer entirely; a second Reset forgets the zeros.
func (s *signer) wipe() {
	clear(s.ipad[:])
	clear(s.opad[:])
	clear(s.k0[:])
	clear(s.sum[:])
	zeros := s.ipad[:hmacBlock-1] // cleared above; the signer's own memory, so nothing allocates
	s.inner.Reset()
	s.inner.Write(zeros)
	s.inner.Reset()
	s.outer.Reset()
	s.outer.Write(zeros)
	s.outer.Reset()
}
