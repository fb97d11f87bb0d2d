package cli

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/quantdeck/quantdeck/sshd"
)

// TestServeSSHProcess runs the real binary with --ssh: it creates authorized_keys and the host
// key (0600) in QUANTDECK_HOME, prints the host key's fingerprint and the command to attach,
// serves the cockpit to an authorized key, and on SIGTERM tells the attached client and exits 0.
func TestServeSSHProcess(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)

	cmd := exec.Command(quantdeckBin, "serve", "--ssh")
	cmd.Dir = filepath.Dir(home)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(home), "QUANTDECK_HOME=" + home,
		"QUANTDECK_SSH_ADDR=" + addr, "QUANTDECK_SYMBOLS=BTCUSDT",
	}
	stderr := &screenBuf{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	wantCmd := "ssh -p " + port + " localhost"
	if !stderr.waitFor(0, wantCmd, 30*time.Second) {
		t.Fatalf("serve --ssh never printed %q:\n%s", wantCmd, stderr.since(0))
	}
	for _, name := range []string{sshd.AuthorizedKeysFile, sshd.HostKeyFile} {
		fi, err := os.Stat(filepath.Join(home, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", name, fi.Mode().Perm())
		}
	}
	pem, err := os.ReadFile(filepath.Join(home, sshd.HostKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	fp := gossh.FingerprintSHA256(hostSigner.PublicKey())
	if !strings.Contains(stderr.since(0), fp) {
		t.Errorf("the host key fingerprint %s was not printed:\n%s", fp, stderr.since(0))
	}

	signer, line := sshClientKey(t)
	f, err := os.OpenFile(filepath.Join(home, sshd.AuthorizedKeysFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rig := &sshRig{addr: addr, host: hostSigner.PublicKey(), signer: signer}
	term := rig.attach(t)
	term.waitFor(t, 0, "Create the vault") // a fresh home: the first session creates the vault

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	term.waitFor(t, 0, "shutting down")
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("serve --ssh after SIGTERM: %v\n%s", waitErr, stderr.since(0))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve --ssh did not stop after SIGTERM:\n%s", stderr.since(0))
	}
	t.Logf("serve --ssh said:\n%s", stderr.since(0))
	if out := stderr.since(0); !strings.Contains(out, "ssh: stopped") {
		t.Errorf("the SSH server did not report a clean stop:\n%s", out)
	}
	logFile, err := os.ReadFile(filepath.Join(home, "quantdeck.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fp, "ssh: session attached", "ssh: stopped"} {
		if !strings.Contains(string(logFile), want) {
			t.Errorf("the log file lacks %q", want)
		}
	}
}
