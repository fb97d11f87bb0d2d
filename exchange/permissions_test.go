package exchange

import (
	"errors"
	"slices"
	"testing"
)

func TestPermissionsVerdict(t *testing.T) {
	tests := []struct {
		name    string
		p       Permissions
		refused error
		warn    []KeyWarning
	}{
		{"trade only, IP restricted", Permissions{CanTrade: true, IPRestricted: true, Checked: true}, nil, nil},
		{"trade only, any IP", Permissions{CanTrade: true, Checked: true}, nil, []KeyWarning{WarnNoIPRestriction}},
		{"can withdraw", Permissions{CanTrade: true, CanWithdraw: true, IPRestricted: true, Checked: true}, ErrKeyCanWithdraw, nil},
		{"can withdraw, cannot trade", Permissions{CanWithdraw: true, Checked: true}, ErrKeyCanWithdraw, nil},
		{"cannot trade", Permissions{IPRestricted: true, Checked: true}, ErrKeyCannotTrade, nil},
		{"unchecked", Permissions{CanTrade: true}, nil, []KeyWarning{WarnUnchecked}},
		{"unchecked but known to withdraw", Permissions{CanWithdraw: true}, ErrKeyCanWithdraw, nil},
		{"answer said nothing", Permissions{Checked: true, Unanswered: true}, ErrPermissionsUnknown, nil},
		{"answer said nothing, stale trade flag", Permissions{CanTrade: true, IPRestricted: true, Checked: true, Unanswered: true}, ErrPermissionsUnknown, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.p.Verdict()
			if tt.refused == nil && v.Refused != nil || tt.refused != nil && !errors.Is(v.Refused, tt.refused) {
				t.Fatalf("refused = %v, want %v", v.Refused, tt.refused)
			}
			if !slices.Equal(v.Warnings, tt.warn) {
				t.Fatalf("warnings = %v, want %v", v.Warnings, tt.warn)
			}
			for _, w := range tt.warn {
				if !v.Warns(w) {
					t.Fatalf("Warns(%s) = false", w)
				}
			}
		})
	}
}
