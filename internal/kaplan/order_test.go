package kaplan

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"
)

// Issue 23 #2: Kaplan's fits, bootstrap included, do not depend on the order of the runs
// (testdata/chinchilla.csv shuffled); residuals follow their runs.
func TestFitInvariantToRowOrder(t *testing.T) {
	col, rows := testutil.ReadTable(t, "chinchilla.csv")
	var n, d, l []float64
	for _, r := range rows {
		var v [3]float64
		for j, c := range []string{"params", "tokens", "loss"} {
			if _, err := fmt.Sscan(r[col[c]], &v[j]); err != nil {
				t.Fatal(err)
			}
		}
		n, d, l = append(n, v[0]), append(d, v[1]), append(l, v[2])
	}
	for _, opts := range []FitOptions{{Bootstrap: 20, Seed: 5}, {Form: ParamsOnly, Offset: true}} {
		ref, err := Fit(n, d, l, opts)
		if err != nil {
			t.Fatal(err)
		}
		sigma := make([]int, len(n))
		for i := range sigma {
			sigma[i] = i
		}
		rand.New(rand.NewPCG(1, 23)).Shuffle(len(n), func(i, j int) { sigma[i], sigma[j] = sigma[j], sigma[i] })
		pn, pd, pl := make([]float64, len(n)), make([]float64, len(n)), make([]float64, len(n))
		for k, i := range sigma {
			pn[k], pd[k], pl[k] = n[i], d[i], l[i]
		}
		got, err := Fit(pn, pd, pl, opts)
		if err != nil {
			t.Fatal(err)
		}
		res := make([]float64, len(n))
		for k, i := range sigma {
			res[i] = got.Residuals[k]
		}
		got.Residuals = res
		if a, b := fmt.Sprintf("%+v", *ref), fmt.Sprintf("%+v", *got); a != b {
			t.Errorf("%s: rows shuffled: the fit changed:\n%.600s\n%.600s", opts.Form, a, b)
		}
	}
}
