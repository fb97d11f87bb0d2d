package cli

import "context"

func cmdServe(context.Context, *Env, []string) error { return errNotBuilt }

func cmdToken(context.Context, *Env, []string) error { return errNotBuilt }
