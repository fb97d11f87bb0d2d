package backtest

import "strconv"

// idBlock makes the replay's client order ids ("bt1", "bt2", ...) without a string
// allocation each: ids are cut out of one string written for a block of them, and blocks
// double in size, so n ids cost about log2(n) allocations.
type idBlock struct {
	text  string
	ends  []int // where each id of the block ends in text
	first int   // the number of the block's first id
	size  int   // ids in the next block
}

// next returns the id of order n; n counts up from 1 by one.
func (b *idBlock) next(n int) string {
	i := n - b.first
	if b.ends == nil || i >= len(b.ends) {
		b.fill(n)
		i = 0
	}
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.text[start:b.ends[i]]
}

// fill writes the block of ids that starts with n.
func (b *idBlock) fill(n int) {
	b.size = min(max(64, 2*b.size), 1<<16)
	buf := make([]byte, 0, b.size*(2+len(strconv.Itoa(n+b.size))))
	b.ends = b.ends[:0]
	for k := n; k < n+b.size; k++ {
		buf = append(buf, "bt"...)
		buf = strconv.AppendInt(buf, int64(k), 10)
		b.ends = append(b.ends, len(buf))
	}
	b.text, b.first = string(buf), n
}
