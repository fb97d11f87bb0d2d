package cli

import "errors"

// errNotBuilt is returned by commands whose implementation has not landed yet.
var errNotBuilt = errors.New("this command is not available in this build yet")
