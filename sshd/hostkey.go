package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"

	gossh "golang.org/x/crypto/ssh"
)

// HostKeyFile is the name of the server's private host key in QUANTDECK_HOME.
const HostKeyFile = "ssh_host_ed25519_key"

// loadOrCreateHostKey reads the host key, generating an ed25519 key (0600) on first start, and
// returns it parsed and as the PEM the server is given. The key must stay the same across
// restarts so clients can pin it in known_hosts.
func loadOrCreateHostKey(path string) (signer gossh.Signer, pemData []byte, created bool, err error) {
	if _, err := os.Lstat(path); os.IsNotExist(err) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, false, fmt.Errorf("sshd: generating host key: %w", err)
		}
		block, err := gossh.MarshalPrivateKey(priv, "quantdeck host key")
		if err != nil {
			return nil, nil, false, fmt.Errorf("sshd: encoding host key: %w", err)
		}
		if created, err = createExclusive(path, pem.EncodeToMemory(block)); err != nil {
			return nil, nil, false, err
		}
	}
	if err := checkPrivateFile(path); err != nil {
		return nil, nil, false, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, false, fmt.Errorf("sshd: reading host key: %w", err)
	}
	signer, err = gossh.ParsePrivateKey(data)
	if err != nil {
		// Never echo the parser's message: it may quote key material.
		return nil, nil, false, fmt.Errorf("sshd: %s is not an unencrypted OpenSSH private key; move it away to generate a new one", path)
	}
	return signer, data, created, nil
}
