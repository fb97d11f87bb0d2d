package cli

import "context"

func cmdKeys(context.Context, *Env, []string) error { return errNotBuilt }

func cmdVault(context.Context, *Env, []string) error { return errNotBuilt }
