package sla

import (
	"strings"
	"testing"
)

func TestConditions(t *testing.T) {
	t.Parallel()
	onHold := Facts{State: "on_hold", OnHoldReason: "awaiting_requester", Priority: 2, Open: true}
	tests := []struct {
		source  string
		facts   Facts
		want    bool
		wantErr string
	}{
		{source: `State == "on_hold" && OnHoldReason == "awaiting_requester"`, facts: onHold, want: true},
		{source: `State == "on_hold" && OnHoldReason == "awaiting_vendor"`, facts: onHold, want: false},
		{source: `State in ["resolved", "closed", "canceled"]`, facts: Facts{State: "closed"}, want: true},
		{source: `Priority <= 2 && Open`, facts: onHold, want: true},
		{source: `Responded || State != "new"`, facts: Facts{State: "new"}, want: false},
		{source: ``, facts: onHold, want: false},
		{source: `Colour == "red"`, wantErr: "unknown name Colour"},
		{source: `Priority == "high"`, wantErr: "mismatched types"},
		{source: `Priority + 1`, wantErr: "expected bool"},
		{source: `State ==`, wantErr: "unexpected"},
		{source: strings.Repeat(`Open && `, 300) + `Open`, wantErr: "longer than 2000"},
		{source: strings.Repeat(`Open && `, 150) + `Open`, wantErr: "exceeds"},
	}
	for _, tc := range tests {
		c, err := Compile(tc.source)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Compile(%.40q) error = %v, want %q", tc.source, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.source, err)
			continue
		}
		if got := c.True(tc.facts); got != tc.want {
			t.Errorf("%q on %+v = %v, want %v", tc.source, tc.facts, got, tc.want)
		}
	}
}
