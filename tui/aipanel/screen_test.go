package aipanel

import (
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// A suggestion opens the bot form: the bot's own, keeping its mode (a live bot's change is
// confirmed as any live change), or a new paper bot when the bot is gone. Nothing is saved.
func TestPrefillOpensTheBotForm(t *testing.T) {
	snap := fixture.Snapshot(2, 5, 0) // bot-04 is live, the others paper
	for _, tc := range []struct {
		name, bot string
		wantEdit  bool
		wantMode  engine.Mode
	}{
		{"paper bot", "bot-00", true, engine.Paper},
		{"live bot stays live", "bot-04", true, engine.Live},
		{"bot gone: a new paper bot", "bot-99", false, engine.Paper},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, h := fixture.Common(&snap, nil)
			c.AI = &fakeAsker{}
			scr, _ := NewScreen(c, common.Args{AIKind: "review", Bot: tc.bot, Symbol: "BTCUSDT"})
			scr.Update(FormPrefillMsg{Bot: tc.bot, Params: map[string]string{"amount": "40", "interval": "6h"}})
			if len(h.Opened) != 1 || h.Opened[0] != common.ScreenBotForm {
				t.Fatalf("opened %v, want the bot form", h.Opened)
			}
			a := h.OpenedWith[0]
			cfg := a.Draft
			if tc.wantEdit {
				cfg = a.Edit
			}
			if cfg == nil || (a.Edit != nil) != tc.wantEdit {
				t.Fatalf("form args %+v, want editing=%v", a, tc.wantEdit)
			}
			if cfg.Mode != tc.wantMode || cfg.Params["amount"] != "40" || cfg.Params["interval"] != "6h" {
				t.Fatalf("form opened on %+v", *cfg)
			}
			if tc.wantEdit {
				orig, _ := c.FindBot(tc.bot)
				if orig.Config.Params["amount"] != "25" {
					t.Fatalf("the prefill changed the bot's own parameters: %v", orig.Config.Params)
				}
			}
		})
	}
}

// With the enrichment off the screen asks nothing and says how to turn it on.
func TestScreenWithAIOff(t *testing.T) {
	snap := fixture.Snapshot(2, 1, 0)
	c, _ := fixture.Common(&snap, nil)
	scr, cmd := NewScreen(c, common.Args{AIKind: "explain", Bot: "bot-00"})
	if cmd != nil {
		t.Fatal("AI off still gathered a request")
	}
	scr.SetSize(80, 20)
	if v := scr.View(fixture.Now); !strings.Contains(v, "QUANTDECK_AI=claude") {
		t.Fatalf("view:\n%s", v)
	}
}
