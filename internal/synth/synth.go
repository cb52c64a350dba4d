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

// Scaled returns the law of a design whose runs reach law's loss with every N and D scaled
// by k: L'(N, D) = law.Loss(kN, kD), i.e. A' = A k^(−α), B' = B k^(−β). On the compute-
// optimal frontier it needs 1/k² the compute of law for the same loss (k = sqrt(0.5): twice
// the compute).
func Scaled(law chinchilla.Law, k float64) chinchilla.Law {
	law.A *= math.Pow(k, -law.Alpha)
	law.B *= math.Pow(k, -law.Beta)
	return law
}

// VersusCrossover is the budget (FLOPs) at which the frontier of VersusLaws' third law
// crosses the reference's.
const VersusCrossover = 1e20

// VersusLaws returns three designs with known compute multipliers, behind
// testdata/versus_synthetic.csv: ref is Example; half is ref's law with N and D scaled by
// sqrt(0.5), so it needs exactly 2x ref's compute for the same loss at every budget; steep
// has larger exponents (α 0.40, β 0.42, same E) and is scaled so that its loss-optimal
// frontier crosses ref's at VersusCrossover: worse below it, better above.
func VersusLaws() (ref, half, steep chinchilla.Law) {
	ref = Example
	half = Scaled(ref, math.Sqrt(0.5))
	s := chinchilla.Law{E: ref.E, A: 900, B: 4000, Alpha: 0.40, Beta: 0.42}
	// the compute s needs for ref's frontier loss at the crossover: the frontier loss falls
	// monotonically with compute, so bisect in log C
	_, _, target := ref.Optimal(VersusCrossover)
	lo, hi := math.Log(VersusCrossover)-30, math.Log(VersusCrossover)+30
	for range 200 {
		m := 0.5 * (lo + hi)
		if _, _, l := s.Optimal(math.Exp(m)); l > target {
			lo = m
		} else {
			hi = m
		}
	}
	steep = Scaled(s, math.Sqrt(math.Exp(0.5*(lo+hi))/VersusCrossover))
	return ref, half, steep
}

// WriteVersusExample writes testdata/versus_synthetic.csv: the three VersusLaws designs as
// groups "ref", "half" and "steep" of the arch column, each on ExampleBudgets with 7 sizes
// spanning 4x either side of its own optimum, log-loss noise 0.005 (seeds 1, 2, 3).
func WriteVersusExample(w io.Writer) error {
	ref, half, steep := VersusLaws()
	if _, err := fmt.Fprintln(w, "arch,budget,params,tokens,flops,loss"); err != nil {
		return err
	}
	for i, g := range []struct {
		name string
		law  chinchilla.Law
	}{{"ref", ref}, {"half", half}, {"steep", steep}} {
		for _, r := range IsoFLOPGrid(g.law, ExampleBudgets, 7, 4, 1, 0.005, uint64(i+1)) {
			if _, err := fmt.Fprintf(w, "%s,%.6g,%.6g,%.6g,%.6g,%.6f\n", g.name, r.Budget, r.Params, r.Tokens, r.FLOPs, r.Loss); err != nil {
				return err
			}
		}
	}
	return nil
}

// FlatSweep makes rows one-point runs of law, as a large hyperparameter or seed sweep
// logs them (the benchmarks' "flat sweep"): run k has budget ExampleBudgets[k mod 7]
// (FLOPs), N log-uniform within 8x either side of the law's compute-optimal N at that
// budget (params), D = C/(6N) tokens, and log-normal loss noise of standard deviation
// noise (nats/token before the log). Deterministic in seed.
func FlatSweep(law chinchilla.Law, rows int, noise float64, seed uint64) []Run {
	out := make([]Run, rows)
	next := flatRuns(law, noise, seed)
	for k := range out {
		out[k] = next(k)
	}
	return out
}

// flatRuns returns the generator of FlatSweep's runs, to be called with k = 0, 1, ...
func flatRuns(law chinchilla.Law, noise float64, seed uint64) func(k int) Run {
	rng := rand.New(rand.NewPCG(seed, 0xf1a75eed))
	return func(k int) Run {
		c := ExampleBudgets[k%len(ExampleBudgets)]
		n := law.NOpt(c) * math.Pow(8, 2*rng.Float64()-1)
		d := c / (6 * n)
		return Run{Params: n, Tokens: d, FLOPs: c, Budget: c, Loss: law.Loss(n, d) * math.Exp(noise*rng.NormFloat64())}
	}
}

// WriteFlatSweep writes FlatSweep(Example, rows, 0.01, seed) as CSV (WriteCSV's format)
// a row at a time: the inputs of `make bench` (go run ./tools/gensynth -flat 240000).
func WriteFlatSweep(w io.Writer, rows int, seed uint64) error {
	if _, err := fmt.Fprintln(w, "budget,params,tokens,flops,loss"); err != nil {
		return err
	}
	next := flatRuns(Example, 0.01, seed)
	for k := range rows {
		r := next(k)
		if _, err := fmt.Fprintf(w, "%.6g,%.6g,%.6g,%.6g,%.6f\n", r.Budget, r.Params, r.Tokens, r.FLOPs, r.Loss); err != nil {
			return err
		}
	}
	return nil
}

// Break is a smooth break of the compute-optimal frontier's exponent (Caballero et al. 2022):
// the law's reducible loss A/N^α + B/D^β is multiplied by (1 + (C/FLOPs)^(1/S))^(−Change·S),
// so that the local exponent −d ln(L* − E)/d ln C moves from the law's own αβ/(α+β) well
// below the break to that plus Change well above it (Change < 0: scaling slows). The zero
// value is no break.
type Break struct {
	FLOPs  float64 // compute of the break, FLOPs
	S      float64 // smoothness: decades of compute over which the exponent changes
	Change float64 // change of the local exponent across the break
}

// factor is the break's multiplier of the reducible loss at c FLOPs.
func (b Break) factor(c float64) float64 {
	if b.Change == 0 {
		return 1
	}
	return math.Pow(1+math.Pow(c/b.FLOPs, 1/b.S), -b.Change*b.S)
}

// LocalExponent is the true local exponent −d ln(L* − E)/d ln C of law with the break at c
// FLOPs (C = 6ND).
func (b Break) LocalExponent(law chinchilla.Law, c float64) float64 {
	g := law.Alpha * law.Beta / (law.Alpha + law.Beta)
	if b.Change == 0 {
		return g
	}
	u := math.Pow(c/b.FLOPs, 1/b.S)
	return g + b.Change*u/(1+u)
}

// BrokenGrid is IsoFLOPGrid (centred on the optimum) with the reducible loss of every run
// multiplied by the break's factor at its budget: the frontier bends, the shape of each
// budget's profile over model size does not.
func BrokenGrid(law chinchilla.Law, b Break, budgets []float64, sizes int, span, noise float64, seed uint64) []Run {
	rng := rand.New(rand.NewPCG(seed, 0x5ca1ef17))
	var out []Run
	for _, c := range budgets {
		nopt := law.NOpt(c)
		f := b.factor(c)
		for i := 0; i < sizes; i++ {
			x := -1 + 2*float64(i)/float64(sizes-1)
			n := nopt * math.Pow(span, x)
			d := c / (6 * n)
			l := (law.E + (law.Loss(n, d)-law.E)*f) * math.Exp(noise*rng.NormFloat64())
			out = append(out, Run{Params: n, Tokens: d, FLOPs: c, Budget: c, Loss: l})
		}
	}
	return out
}

// HalfDecades returns the budgets 10^lo, 10^(lo+0.5), ..., 10^hi FLOPs.
func HalfDecades(lo, hi float64) []float64 {
	var out []float64
	for k := 0; lo+0.5*float64(k) <= hi+1e-9; k++ {
		out = append(out, math.Pow(10, lo+0.5*float64(k)))
	}
	return out
}

// Printed is Hoffmann et al.'s printed Approach-3 law (E 1.69, A 406.4, B 410.7, α 0.34,
// β 0.28), the law of the backtest sweeps.
var Printed = chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
