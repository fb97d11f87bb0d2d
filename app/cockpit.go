package app

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/quantdeck/quantdeck/tui"
)

// Cockpit builds a cockpit over the running engine. ctx ends its engine subscription; r is the
// terminal's renderer (one per SSH session). A detached cockpit (an SSH session) leaves the
// bots running when it quits.
func (a *App) Cockpit(ctx context.Context, r *lipgloss.Renderer, detached bool) tea.Model {
	onUnlock := a.Resume
	if detached {
		onUnlock = a.resumeForSession
	}
	// With the enrichment off no client exists, so the cockpit cannot reach Anthropic; a client
	// that cannot be built (a malformed QUANTDECK_AI_BASE_URL) leaves it off and says why in the log.
	aiClient, err := a.CockpitAI()
	if err != nil {
		a.Log.Warn("AI panel off", "err", err)
	}
	return tui.New(tui.Options{
		Engine:        a.Engine,
		Vault:         a.Vault,
		Checker:       a.Checker,
		Renderer:      r,
		Exchange:      a.Settings.Exchange,
		Version:       a.Version,
		KDFIterations: a.Settings.KDFIterations,
		OnUnlock:      onUnlock,
		EngineFailure: a.EngineFailure,
		Context:       ctx,
		Detached:      detached,
		Home:          a.Settings.Home,
		AI:            aiClient,
	})
}

// resumeForSession resumes the engine after an SSH session unlocked the vault.
func (a *App) resumeForSession(ctx context.Context) error {
	if err := a.Resume(ctx); err != nil {
		return fmt.Errorf("resuming bots after unlock: %w", err)
	}
	a.Log.Info("ssh: vault unlocked from a session; bots resumed")
	return nil
}
