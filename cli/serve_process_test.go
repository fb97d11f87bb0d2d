package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/instance"
)

// TestServeProcessStopsCleanlyOnSignals runs the real binary: a token from `quantdeck token`
// configures the API, a second serve for the same home is refused with the holder's pid, and
// SIGTERM or SIGHUP end it with exit code 0, the socket removed and the lock released.
func TestServeProcessStopsCleanlyOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			home := newHome(t)
			tok := strings.TrimSpace(mustQD(t, 0, home, "", nil, "token").stdout)
			addr := freeAddr(t)
			env := []string{"QUANTDECK_API_TOKEN=" + tok, "QUANTDECK_API_ADDR=" + addr, "QUANTDECK_SYMBOLS=BTCUSDT"}

			cmd := exec.Command(quantdeckBin, "serve")
			cmd.Dir = filepath.Dir(home)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(home), "QUANTDECK_HOME=" + home}, env...)
			var stderr lockedBuffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitDone := make(chan struct{})
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(waitDone) }()
			defer func() {
				select {
				case <-waitDone:
				default:
					cmd.Process.Kill()
					<-waitDone
				}
			}()

			deadline := time.Now().Add(30 * time.Second)
			for {
				req, _ := http.NewRequest("GET", "http://"+addr+"/v1/status", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == 200 {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("the API never answered:\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}

			second := mustQD(t, 1, home, "", env, "serve")
			if want := fmt.Sprintf("pid %d, quantdeck serve", cmd.Process.Pid); !strings.Contains(second.stderr, want) {
				t.Errorf("second serve: want %q in\n%s", want, second)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-waitDone:
				if waitErr != nil {
					t.Fatalf("serve after %v: %v\n%s", sig, waitErr, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("serve did not stop after %v:\n%s", sig, stderr.String())
			}
			out := stderr.String()
			if !strings.Contains(out, "serve: stopped") {
				t.Errorf("no clean stop logged:\n%s", out)
			}
			if strings.Contains(out, tok) {
				t.Error("the token reached the output")
			}
			if _, err := os.Lstat(instance.SocketPath(home)); !os.IsNotExist(err) {
				t.Errorf("control socket left behind: %v", err)
			}
			l, err := instance.Acquire(home)
			if err != nil {
				t.Fatalf("lock not released: %v", err)
			}
			l.Close()
			log, err := os.ReadFile(filepath.Join(home, "quantdeck.log"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(log, []byte("serve: stopping the engine")) || bytes.Contains(log, []byte(tok)) {
				t.Errorf("log file: stop line missing or token present")
			}
		})
	}
}
