package app

import (
	"strings"
	"testing"
)

func TestCompareVerdictRanks(t *testing.T) {
	a3 := verdictCandidate{what: "Approach 3 (parametric fit)", a: 0.51, converged: true, rank: 1}
	a3bad := verdictCandidate{what: "Approach 3 (parametric fit)", a: 0.366, rank: 5}
	a2 := verdictCandidate{what: "Approach 2 (IsoFLOP minima of 4 budgets)", a: 0.777, rank: 2}
	a1 := verdictCandidate{what: "Approach 1 (loss-curve envelope)", a: 0.45, rank: 3}
	for _, tt := range []struct {
		cands      []verdictCandidate
		prefix     string
		contains   string
		notContain string
	}{
		{[]verdictCandidate{a3, a2}, "Approach 3 (parametric fit) has a = 0.510: closer to Chinchilla", "", "not converge"},
		{[]verdictCandidate{a3bad, a2}, "Approach 2 (IsoFLOP minima of 4 budgets) has a = 0.777: closer to Kaplan", "Approach 3 did not converge (a = 0.366), so it is not used", ""},
		{[]verdictCandidate{a3bad, a1}, "Approach 1 (loss-curve envelope) has a = 0.450", "Approach 3 did not converge", ""},
		{[]verdictCandidate{a3bad}, "NOT CONVERGED: Approach 3 (parametric fit) has a = 0.366", "do not act on this", ""},
		{nil, "", "", ""},
	} {
		got := compareVerdict(tt.cands)
		if !strings.HasPrefix(got, tt.prefix) || !strings.Contains(got, tt.contains) || (tt.notContain != "" && strings.Contains(got, tt.notContain)) {
			t.Errorf("verdict %q: want prefix %q containing %q", got, tt.prefix, tt.contains)
		}
	}
}
