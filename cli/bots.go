package cli

import "context"

func cmdBots(context.Context, *Env, []string) error { return errNotBuilt }
