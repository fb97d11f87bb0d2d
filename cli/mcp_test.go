package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPOverPipes runs `quantdeck mcp` as a local AI client would: the binary on the other end
// of its standard input and output.
func TestMCPOverPipes(t *testing.T) {
	home := newHome(t)
	mustQD(t, 0, home, "", []string{"QUANTDECK_SIM_SEED=7"}, "bots", "add", "--name", "grid1", "--symbol", "BTCUSDT", "--strategy", "grid",
		"--set", "lower=59000", "--set", "upper=61000", "--set", "levels=5", "--set", "quantity=0.001", "--budget", "500")
	mustQD(t, 0, home, "", []string{"QUANTDECK_SIM_SEED=7"}, "data", "fetch", "--symbol", "BTCUSDT", "--interval", "1h", "--from", "2025-01-01", "--to", "2025-01-05")
	dbBefore, err := os.ReadFile(filepath.Join(home, "quantdeck.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, allow := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		args := []string{"mcp"}
		if allow {
			args = append(args, "--allow-paper-control")
		}
		cmd := exec.Command(quantdeckBin, args...)
		cmd.Dir = filepath.Dir(home)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(home), "QUANTDECK_HOME=" + home, "QUANTDECK_SIM_SEED=7"}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range tools.Tools {
			names = append(names, tl.Name)
		}
		hasControl := strings.Contains(strings.Join(names, ","), "start_paper_bot")
		if hasControl != allow {
			t.Fatalf("allow=%v: tools %v", allow, names)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_bots"})
		if err != nil || res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, `"name": "grid1"`) {
			t.Fatalf("list_bots: %v %+v", err, res)
		}
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "status"})
		if err != nil || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, `"engine": "not running"`) {
			t.Fatalf("status: %v %+v", err, res)
		}
		if allow {
			// No engine runs: starting is refused with what to do, and nothing changes.
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "start_paper_bot", Arguments: map[string]any{"name": "grid1"}})
			if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "start the cockpit or serve") {
				t.Fatalf("start without engine: %v %+v", err, res)
			}
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "backtest_paper_bot", Arguments: map[string]any{"name": "grid1", "from": "2025-01-01"}})
			if err != nil || res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, `"max_drawdown_pct"`) {
				t.Fatalf("backtest_paper_bot: %v %+v", err, res)
			}
		}
		cs.Close()
		cancel()
	}
	dbAfter, err := os.ReadFile(filepath.Join(home, "quantdeck.db"))
	if err != nil {
		t.Fatal(err)
	}
	if string(dbAfter) != string(dbBefore) {
		t.Fatal("mcp changed the database")
	}
}
