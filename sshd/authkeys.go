package sshd

import (
	"bytes"
	"fmt"
	"os"

	gossh "golang.org/x/crypto/ssh"
)

// AuthorizedKeysFile is the name of the file in QUANTDECK_HOME that lists the public keys
// allowed to open the cockpit over SSH.
const AuthorizedKeysFile = "authorized_keys"

// maxAuthorizedKeysSize bounds how much of authorized_keys is read on each login attempt.
const maxAuthorizedKeysSize = 1 << 20

const authorizedKeysHelp = `# QuantDeck: public keys allowed to open the cockpit over SSH (quantdeck serve --ssh).
#
# Add one key per line in OpenSSH format, for example the content of ~/.ssh/id_ed25519.pub
# on the machine you connect from:
#
#   ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... you@laptop
#
# Lines starting with # are ignored. Options before the key (from=, restrict, command=...)
# are not supported: such a line is skipped, never trusted with fewer restrictions.
# Changes apply to the next connection; the server does not need a restart.
# Keep this file private (mode 0600): QuantDeck refuses to serve while others can read it.
`

// ensureAuthorizedKeys creates an empty authorized_keys with instructions when it is missing
// and checks that it is private.
func ensureAuthorizedKeys(path string) (created bool, err error) {
	if _, err := os.Lstat(path); os.IsNotExist(err) {
		if created, err = createExclusive(path, []byte(authorizedKeysHelp)); err != nil {
			return false, err
		}
	}
	return created, checkPrivateFile(path)
}

// authorizedKey is one usable line of authorized_keys.
type authorizedKey struct {
	key     gossh.PublicKey
	comment string
}

// parseAuthorizedKeys reads authorized_keys content. Lines it cannot use are reported in
// problems (with their line number, never their content) and skipped; the others still count.
func parseAuthorizedKeys(data []byte) (keys []authorizedKey, problems []string) {
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, comment, options, rest, err := gossh.ParseAuthorizedKey(line)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("line %d: not a public key in OpenSSH format", n+1))
			continue
		case len(options) > 0:
			problems = append(problems, fmt.Sprintf("line %d: key options are not supported; remove them to use this key", n+1))
			continue
		case len(bytes.TrimSpace(rest)) > 0:
			problems = append(problems, fmt.Sprintf("line %d: unexpected text after the key", n+1))
			continue
		}
		if _, isCert := key.(*gossh.Certificate); isCert {
			problems = append(problems, fmt.Sprintf("line %d: certificates are not supported; add the plain public key", n+1))
			continue
		}
		keys = append(keys, authorizedKey{key: key, comment: comment})
	}
	return keys, problems
}

// loadAuthorizedKeys reads and parses authorized_keys after checking it is still private.
func loadAuthorizedKeys(path string) ([]authorizedKey, []string, error) {
	if err := checkPrivateFile(path); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("sshd: reading authorized keys: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(&limitedReader{f, maxAuthorizedKeysSize}); err != nil {
		return nil, nil, fmt.Errorf("sshd: reading %s: %w", path, err)
	}
	keys, problems := parseAuthorizedKeys(buf.Bytes())
	return keys, problems, nil
}

// findKey returns the authorized key equal to key, if any.
func findKey(keys []authorizedKey, key gossh.PublicKey) (authorizedKey, bool) {
	want := key.Marshal()
	for _, k := range keys {
		if bytes.Equal(k.key.Marshal(), want) {
			return k, true
		}
	}
	return authorizedKey{}, false
}

// limitedReader reads at most n bytes and then reports an error instead of a silent EOF, so a
// huge file is refused rather than half-trusted.
type limitedReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("file larger than %d bytes", maxAuthorizedKeysSize)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
