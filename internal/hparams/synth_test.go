package hparams

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The synthetic sweeps of the tests: runs drawn from a known hyper-parameter law (Step Law's
// published constants) over a grid of learning rates and batch sizes per (N, D), in the
// spirit of the acceptance check of issue 29.
//
// Each (N, D) group tries an lr × batch grid in powers of lrStep (batchStep) centred on a
// rough guess of its optimum (the true optimum moved by a uniform ±half a step, rounded to
// the grid). The loss is
//
//	(L(N, D) + aLR·g(ln(lr/lr*); kLR) + aB·g(ln(B/B*); kB) + cross·ln(lr/lr*)·ln(B/B*)) · exp(noise·z)
//
// with L Chinchilla's printed law, z standard normal and g the basin shape: x² when k = 0,
// else 2(e^(kx) − 1 − kx)/k², which is x² near the optimum and rises exponentially on the
// side k points to (k > 0: too high a learning rate hurts faster than too low), plus quartic·x⁴.
// Runs with lr above diverge·lr* (when diverge > 0) diverge: their loss is ln(50,000),
// a uniform guess over the vocabulary. The minimum of every group is at (lr*, B*) exactly,
// whatever the shape (g has its minimum at 0 and the cross term vanishes there).

type synthSpec struct {
	name           string
	Ns, Ds         []float64
	nLR, nBatch    int
	lrStep, bStep  float64
	aLR, aB        float64
	kLR, kB        float64
	quartic        float64
	cross          float64
	noise          float64
	diverge        float64
	seed           uint64
	seqLen         float64 // > 0: the batch is written in sequences of this many tokens (rounded)
	offsetOctaves  float64 // the grid's centre moves by a uniform ±offsetOctaves (default 0.5)
	lrExpN, lrExpD float64 // truth (0: Step Law's)
}

func trueLR(s *synthSpec, n, d float64) float64 {
	a, b := s.lrExpN, s.lrExpD
	if a == 0 && b == 0 {
		a, b = -0.713, 0.307
	}
	return 1.79 * math.Pow(n, a) * math.Pow(d, b)
}

func trueBatch(d float64) float64 { return 0.58 * math.Pow(d, 0.571) }

func basin(x, k, q float64) float64 {
	g := x * x
	if k != 0 {
		g = 2 * (math.Exp(k*x) - 1 - k*x) / (k * k)
	}
	return g + q*x*x*x*x
}

// acceptanceSpec is the acceptance check's sweep: 5 sizes × 3 data amounts spanning 100x,
// 7 lr × 5 batch in powers of 2, 2x off costing 0.08 ln²2 = 0.038 nats in lr (~1.3% of the
// loss at 20M, 4B tokens... ~1% at 2B, 200B) and 0.029 in batch, 1% noise.
func acceptanceSpec(seed uint64) synthSpec {
	return synthSpec{name: "check-quadratic", Ns: []float64{20e6, 63e6, 200e6, 630e6, 2e9}, Ds: []float64{2e9, 2e10, 2e11},
		nLR: 7, nBatch: 5, lrStep: 2, bStep: 2, aLR: 0.08, aB: 0.06, noise: 0.01, seed: seed}
}

// devSpec is the development set "dev-asymmetric": basins steeper above the optimal lr (and
// below the optimal batch), an lr-batch interaction, and diverged runs at 6x the optimal lr.
func devSpec(seed uint64) synthSpec {
	s := acceptanceSpec(seed)
	s.name, s.kLR, s.kB, s.cross, s.diverge = "dev-asymmetric", 1.2, -0.6, 0.03, 6
	return s
}

// quarticSpec is the check set "check-quartic": another shape (flat-bottomed, steep walls,
// asymmetric the other way in batch), other grid steps and sizes, no divergence.
func quarticSpec(seed uint64) synthSpec {
	return synthSpec{name: "check-quartic", Ns: []float64{30e6, 100e6, 300e6, 1e9}, Ds: []float64{3e9, 1.5e10, 7.5e10, 3e11},
		nLR: 6, nBatch: 5, lrStep: math.Sqrt(8), bStep: 2, aLR: 0.06, aB: 0.05, kLR: 0.6, kB: 0.5, quartic: 0.02,
		cross: -0.02, noise: 0.01, seed: seed}
}

func synth(s synthSpec) []Run {
	rnd := rand.New(rand.NewPCG(s.seed, 29))
	off := s.offsetOctaves
	if off == 0 {
		off = 0.5
	}
	var out []Run
	for _, n := range s.Ns {
		for _, d := range s.Ds {
			l0, b0 := trueLR(&s, n, d), trueBatch(d)
			ls, bs := math.Log(s.lrStep), math.Log(s.bStep)
			lc := math.Exp(ls * math.Round(math.Log(l0)/ls+off*(2*rnd.Float64()-1)))
			bc := math.Exp(bs * math.Round(math.Log(b0)/bs+off*(2*rnd.Float64()-1)))
			base := 1.69 + 406.4/math.Pow(n, 0.34) + 410.7/math.Pow(d, 0.28)
			for i := 0; i < s.nLR; i++ {
				for j := 0; j < s.nBatch; j++ {
					lr := lc * math.Pow(s.lrStep, float64(i-(s.nLR-1)/2))
					b := bc * math.Pow(s.bStep, float64(j-(s.nBatch-1)/2))
					x, y := math.Log(lr/l0), math.Log(b/b0)
					loss := base + s.aLR*basin(x, s.kLR, s.quartic) + s.aB*basin(y, s.kB, s.quartic) + s.cross*x*y
					loss *= math.Exp(s.noise * rnd.NormFloat64())
					if s.diverge > 0 && lr > s.diverge*l0 {
						loss = math.Log(50000)
					}
					if s.seqLen > 0 {
						b = math.Round(b/s.seqLen) * s.seqLen
					}
					out = append(out, Run{Params: n, Tokens: d, LR: lr, Batch: b, Loss: loss})
				}
			}
		}
	}
	return out
}

// testdataSpec is testdata/hparams_sweep.csv: 4 sizes × 3 data amounts, 6 lr × 4 batch sizes
// (batch_size in tokens), 1% noise, where the largest (N, D) group's lr grid sits 2.5 octaves
// too high, so that its optimum is at the grid's low edge (edge-optimum).
func testdataSpec() synthSpec {
	return synthSpec{name: "testdata", Ns: []float64{50e6, 100e6, 200e6, 400e6}, Ds: []float64{2e9, 8e9, 32e9},
		nLR: 6, nBatch: 4, lrStep: 2, bStep: 2, aLR: 0.08, aB: 0.06, noise: 0.01, seed: 29}
}

func testdataCSV() []byte {
	s := testdataSpec()
	rs := synth(s)
	var b []byte
	b = append(b, "params,tokens,lr,batch_size,loss\n"...)
	last := s.Ns[len(s.Ns)-1]
	for _, r := range rs {
		lr := r.LR
		if r.Params == last && r.Tokens == s.Ds[len(s.Ds)-1] {
			lr *= math.Exp2(2.5)
			x := math.Log(lr / trueLR(&s, r.Params, r.Tokens))
			y := math.Log(r.Batch / trueBatch(r.Tokens))
			base := 1.69 + 406.4/math.Pow(r.Params, 0.34) + 410.7/math.Pow(r.Tokens, 0.28)
			r.Loss = (base + s.aLR*x*x + s.aB*y*y) * r.Loss / (base + s.aLR*math.Pow(math.Log(r.LR/trueLR(&s, r.Params, r.Tokens)), 2) + s.aB*y*y)
		}
		b = append(b, fmt.Sprintf("%.6g,%.6g,%.6g,%.0f,%.6f\n", r.Params, r.Tokens, lr, r.Batch, r.Loss)...)
	}
	return b
}
