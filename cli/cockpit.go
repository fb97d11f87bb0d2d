package cli

import "context"

func cmdCockpit(context.Context, *Env, []string) error { return errNotBuilt }
