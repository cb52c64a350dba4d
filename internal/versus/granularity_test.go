package versus

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/fit"
)

// synthGran is a made-up granularity law for tests (not Krajewski et al.'s constants).
var synthGran = GranularityLaw{C: 1.6, A: 30, B: 900, Gc: 80, Alpha: 0.3, Beta: 0.33, Gamma: 0.6}

// granRuns are runs of law over a grid of active parameters, tokens per parameter and
// granularities, with log-normal noise sd.
func granRuns(law GranularityLaw, sd float64, seed uint64) (n, d, g, loss []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, nn := range []float64{2e7, 6e7, 2e8, 6e8, 2e9} {
		for _, tpp := range []float64{5, 20, 80} {
			for _, gg := range []float64{1, 2, 8, 16} {
				n = append(n, nn)
				d = append(d, tpp*nn)
				g = append(g, gg)
				loss = append(loss, law.Loss(nn, tpp*nn, gg)*math.Exp(sd*rng.NormFloat64()))
			}
		}
	}
	return
}

// The analytic gradient and Hessian of the granularity objective match central finite
// differences.
func TestGranularityDerivatives(t *testing.T) {
	n, d, g, loss := granRuns(synthGran, 0.01, 1)
	for _, l := range []fit.Loss{{}, {Kind: fit.Squared}} {
		o := &granObj{loss: l}
		for i := range n {
			o.lnN = append(o.lnN, math.Log(n[i]))
			o.lnD = append(o.lnD, math.Log(d[i]))
			o.lnG = append(o.lnG, math.Log(g[i]))
			o.y = append(o.y, math.Log(loss[i]))
		}
		th := granTheta(GranularityLaw{C: 1.5, A: 25, B: 1000, Gc: 60, Alpha: 0.32, Beta: 0.3, Gamma: 0.5})
		grad := make([]float64, gDim)
		hess := make([]float64, gDim*gDim)
		o.ValueGradHess(th, grad, hess)
		const h = 1e-6
		for j := range gDim {
			tp, tm := append([]float64(nil), th...), append([]float64(nil), th...)
			tp[j] += h
			tm[j] -= h
			if fd := (o.Value(tp) - o.Value(tm)) / (2 * h); math.Abs(fd-grad[j]) > 1e-5*math.Max(1, math.Abs(fd)) {
				t.Errorf("%v: gradient %d: analytic %g, finite difference %g", l, j, grad[j], fd)
			}
			gp, gm := make([]float64, gDim), make([]float64, gDim)
			o.ValueGrad(tp, gp)
			o.ValueGrad(tm, gm)
			for k := range gDim {
				if fd := (gp[k] - gm[k]) / (2 * h); math.Abs(fd-hess[j*gDim+k]) > 1e-4*math.Max(1, math.Abs(fd)) {
					t.Errorf("%v: Hessian (%d,%d): analytic %g, finite difference %g", l, j, k, hess[j*gDim+k], fd)
				}
			}
		}
	}
}

// Noise-free runs of a known law give its parameters back; with 0.1% log-loss noise its
// reduction at a fixed granularity (what the frontier uses) comes back within 5% in the
// multiplier (the frontier is flat, so compute is sensitive to loss: at 0.3% noise the
// error reaches ~10% on some seeds).
func TestFitGranularityRecovers(t *testing.T) {
	n, d, g, loss := granRuns(synthGran, 0, 1)
	got, conv, err := FitGranularity(n, d, g, loss, chinchillaDefaults, nil, nil)
	if err != nil || !conv {
		t.Fatalf("fit: %v, converged %v", err, conv)
	}
	want := []float64{synthGran.C, synthGran.A, synthGran.B, synthGran.Gc, synthGran.Alpha, synthGran.Beta, synthGran.Gamma}
	have := []float64{got.C, got.A, got.B, got.Gc, got.Alpha, got.Beta, got.Gamma}
	for i := range want {
		if math.Abs(have[i]/want[i]-1) > 1e-3 {
			t.Errorf("parameter %d: %g, want %g", i, have[i], want[i])
		}
	}
	n, d, g, loss = granRuns(synthGran, 0.001, 2)
	got, _, err = FitGranularity(n, d, g, loss, chinchillaDefaults, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{1e19, 1e21} {
		m := Multiplier(synthGran.At(16), got.At(16), c)
		if math.Abs(m-1) > 0.05 {
			t.Errorf("C %g: fitted frontier at G = 16 needs %gx the true one's compute", c, m)
		}
	}
	// one granularity only: Gc and gamma are not identified
	one := make([]float64, len(g))
	for i := range one {
		one[i] = 8
	}
	if _, _, err := FitGranularity(n, d, one, loss, chinchillaDefaults, nil, nil); err == nil {
		t.Error("a single granularity: want an error")
	}
}

// A mixture-of-experts group with a granularity column against a dense group: the MoE
// frontier is the granularity law at its largest granularity.
func TestCompareGranularityGroup(t *testing.T) {
	n, d, g, loss := granRuns(synthGran, 0, 1)
	moe := Group{Name: "moe", Params: n, Tokens: d, Loss: loss, Granularity: g}
	for i := range n {
		moe.FLOPs = append(moe.FLOPs, 6*n[i]*d[i])
	}
	dense := synthGran.At(1)
	dense.A *= 1.3 // a dense model somewhat worse than the MoE at G = 1
	dn, dd, _, dl := granRuns(GranularityLaw{C: dense.E, A: dense.A, B: dense.B, Gc: 1e-9, Alpha: dense.Alpha, Beta: dense.Beta, Gamma: 1}, 0, 2)
	den := Group{Name: "dense", Params: dn, Tokens: dd, Loss: dl}
	for i := range dn {
		den.FLOPs = append(den.FLOPs, 6*dn[i]*dd[i])
	}
	r, err := Compare([]Group{den, moe}, Options{Budgets: []float64{1e19, 1e21}, Bootstrap: 8, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	f := r.Fits[1]
	if f.Granularity == nil || f.GranularityAt != 16 {
		t.Fatalf("moe: granularity law %+v at %g, want one at 16", f.Granularity, f.GranularityAt)
	}
	for _, p := range r.Comparisons[0].Multipliers {
		if want := Multiplier(dense, synthGran.At(16), p.FLOPs); math.Abs(p.Value/want-1) > 0.01 || p.Interval == nil {
			t.Errorf("at %g: multiplier %g (interval %v), want %g", p.FLOPs, p.Value, p.Interval, want)
		}
	}
	if _, err := Compare([]Group{den, moe}, Options{SharedE: true}); err == nil || !strings.Contains(err.Error(), "granularity") {
		t.Errorf("shared E with the granularity law: %v, want an error", err)
	}
}
