package vault

import "github.com/fernet/fernet-go"

// The vault's key material lives in one small buffer outside the Go heap: one page mapped for
// the vault alone, locked into RAM (mlock, so it is never written to swap) and excluded from
// core dumps where the system allows it. The garbage collector neither moves nor copies it,
// so zeroing it really removes the key. It holds three 32-byte slots:
//
//	current  the derived key of the unlocked vault; zeroed by Seal and Close
//	scratch  a candidate key while a passphrase is checked (under the unlock lock)
//	next     the new key while the passphrase changes or a vault is created (same lock)
const (
	slotCurrent = iota
	slotScratch
	slotNext
	numSlots
)

// keyPage is the locked buffer. Its methods are not synchronised: the Vault's locks say who
// may touch which slot.
type keyPage struct {
	mem    []byte
	locked bool // false when the system refused mlock; the buffer is still zeroed as usual
	unmap  func() error
}

// slot returns slot i as a Fernet key, which is a [32]byte: fernet-go reads it in place.
func (p *keyPage) slot(i int) *fernet.Key {
	return (*fernet.Key)(p.mem[i*fernetKeyLen : (i+1)*fernetKeyLen])
}

// bytes returns slot i as a byte slice over the same memory.
func (p *keyPage) bytes(i int) []byte { return p.mem[i*fernetKeyLen : (i+1)*fernetKeyLen] }

// clearSlot zeroes slot i.
func (p *keyPage) clearSlot(i int) { clear(p.bytes(i)) }

// release zeroes every slot and gives the page back to the system.
func (p *keyPage) release() error {
	clear(p.mem)
	if p.unmap == nil {
		return nil
	}
	err := p.unmap()
	p.mem, p.unmap = nil, nil
	return err
}
