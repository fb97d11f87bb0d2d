package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/ai/aifake"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/tui/common"
)

const aiTestKey = "sk-ant-test-cockpit"

type fixedAIKey struct{}

func (fixedAIKey) Use(_ context.Context, fn func([]byte) error) error { return fn([]byte(aiTestKey)) }

// recordingAI is the real client against the loopback fake, noting the kind of each request
// the cockpit builds.
type recordingAI struct {
	*ai.Client
	kinds []ai.Kind
}

func (r *recordingAI) Build(kind ai.Kind, in ai.Input) (ai.Request, error) {
	r.kinds = append(r.kinds, kind)
	return r.Client.Build(kind, in)
}

func aiHarness(t *testing.T, on bool) (*harness, *aifake.Server, *recordingAI) {
	t.Helper()
	fake := aifake.New(t, aiTestKey)
	h := newDashboardHarness(t, testSnapshot(2, 3, 0))
	if !on {
		return h, fake, nil
	}
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := ai.New(ai.Config{Enabled: true, BaseURL: fake.URL}, fixedAIKey{}, ai.NewLedger(db, nil))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingAI{Client: c}
	h.m.com.AI = rec
	return h, fake, rec
}

// toDetail opens the first bot's detail from the dashboard.
func toDetail(h *harness) { h.keys("tab", "enter") }

func TestAIKeysOpenThePanelOnTheirRequest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reach func(h *harness)
		key   string
		kind  ai.Kind
		title string
	}{
		{"explain from a bot's detail", toDetail, "E", ai.Explain, "Claude · explain · bot-00"},
		{"review from a bot's detail", toDetail, "V", ai.Review, "Claude · review · bot-00"},
		{"ask from the dashboard", func(h *harness) {}, "A", ai.Ask, "Claude · ask · "},
		{"ask about a bot from its detail", toDetail, "A", ai.Ask, "Claude · ask · bot-00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, fake, rec := aiHarness(t, true)
			tc.reach(h)
			h.keys(tc.key)
			if h.m.screen != common.ScreenAI {
				t.Fatalf("%s opened screen %v, want the AI panel", tc.key, h.m.screen)
			}
			if tc.kind == ai.Ask {
				h.typeText("Is it trending?")
				h.keys("enter")
			}
			h.flush()
			h.wantView(tc.title, "This exact request will be sent")
			if len(rec.kinds) != 1 || rec.kinds[0] != tc.kind {
				t.Fatalf("requests built: %v, want one %s", rec.kinds, tc.kind)
			}
			if n := len(fake.Requests()); n != 0 {
				t.Fatalf("%d requests sent before the user saw the first one", n)
			}
			fake.Push(aifake.Reply{Deltas: []string{"The market ", "moved sideways."}, InputTokens: 120, OutputTokens: 9})
			h.keys("enter")
			h.flush()
			h.wantView("The market moved sideways.", "tokens: 120 in, 9 out")
			reqs := fake.Requests()
			if len(reqs) != 1 || reqs[0].Header.Get("x-api-key") != aiTestKey {
				t.Fatalf("sent %d requests; want one, with the vault's key", len(reqs))
			}
			for _, c := range h.eng.Calls() {
				if strings.HasPrefix(c, "Place") || strings.HasPrefix(c, "Cancel") {
					t.Fatalf("the AI panel made an order call: %s", c)
				}
			}
		})
	}
}

func TestAIKeysWithAIOffOnlySaySo(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reach  func(h *harness)
		key    string
		screen common.ID
	}{
		{"explain", toDetail, "E", common.ScreenBotDetail},
		{"review", toDetail, "V", common.ScreenBotDetail},
		{"ask", func(h *harness) {}, "A", common.ScreenDashboard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, fake, _ := aiHarness(t, false)
			tc.reach(h)
			h.keys(tc.key)
			h.flush()
			if h.m.screen != tc.screen {
				t.Fatalf("%s with AI off moved to screen %v", tc.key, h.m.screen)
			}
			h.wantView(common.AIOff)
			if n := fake.Connections(); n != 0 {
				t.Fatalf("AI off made %d connections", n)
			}
		})
	}
}

func TestAISuggestionOpensTheBotFormPrefilled(t *testing.T) {
	h, fake, _ := aiHarness(t, true)
	toDetail(h)
	h.keys("V")
	fake.Push(aifake.Reply{Deltas: []string{"Buy less, less often.\n", "SUGGEST amount=40 interval=6h"}})
	h.keys("enter")
	h.flush()
	h.wantView("f opens the bot form pre-filled")
	h.keys("f")
	h.flush()
	if h.m.screen != common.ScreenBotForm {
		t.Fatalf("f opened screen %v, want the bot form", h.m.screen)
	}
	h.wantView("Edit bot bot-00", "[paper] live")
	for field, want := range map[string]string{"Amount": "40", "Interval": "6h", "Budget": "500"} {
		if got := formValue(h.View(), field); got != want {
			t.Errorf("%s = %q in the form, want %q", field, got, want)
		}
	}
	for _, c := range h.eng.Calls() {
		if strings.HasPrefix(c, "UpdateBot") || strings.HasPrefix(c, "AddBot") || strings.HasPrefix(c, "Place") || strings.HasPrefix(c, "Cancel") {
			t.Fatalf("a suggestion changed something before the user confirmed: %s", c)
		}
	}
}

// formValue is the first word after a form field's label.
func formValue(view, label string) string {
	for _, l := range strings.Split(view, "\n") {
		f := strings.Fields(strings.TrimLeft(l, " ›"))
		if len(f) > 1 && f[0] == label {
			return f[1]
		}
	}
	return ""
}
