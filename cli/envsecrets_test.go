package cli

import (
	"testing"

	"github.com/quantdeck/quantdeck/config"
)

func TestDropSecretVariables(t *testing.T) {
	vars := map[string]string{
		config.EnvNewVaultPassphrase: "a new passphrase here",
		config.EnvAPIToken:           "0123456789abcdef0123456789abcdef",
		config.EnvExchange:           "sim",
	}
	env := &Env{Source: &config.Source{
		Getenv:   func(k string) string { return vars[k] },
		Unsetenv: func(k string) error { delete(vars, k); return nil },
	}}
	dropSecretVariables(env)
	for _, k := range []string{config.EnvNewVaultPassphrase, config.EnvAPIToken} {
		if _, ok := vars[k]; ok {
			t.Errorf("%s is still in the environment", k)
		}
	}
	if vars[config.EnvExchange] != "sim" {
		t.Error("a setting that is not secret was removed")
	}
}
