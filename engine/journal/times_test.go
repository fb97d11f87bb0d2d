package journal

import (
	"testing"
	"time"
)

// Stored times sort as text in time order, which the journal's ORDER BY relies on; times
// written in the older trimmed form still load.
func TestStoredTimesSortInTimeOrder(t *testing.T) {
	base := time.Date(2026, 3, 10, 12, 0, 5, 0, time.UTC)
	tests := []struct {
		name          string
		before, after time.Time
	}{
		{"fractions of different lengths", base.Add(400 * time.Millisecond), base.Add(450 * time.Millisecond)},
		{"a whole second before a fraction", base, base.Add(100 * time.Millisecond)},
		{"nanoseconds", base.Add(time.Nanosecond), base.Add(2 * time.Nanosecond)},
		{"across a second", base.Add(999 * time.Millisecond), base.Add(time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := FormatTime(tc.before), FormatTime(tc.after)
			if a >= b {
				t.Fatalf("%q sorts after %q", a, b)
			}
			if got, err := ParseTime(a); err != nil || !got.Equal(tc.before) {
				t.Fatalf("ParseTime(%q) = %s, %v; want %s", a, got, err, tc.before)
			}
		})
	}
	if got, err := ParseTime("2026-03-10T12:00:05.45Z"); err != nil || !got.Equal(base.Add(450*time.Millisecond)) {
		t.Fatalf("a trimmed time reads as %s, %v", got, err)
	}
}
