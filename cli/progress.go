package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/quantdeck/quantdeck/clock"
)

// progressBar draws one line on a terminal's stderr, at most every 100 ms; on anything that
// is not a terminal it draws nothing, so scripts and logs stay clean.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	label string
	last  time.Time
	drawn bool
	clk   clock.Clock
}

// newProgress returns a bar for env's stderr, shown only when that is a terminal.
func newProgress(env *Env, label string) *progressBar {
	f, ok := env.Stderr.(*os.File)
	on := ok && env.IsTerminal != nil && env.IsTerminal(f)
	return &progressBar{w: env.Stderr, on: on, label: label, clk: clock.System{}}
}

// set shows done of total with an optional note.
func (p *progressBar) set(done, total int, note string) {
	if p == nil || !p.on || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clk.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	filled := min(width, done*width/total)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %s\x1b[K", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done*100/total, note)
	p.drawn = true
}

// finish ends the bar's line.
func (p *progressBar) finish() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
