package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/tui/common"
)

// vaultSealedMsg says the vault was sealed while the cockpit was open.
type vaultSealedMsg struct{}

// sealCheckCmd reports a vault that was unlocked and is sealed now, and otherwise nothing.
func sealCheckCmd(v common.Unlocker) tea.Cmd {
	return func() tea.Msg {
		if v != nil && !v.Unlocked() {
			return vaultSealedMsg{}
		}
		return nil
	}
}
