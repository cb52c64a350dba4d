package chinchilla

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"
)

// shuffled returns a seeded permutation sigma of n rows: row k of the shuffled input is
// row sigma[k] of the original.
func shuffled(n int, seed uint64) []int {
	sigma := make([]int, n)
	for i := range sigma {
		sigma[i] = i
	}
	rand.New(rand.NewPCG(seed, 23)).Shuffle(n, func(i, j int) { sigma[i], sigma[j] = sigma[j], sigma[i] })
	return sigma
}

func permute[T any](v []T, sigma []int) []T {
	out := make([]T, len(sigma))
	for k, i := range sigma {
		out[k] = v[i]
	}
	return out
}

// Issue 23 #2: Approach 3 (with its bootstrap) gives bit-identical results whatever the
// order of the runs; the residuals follow their runs.
func TestFitInvariantToRowOrder(t *testing.T) {
	boot := 60
	if testing.Short() {
		boot = 15
	}
	for _, name := range []string{"chinchilla.csv", "plateau_synthetic.csv"} {
		c := fitReadCSV(t, name, "params", "tokens", "loss")
		n, d, l := c[0], c[1], c[2]
		opts := FitOptions{Bootstrap: boot, Seed: 11}
		ref, err := Fit(n, d, l, opts)
		if err != nil {
			t.Fatal(err)
		}
		for seed := uint64(1); seed <= 3; seed++ {
			sigma := shuffled(len(n), seed)
			got, err := Fit(permute(n, sigma), permute(d, sigma), permute(l, sigma), opts)
			if err != nil {
				t.Fatal(err)
			}
			res := make([]float64, len(n)) // back in the original order
			for k, i := range sigma {
				res[i] = got.Residuals[k]
			}
			got.Residuals = res
			if a, b := fmt.Sprintf("%+v", *ref), fmt.Sprintf("%+v", *got); a != b {
				t.Errorf("%s, rows shuffled (seed %d): the fit changed:\n%.600s\n%.600s", name, seed, a, b)
			}
		}
	}
}

// Approaches 2 (given budgets and clustered FLOPs) and 1 do not depend on the order of
// the points either; a budget's Points name the points as given.
func TestApproaches12InvariantToRowOrder(t *testing.T) {
	iso := loadPorian(t)[3].pts
	clustered := slices.Clone(iso)
	for i := range clustered {
		clustered[i].Budget = 0
	}
	cases := []struct {
		name string
		pts  []Point
		run  func([]Point) (any, error)
	}{
		{"isoflop budgets", iso, func(p []Point) (any, error) { return IsoFLOP(p, IsoFLOPOptions{Bootstrap: 40, Seed: 3}) }},
		{"isoflop clustered", clustered, func(p []Point) (any, error) { return IsoFLOP(p, IsoFLOPOptions{Bootstrap: 40, Seed: 3}) }},
		{"envelope", loadOLMoCurves(t), func(p []Point) (any, error) { return Envelope(p, EnvelopeOptions{Bootstrap: 20, Seed: 3}) }},
	}
	for _, c := range cases {
		ref, err := c.run(c.pts)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for seed := uint64(1); seed <= 2; seed++ {
			sigma := shuffled(len(c.pts), seed)
			got, err := c.run(permute(c.pts, sigma))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if r, ok := got.(*IsoFLOPResult); ok {
				for b := range r.Budgets {
					for k, i := range r.Budgets[b].Points {
						r.Budgets[b].Points[k] = sigma[i]
					}
					slices.Sort(r.Budgets[b].Points)
				}
			}
			if a, b := fmt.Sprintf("%+v", ref), fmt.Sprintf("%+v", got); a != b {
				t.Errorf("%s, points shuffled (seed %d): the result changed:\n%.800s\n%.800s", c.name, seed, a, b)
			}
		}
	}
}

// TestFlatOptimum: the flat-optimum rule (flatRcond) leaves every converged fit of its
// development set converged (Epoch's runs, the 15 Porian settings, the synthetic sweeps),
// and on other data flags plateau-synthetic, whose law cannot describe its runs, and none
// of Gadre et al.'s six fits (3 corpora x 2 evaluation losses).
func TestFlatOptimum(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 24 datasets")
	}
	type set struct {
		name    string
		n, d, l []float64
		flat    bool
	}
	var dev, other []set
	n, d, l := fitEpochData(t)
	dev = append(dev, set{"epoch", n, d, l, false})
	for _, f := range []string{"synthetic.csv", "versus_synthetic.csv"} {
		c := fitReadCSV(t, f, "params", "tokens", "loss")
		dev = append(dev, set{f, c[0], c[1], c[2], false})
	}
	for _, s := range loadPorian(t) {
		var n, d, l []float64
		for _, p := range s.pts {
			n, d, l = append(n, p.Params), append(d, p.Tokens), append(l, p.Loss)
		}
		dev = append(dev, set{s.key, n, d, l, false})
	}
	c := fitReadCSV(t, "plateau_synthetic.csv", "params", "tokens", "loss")
	other = append(other, set{"plateau", c[0], c[1], c[2], true})
	col, rows := testutil.ReadTable(t, "gadre.csv")
	for _, loss := range []string{"loss_c4_val", "loss_paloma_refinedweb"} {
		for _, corpus := range []string{"c4", "redpajama", "refinedweb"} {
			s := set{name: "gadre " + corpus + " " + loss}
			for _, r := range rows {
				if r[col["train_dataset"]] == corpus {
					s.n, s.d, s.l = append(s.n, atof(t, r[col["params"]])), append(s.d, atof(t, r[col["tokens"]])), append(s.l, atof(t, r[col[loss]]))
				}
			}
			other = append(other, s)
		}
	}
	for i, s := range append(dev, other...) {
		r, err := Fit(s.n, s.d, s.l, FitOptions{})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		t.Logf("%-45s rcond %.2g, flat width %.2g, status %s", s.name, r.Rcond, r.FlatWidth, r.Status)
		if flat := r.Status == StatusFlatOptimum; flat != s.flat {
			t.Errorf("%s (%s set): flat %v (rcond %.2g), want %v", s.name, map[bool]string{true: "development", false: "other"}[i < len(dev)], flat, r.Rcond, s.flat)
		}
	}
}
