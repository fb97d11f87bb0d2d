package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/fernet/fernet-go"
)

// pyFernet runs a batch of operations with Python's cryptography package, keyed with the
// base64url key in QD_FERNET_KEY: standard input is a JSON list of {"op": "decrypt"|"encrypt",
// "data": base64}, standard output the list of results (base64), in order. One process per
// test keeps the interpreter's start-up cost to one.
const pyFernet = `
import base64, json, os, sys
from cryptography.fernet import Fernet
f = Fernet(os.environ["QD_FERNET_KEY"].encode())
out = []
for req in json.load(sys.stdin):
    data = base64.b64decode(req["data"])
    res = f.decrypt(data) if req["op"] == "decrypt" else f.encrypt(data)
    out.append(base64.b64encode(res).decode())
json.dump(out, sys.stdout)
`

type pyOp struct {
	Op   string `json:"op"`
	Data []byte `json:"data"`
}

// python returns a runner for pyFernet, or skips the test when python3 or its cryptography
// package is not installed (Debian: python3-cryptography; CI installs it).
func python(t *testing.T) func(ctx context.Context, key *fernet.Key, ops []pyOp) [][]byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command(py, "-c", "import cryptography.fernet").Run(); err != nil {
		t.Skip("python3's cryptography package is not installed (apt-get install python3-cryptography)")
	}
	return func(ctx context.Context, key *fernet.Key, ops []pyOp) [][]byte {
		t.Helper()
		in, err := json.Marshal(ops)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, py, "-c", pyFernet)
		cmd.Env = append(os.Environ(), "QD_FERNET_KEY="+key.Encode())
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("python3: %v: %s", err, strings.TrimSpace(stderr.String()))
		}
		var res [][]byte
		if err := json.Unmarshal(out, &res); err != nil || len(res) != len(ops) {
			t.Fatalf("python3 answered %q: %v", out, err)
		}
		return res
	}
}

// Tokens interoperate with Python's cryptography in both directions, so a vault can be
// audited with the tools its format documentation names.
func TestFernetInteroperatesWithPython(t *testing.T) {
	run := python(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := (*fernet.Key)(bytes.Repeat([]byte{0x42}, 32))
	msgs := []string{"", "x", "sixteen bytes!!!", "a longer secret that spans several AES blocks"}
	var ops []pyOp
	for _, msg := range msgs {
		ours, err := sealToken(key, []byte(msg), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, pyOp{"decrypt", []byte(ours)}, pyOp{"encrypt", []byte(msg)})
	}
	res := run(ctx, key, ops)
	for i, msg := range msgs {
		if got := res[2*i]; string(got) != msg {
			t.Errorf("python could not read our token for %q: got %q", msg, got)
		}
		got, err := openToken(key, string(res[2*i+1]))
		if err != nil || string(got) != msg {
			t.Errorf("could not read python's token for %q: %q, %v", msg, got, err)
		}
	}
}

// A whole vault's tokens open in Python with the key derived as the format says.
func TestVaultTokensOpenInPython(t *testing.T) {
	run := python(t)
	ctx := context.Background()
	v, db, _, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "main", "binance", []byte("PYKEY"), []byte("PYSECRET"), simPerms); err != nil {
		t.Fatal(err)
	}
	var salt []byte
	var iterations int
	var verifier, apiSecret string
	if err := db.QueryRow(`SELECT salt, iterations, verifier FROM vault`).Scan(&salt, &iterations, &verifier); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT api_secret FROM credentials WHERE label = 'main'`).Scan(&apiSecret); err != nil {
		t.Fatal(err)
	}
	key := new(fernet.Key)
	if err := deriveInto(ctx, key[:], testPass, salt, iterations); err != nil {
		t.Fatal(err)
	}
	res := run(ctx, key, []pyOp{{"decrypt", []byte(verifier)}, {"decrypt", []byte(apiSecret)}})
	if string(res[0]) != verifierText {
		t.Errorf("verifier decrypts to %q in python", res[0])
	}
	if string(res[1]) != "PYSECRET" {
		t.Errorf("api_secret decrypts to %q in python", res[1])
	}
}
