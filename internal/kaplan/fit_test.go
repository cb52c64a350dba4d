package kaplan

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scalefit/scalefit/internal/fit"
)

// A joint law fitted to synthetic runs from known constants recovers them, and its
// frontier exponent is αD/(αN+αD) of the fitted law, close to that of the true law.
func TestFitJointRecovers(t *testing.T) {
	tests := []struct {
		name string
		law  Law
		sd   float64
		rel  float64 // tolerance on αN, αD and a
	}{
		{"published, no noise", Published, 0, 1e-6},
		{"published, 0.2% noise", Published, 0.002, 0.05},
		{"steeper exponents, 0.5% noise", Law{Nc: 2e12, Dc: 5e12, AlphaN: 0.2, AlphaD: 0.25}, 0.005, 0.06},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, d, loss := synthRuns(tt.law, tt.sd, 7)
			r, err := Fit(n, d, loss, FitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Converged {
				t.Errorf("not converged: %s, grad %g", r.Status, r.GradNorm)
			}
			got := r.Law
			if !near(got.AlphaN, tt.law.AlphaN, tt.rel) || !near(got.AlphaD, tt.law.AlphaD, tt.rel) {
				t.Errorf("alpha_N %.5f, alpha_D %.5f; want %.5f, %.5f", got.AlphaN, got.AlphaD, tt.law.AlphaN, tt.law.AlphaD)
			}
			// Nc and Dc are exp of a scale set through 1/α: compare them in logs.
			if math.Abs(math.Log(got.Nc/tt.law.Nc)) > 20*tt.rel+1e-6 || math.Abs(math.Log(got.Dc/tt.law.Dc)) > 20*tt.rel+1e-6 {
				t.Errorf("Nc %.4g, Dc %.4g; want %.4g, %.4g", got.Nc, got.Dc, tt.law.Nc, tt.law.Dc)
			}
			if a := got.ExponentA(); math.Abs(a-got.AlphaD/(got.AlphaN+got.AlphaD)) > 1e-15 || !near(a, tt.law.ExponentA(), tt.rel/2) {
				t.Errorf("fitted a = %.5f, true a = %.5f", a, tt.law.ExponentA())
			}
			// The fitted frontier predicts the allocation of the true one at 1e21.
			if !near(got.NOpt(1e21), tt.law.NOpt(1e21), 10*tt.rel+1e-6) {
				t.Errorf("fitted N_opt(1e21) %.4g, true %.4g", got.NOpt(1e21), tt.law.NOpt(1e21))
			}
			if tt.sd > 0 && math.Abs(r.RMSE-tt.sd) > tt.sd/2 {
				t.Errorf("RMSE %.4g, want about the noise %.4g", r.RMSE, tt.sd)
			}
			// (with no noise the optimum is 0 and "within 1e-6 relative" is float noise)
			if r.Starts != 81 || (tt.sd > 0 && r.StartsAtBest < 2) {
				t.Errorf("%d of %d starts reached the best: want several of 81", r.StartsAtBest, r.Starts)
			}
		})
	}
}

func TestFitSingleVariableRecovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var xs, lossN, lossD, lossNE []float64
	nl := NLaw{Nc: 8.8e13, AlphaN: 0.076}
	dl := DLaw{Dc: 5.4e13, AlphaD: 0.095}
	ne := NLaw{Nc: 3e9, AlphaN: 0.35, E: 1.7}
	for i := range 30 {
		x := math.Pow(10, 6+5*float64(i)/29)
		xs = append(xs, x)
		noise := func() float64 { return math.Exp(0.001 * rng.NormFloat64()) }
		lossN = append(lossN, nl.Loss(x)*noise())
		lossD = append(lossD, dl.Loss(x*10)*noise())
		lossNE = append(lossNE, ne.Loss(x)*noise())
	}
	dx := make([]float64, len(xs))
	for i, x := range xs {
		dx[i] = 10 * x
	}
	r, err := Fit(xs, nil, lossN, FitOptions{Form: ParamsOnly})
	if err != nil || !near(r.N.AlphaN, 0.076, 0.02) || math.Abs(math.Log(r.N.Nc/8.8e13)) > 0.5 {
		t.Errorf("L(N): %+v, %v; want alpha_N 0.076, Nc 8.8e13", r.N, err)
	}
	r, err = Fit(nil, dx, lossD, FitOptions{Form: DataOnly})
	if err != nil || !near(r.D.AlphaD, 0.095, 0.02) || math.Abs(math.Log(r.D.Dc/5.4e13)) > 0.5 {
		t.Errorf("L(D): %+v, %v; want alpha_D 0.095, Dc 5.4e13", r.D, err)
	}
	r, err = Fit(xs, nil, lossNE, FitOptions{Form: ParamsOnly, Offset: true})
	if err != nil || !near(r.N.AlphaN, 0.35, 0.05) || !near(r.N.E, 1.7, 0.01) {
		t.Errorf("L(N) + E: %+v, %v; want alpha_N 0.35, E 1.7", r.N, err)
	}
	if got := r.Params(); len(got) != 3 || got["E"] != r.N.E {
		t.Errorf("Params() = %v", got)
	}
}

// Bootstrap intervals cover the true exponents, do not collapse, and depend only on the
// seed, not on the number of workers.
func TestFitBootstrap(t *testing.T) {
	n, d, loss := synthRuns(Published, 0.003, 11)
	opts := FitOptions{Bootstrap: 40, Seed: 3, Workers: 1}
	r1, err := Fit(n, d, loss, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Workers = 4
	r2, _ := Fit(n, d, loss, opts)
	for _, k := range []string{"alpha_N", "alpha_D", "a", "b", "Nc", "Dc"} {
		if r1.Intervals[k] != r2.Intervals[k] {
			t.Errorf("%s interval depends on workers: %v vs %v", k, r1.Intervals[k], r2.Intervals[k])
		}
	}
	if len(r1.Draws) != 40 {
		t.Errorf("%d draws, want 40", len(r1.Draws))
	}
	for k, want := range map[string]float64{"alpha_N": 0.076, "alpha_D": 0.103, "a": Published.ExponentA()} {
		iv := r1.Intervals[k]
		if !iv.Contains(want) || iv.Hi-iv.Lo < 1e-4 {
			t.Errorf("%s interval %v: want it to contain %.4f and not collapse", k, iv, want)
		}
	}
}

func TestFitErrors(t *testing.T) {
	n, d, loss := synthRuns(Published, 0, 1)
	tests := []struct {
		name    string
		n, d, l []float64
		opts    FitOptions
		is      error
	}{
		{"lengths", n[:3], d, loss, FitOptions{}, nil},
		{"too few", n[:4], d[:4], loss[:4], FitOptions{}, ErrTooFewRuns},
		{"negative loss", n, d, append([]float64{-1}, loss[1:]...), FitOptions{}, nil},
		{"same N", []float64{1, 1, 1, 1, 1, 1}, d[:6], loss[:6], FitOptions{Form: ParamsOnly}, nil},
		{"unknown form", n, d, loss, FitOptions{Form: Form(9)}, nil},
	}
	for _, tt := range tests {
		_, err := Fit(tt.n, tt.d, tt.l, tt.opts)
		if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("%s: err %v, want an error (%v)", tt.name, err, tt.is)
		}
	}
}

// Squared error recovers noise-free constants as Huber does.
func TestFitSquaredLoss(t *testing.T) {
	n, d, loss := synthRuns(Published, 0, 2)
	r, err := Fit(n, d, loss, FitOptions{Loss: fit.Loss{Kind: fit.Squared}})
	if err != nil || !near(r.Law.AlphaN, 0.076, 1e-6) || !near(r.Law.AlphaD, 0.103, 1e-6) {
		t.Errorf("mse fit: %+v, %v", r.Law, err)
	}
}
