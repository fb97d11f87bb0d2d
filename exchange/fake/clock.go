package fake

import (
	"time"

	qdclock "github.com/quantdeck/quantdeck/clock"
)

// Clock is a clock that moves only when told (clock.Fake). A test shares one between the fake
// exchange (Options.Clock), the client and the engine, and lets them "sleep" by advancing it,
// so a minute's wait or a request held until the end of its receive window takes no real time.
type Clock = qdclock.Fake

// NewClock returns a clock that reads start until it is advanced.
func NewClock(start time.Time) *Clock { return qdclock.NewFake(start) }
