package analysis

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/stats"
)

// groupWith builds a group whose Approach 2 has exponent a2 and Approach 3 the law with
// a3 = beta/(alpha+beta), with the given 95% intervals of a (nil: no bootstrap).
func groupWith(a2, a3 float64, iv2, iv3 *stats.Interval) *Group {
	g := &Group{A2: &chinchilla.IsoFLOPResult{}, A3: &chinchilla.FitResult{}}
	g.A2.A = a2
	if iv2 != nil {
		g.A2.AInt, g.A2.BootstrapOK = *iv2, 100
	}
	g.A3.Law = chinchilla.Law{E: 1.7, A: 400, B: 400, Alpha: 1 - a3, Beta: a3}
	if iv3 != nil {
		g.A3.Intervals = map[string]stats.Interval{"a": *iv3}
	}
	return g
}

// Finding 10: a gap of 0.094 in a is not silent. Without intervals the note names the
// threshold used; with intervals, disagreement follows them, whatever the gap.
func TestApproachesAgreement(t *testing.T) {
	for _, tt := range []struct {
		name     string
		g        *Group
		disagree bool
		note     string
	}{
		{"0.094 without intervals", groupWith(0.40, 0.494, nil, nil), false, "within the threshold 0.10 used without intervals"},
		{"0.15 without intervals", groupWith(0.40, 0.55, nil, nil), true, "above the threshold 0.10"},
		{"0.094, intervals apart", groupWith(0.40, 0.494, &stats.Interval{Lo: 0.38, Hi: 0.42}, &stats.Interval{Lo: 0.47, Hi: 0.51}), true, "do not all overlap"},
		{"0.15, intervals overlap", groupWith(0.40, 0.55, &stats.Interval{Lo: 0.30, Hi: 0.52}, &stats.Interval{Lo: 0.50, Hi: 0.60}), false, "overlap: they agree"},
	} {
		w, bad := tt.g.disagreement()
		if bad != tt.disagree {
			t.Errorf("%s: disagree %v, want %v (%s)", tt.name, bad, tt.disagree, w.Msg)
		}
		if note := tt.g.Agreement(); !strings.Contains(note, tt.note) {
			t.Errorf("%s: note %q, want %q", tt.name, note, tt.note)
		}
		if bad && (w.Code != CodeApproachesDisagree || !strings.Contains(w.Msg, tt.note)) {
			t.Errorf("%s: warning %+v", tt.name, w)
		}
	}
}

// Finding 6: flops given in GFLOPs beside tokens (1e-9 of 6ND) warn flops-not-6nd, and
// Approach 2, whose D_opt = C/(6 N_opt) would come out in the billionths of a token, is
// skipped (an error when asked for alone) instead of printed.
func TestFLOPsUnitMistakeSkipsApproach2(t *testing.T) {
	var b strings.Builder
	b.WriteString("params,tokens,flops,loss\n")
	law := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	for _, c := range []float64{1e18, 1e19, 1e20, 1e21} {
		for _, m := range []float64{0.25, 0.5, 1, 2, 4} {
			n := law.NOpt(c) * m
			d := c / (6 * n)
			fmt.Fprintf(&b, "%g,%g,%g,%g\n", n, d, c/1e9, law.Loss(n, d))
		}
	}
	set, err := runs.Load(strings.NewReader(b.String()), "gflops.csv", runs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Groups[0]
	if g.A2 != nil || g.A3 == nil || len(g.Skipped) == 0 || !strings.Contains(g.Skipped[0].Reason, "flops-not-6nd") {
		t.Errorf("approach 2 %v, skipped %+v: want it skipped naming flops-not-6nd, approach 3 fitted", g.A2 != nil, g.Skipped)
	}
	if _, err := Run(set, Options{Approaches: []int{2}}); err == nil || !strings.Contains(err.Error(), "more than 10x away from 6ND") {
		t.Errorf("--approach 2 alone: %v, want an error", err)
	}
}
