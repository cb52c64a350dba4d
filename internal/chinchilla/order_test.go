package chinchilla

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
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
