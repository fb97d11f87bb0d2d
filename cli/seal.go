package cli

import "context"

func cmdSeal(context.Context, *Env, []string) error { return errNotBuilt }
