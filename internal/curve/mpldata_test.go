package curve

import (
	"strconv"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"
)

// mplCurves loads testdata/mpl_curves.csv: the curves of one model size and split, with
// their schedules, keeping steps below the schedule length as the authors do.
func mplCurves(t testing.TB, model, split string) []*Curve {
	t.Helper()
	recs := testutil.ReadCSV(t, "mpl_curves.csv")
	specs := testutil.MPLSchedules(t)
	var out []*Curve
	by := map[string]*Curve{}
	for i, r := range recs[1:] {
		if r[0] != model || r[2] != split {
			continue
		}
		c := by[r[1]]
		if c == nil {
			sc, err := Parse(specs[r[1]])
			if err != nil {
				t.Fatal(err)
			}
			c = &Curve{Run: r[1], File: "mpl_curves.csv", Schedule: sc, LR: sc.LRs()}
			by[r[1]] = c
			out = append(out, c)
		}
		st, _ := strconv.Atoi(r[3])
		l, _ := strconv.ParseFloat(strings.TrimSpace(r[4]), 64)
		if st >= c.Len() {
			continue
		}
		c.Steps = append(c.Steps, st)
		c.Loss = append(c.Loss, l)
		c.Lines = append(c.Lines, i+2)
	}
	return out
}

func publishedParams(t testing.TB, size string) Params {
	p, err := LookupPublished("mpl2025-" + strings.ToLower(size))
	if err != nil {
		t.Fatal(err)
	}
	return p.Params
}

func mustEval(t testing.TB, par Params, curves []*Curve) []Score {
	t.Helper()
	s, err := Evaluate(par, curves)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
