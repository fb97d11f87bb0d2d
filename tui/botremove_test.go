package tui

import (
	"testing"

	"github.com/quantdeck/quantdeck/engine"
)

func TestRemoveBot(t *testing.T) {
	tests := []struct {
		name      string
		prep      func(*engine.Snapshot)
		err       error
		keys      []string
		wantCalls []string
		wantView  []string
		notView   []string
		gone      bool // bot-00 left the bots table
	}{
		{
			name: "a stopped bot: asks, then removes", prep: stopAll, keys: []string{"D", "y"},
			wantCalls: []string{"RemoveBot bot-00"}, wantView: []string{"bot bot-00 removed"}, gone: true,
		},
		{
			name: "the question names the bot and what stays", prep: stopAll, keys: []string{"D"},
			wantView: []string{"Remove bot bot-00?", "orders, fills and history stay"},
		},
		{
			name: "answering no keeps it", prep: stopAll, keys: []string{"D", "n"},
			wantView: []string{"bot-00"},
		},
		{
			name: "a running bot is refused before asking", keys: []string{"D"},
			wantView: []string{"bot-00 is running: stop it with x, then remove it"}, notView: []string{"Remove bot"},
		},
		{
			name: "a paused bot is refused too", prep: func(s *engine.Snapshot) { s.Bots[0].State = engine.BotPaused },
			keys: []string{"D"}, wantView: []string{"bot-00 is paused: stop it with x"},
		},
		{
			name: "a bot in error is refused in words", prep: func(s *engine.Snapshot) { s.Bots[0].State = engine.BotError },
			keys: []string{"D"}, wantView: []string{"bot-00 is in error: stop it with x, then remove it"},
		},
		{
			name: "a stopped bot holding nothing says nothing of coins", prep: stopAll, keys: []string{"D"},
			notView: []string{"It holds"},
		},
		{
			name: "the engine's refusal is shown in words", prep: stopAll, err: errBoom, keys: []string{"D", "y"},
			wantCalls: []string{"RemoveBot bot-00"}, wantView: []string{"could not remove bot-00: boom"},
		},
		{
			name: "from the bot's detail screen, back to the dashboard", prep: stopAll,
			keys: []string{"tab", "enter", "D", "y"}, wantCalls: []string{"RemoveBot bot-00"},
			wantView: []string{"Watchlist", "bot bot-00 removed"}, gone: true,
		},
		{
			name: "a bot that holds coins says they stay", prep: func(s *engine.Snapshot) { stopAll(s); s.Bots[0].Position = d("0.00171828") },
			keys: []string{"D"}, wantView: []string{"It holds 0.00171828 on BTCUSDT: the coins stay in the account"},
		},
		{
			name: "a live bot says so", prep: liveFirst, keys: []string{"D"},
			wantView: []string{"Remove bot bot-00?", "A LIVE bot on key main"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := testSnapshot(4, 5, 30)
			if tc.prep != nil {
				tc.prep(&snap)
			}
			h := newDashboardHarness(t, snap)
			h.eng.err = tc.err
			h.keys(tc.keys...)
			h.wantCalls(tc.wantCalls...)
			h.wantView(tc.wantView...)
			h.wantNotView(tc.notView...)
			_, found := h.m.com.FindBot("bot-00")
			if found == tc.gone {
				t.Fatalf("bot-00 in the table = %v, want %v", found, !tc.gone)
			}
			if tc.gone {
				h.wantNotView("bot-00       dca") // its row in the bots table; its orders stay
			}
		})
	}
}

func TestRemoveBotIsInHelp(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.keys("?")
	h.wantView("D", "remove bot")
}
