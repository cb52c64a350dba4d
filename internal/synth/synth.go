// Package synth generates synthetic training runs from a known Chinchilla law, for tests
// and for the repository's synthetic example data. Randomness comes only from the seed.
package synth

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/scalefit/scalefit/internal/chinchilla"
)

// Run is a generated run: N parameters, D tokens, C = 6ND FLOPs, Budget the IsoFLOP
// budget it belongs to, Loss in nats/token (the law's loss times log-normal noise).
type Run struct {
	Params, Tokens, FLOPs, Budget, Loss float64
}

// IsoFLOPGrid makes runs at each budget with sizes spread geometrically around the law's
// compute-optimal N: sizes per budget, from N_opt/span to N_opt·span, shifted by centre
// (1 = centred on the optimum, 3 = grid centred 3x above it). Noise is the standard deviation
// of the log-loss noise (0 for none).
func IsoFLOPGrid(law chinchilla.Law, budgets []float64, sizes int, span, centre, noise float64, seed uint64) []Run {
	rng := rand.New(rand.NewPCG(seed, 0x5ca1ef17))
	var out []Run
	for _, c := range budgets {
		nopt := law.NOpt(c) * centre
		for i := 0; i < sizes; i++ {
			f := -1 + 2*float64(i)/float64(sizes-1)
			n := nopt * math.Pow(span, f)
			d := c / (6 * n)
			l := law.Loss(n, d) * math.Exp(noise*rng.NormFloat64())
			out = append(out, Run{Params: n, Tokens: d, FLOPs: c, Budget: c, Loss: l})
		}
	}
	return out
}

// WriteCSV writes runs with the header budget,params,tokens,flops,loss, with enough digits
// to round-trip.
func WriteCSV(w io.Writer, rs []Run) error {
	if _, err := fmt.Fprintln(w, "budget,params,tokens,flops,loss"); err != nil {
		return err
	}
	for _, r := range rs {
		if _, err := fmt.Fprintf(w, "%.6g,%.6g,%.6g,%.6g,%.6f\n", r.Budget, r.Params, r.Tokens, r.FLOPs, r.Loss); err != nil {
			return err
		}
	}
	return nil
}

// Example is the law behind testdata/synthetic.csv.
var Example = chinchilla.Law{E: 1.7, A: 450, B: 1600, Alpha: 0.33, Beta: 0.37}

// ExampleBudgets are its IsoFLOP budgets: 1e18 to 1e21 FLOPs in half-decade steps.
var ExampleBudgets = []float64{1e18, 3.16e18, 1e19, 3.16e19, 1e20, 3.16e20, 1e21}

// WriteExample writes testdata/synthetic.csv: 7 budgets × 7 sizes spanning 4x either side
// of the optimum, log-loss noise 0.005, seed 1.
func WriteExample(w io.Writer) error {
	return WriteCSV(w, IsoFLOPGrid(Example, ExampleBudgets, 7, 4, 1, 0.005, 1))
}
