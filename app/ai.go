package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

// CockpitAI builds the Claude client the cockpit's AI panel asks; nil, and nothing built,
// while the enrichment is off (QUANTDECK_AI unset). The key is looked up in the vault at each
// call, so a cockpit opened on a sealed vault works once it is unlocked.
func (d *Data) CockpitAI() (common.AI, error) {
	st := d.Settings.AI
	if !st.Enabled {
		return nil, nil
	}
	c, err := ai.New(ai.Config{Enabled: true, Model: st.Model, BaseURL: st.BaseURL, DailyTokens: st.DailyTokens},
		aiKey{v: d.Vault, label: st.KeyLabel}, ai.NewLedger(d.DB, nil))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// aiKey lends the Anthropic key of the label set, or of the only one stored.
type aiKey struct {
	v     *vault.Vault
	label string
}

func (k aiKey) Use(ctx context.Context, fn func(apiKey []byte) error) error {
	label, err := AIKeyLabel(ctx, k.v, k.label)
	if err != nil {
		return err
	}
	return k.v.ServiceKey(label).Use(ctx, fn)
}

// AIKeyLabel is the label of the Anthropic key: the one set, or the only one stored.
func AIKeyLabel(ctx context.Context, v *vault.Vault, want string) (string, error) {
	list, err := v.Credentials(ctx)
	if err != nil {
		return "", err
	}
	var found []string
	for _, c := range list {
		if c.Active() && vault.IsService(c.Exchange) && (want == "" || c.Label == want) {
			found = append(found, c.Label)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return "", fmt.Errorf("ai: %d Anthropic keys are stored: choose one with %s", len(found), config.EnvAIKey)
	case want != "":
		return "", fmt.Errorf("ai: no Anthropic key labelled %q in the vault (see `quantdeck keys list`)", want)
	}
	return "", errors.New("ai: no Anthropic key in the vault: add one with `quantdeck keys add --exchange anthropic --label claude`")
}
