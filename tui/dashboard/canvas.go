package dashboard

import (
	"unicode/utf8"

	"github.com/quantdeck/quantdeck/tui/common"
)

// canvas builds one frame of the dashboard in a reused buffer. Every cell is appended as bytes
// (text, padding, escape sequences), so a steady frame costs no allocation but the final string.
// w counts the visible cells of the current line; escape sequences do not count.
type canvas struct {
	b   []byte
	w   int
	num []byte // scratch for number formatting
}

func (c *canvas) reset() {
	c.b = c.b[:0]
	c.w = 0
}

func (c *canvas) newline() {
	c.b = append(c.b, '\n')
	c.w = 0
}

func (c *canvas) on(p common.Paint)  { c.b = append(c.b, p.On...) }
func (c *canvas) off(p common.Paint) { c.b = append(c.b, p.Off...) }

// raw appends a string that is already styled and fits, counting width cells.
func (c *canvas) raw(s string, width int) {
	c.b = append(c.b, s...)
	c.w += width
}

func (c *canvas) pad(n int) {
	for ; n > 0; n-- {
		c.b = append(c.b, ' ')
		c.w++
	}
}

// padTo pads the current line with spaces up to column x.
func (c *canvas) padTo(x int) { c.pad(x - c.w) }

// repeat appends a one-cell rune n times.
func (c *canvas) repeat(r string, n int) {
	for ; n > 0; n-- {
		c.b = append(c.b, r...)
		c.w++
	}
}

func bytesWidth(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		n += common.RuneCells(common.SafeRune(r))
		i += size
	}
	return n
}

// put appends s, sanitised, taking at most max cells; it returns the cells used.
func (c *canvas) put(s string, max int) int {
	used := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		r = common.SafeRune(r)
		cw := common.RuneCells(r)
		if used+cw > max {
			break
		}
		c.b = utf8.AppendRune(c.b, r)
		used += cw
		i += size
	}
	c.w += used
	return used
}

func (c *canvas) putBytes(s []byte, max int) int {
	used := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s[i:])
		}
		r = common.SafeRune(r)
		cw := common.RuneCells(r)
		if used+cw > max {
			break
		}
		c.b = utf8.AppendRune(c.b, r)
		used += cw
		i += size
	}
	c.w += used
	return used
}

// cell appends s in exactly w cells, aligned left or right, cut with an ellipsis when too long.
func (c *canvas) cell(s string, w int, right bool, p common.Paint) {
	if w <= 0 {
		return
	}
	tw := common.TextWidth(s)
	c.on(p)
	switch {
	case tw > w:
		n := c.put(s, w-1)
		c.b = append(c.b, "…"...)
		c.w++
		c.off(p)
		c.pad(w - 1 - n)
		return
	case right:
		c.pad(w - tw)
		c.put(s, w)
	default:
		c.put(s, w)
	}
	c.off(p)
	if !right {
		c.pad(w - tw)
	}
}

// cellBytes is cell for the scratch number buffer. The string and []byte twins stay apart on
// purpose: a generic version converts the buffer to a string and allocates on every frame.
func (c *canvas) cellBytes(s []byte, w int, right bool, p common.Paint) {
	if w <= 0 {
		return
	}
	tw := bytesWidth(s)
	c.on(p)
	switch {
	case tw > w:
		n := c.putBytes(s, w-1)
		c.b = append(c.b, "…"...)
		c.w++
		c.off(p)
		c.pad(w - 1 - n)
		return
	case right:
		c.pad(w - tw)
		c.putBytes(s, w)
	default:
		c.putBytes(s, w)
	}
	c.off(p)
	if !right {
		c.pad(w - tw)
	}
}

// ruleTo draws a pane title's rule from the current column up to end.
func (c *canvas) ruleTo(end int, p common.Paint) {
	if rest := end - c.w; rest > 0 {
		c.on(p)
		c.repeat("─", rest)
		c.off(p)
	}
}

// seg appends a styled segment if it fits before limit, and reports whether it did.
func (c *canvas) seg(s string, p common.Paint, limit int) bool {
	tw := common.TextWidth(s)
	if c.w+tw > limit {
		return false
	}
	c.on(p)
	c.put(s, tw)
	c.off(p)
	return true
}

func (c *canvas) segBytes(s []byte, p common.Paint, limit int) bool {
	tw := bytesWidth(s)
	if c.w+tw > limit {
		return false
	}
	c.on(p)
	c.putBytes(s, tw)
	c.off(p)
	return true
}
