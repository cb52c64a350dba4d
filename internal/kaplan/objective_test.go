package kaplan

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// synthRuns draws runs on a log grid of N in [1e7, 1e10] and D in [1e8, 1e11] from the
// joint law l, with Gaussian log-loss noise of standard deviation sd.
func synthRuns(l Law, sd float64, seed uint64) (n, d, loss []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range 8 {
		for j := range 8 {
			nn := math.Pow(10, 7+3*float64(i)/7)
			dd := math.Pow(10, 8+3*float64(j)/7)
			n = append(n, nn)
			d = append(d, dd)
			loss = append(loss, l.Loss(nn, dd)*math.Exp(sd*r.NormFloat64()))
		}
	}
	return n, d, loss
}

func logs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Log(x)
	}
	return out
}

// The analytic gradient and Hessian of every form against central finite differences, at
// points where residuals fall on both sides of the Huber threshold (and for squared error).
func TestObjectiveDerivatives(t *testing.T) {
	n, d, loss := synthRuns(Published, 0.01, 3)
	w := make([]float64, len(n))
	for i := range w {
		w[i] = float64(i % 3) // bootstrap-like weights, some zero
	}
	lp := Published
	tests := []struct {
		name string
		o    *objective
		x    []float64
	}{
		{"joint huber", &objective{form: Joint, x1: logs(n), x2: logs(d), y: logs(loss), delta: 1e-3},
			[]float64{math.Log(lp.Nc) + 0.3, math.Log(lp.Dc) - 0.2, math.Log(0.09), math.Log(0.11)}},
		{"joint mse weighted", &objective{form: Joint, x1: logs(n), x2: logs(d), y: logs(loss), w: w},
			[]float64{30, 31, math.Log(0.2), math.Log(0.05)}},
		{"L(N)", &objective{form: ParamsOnly, x1: logs(n), y: logs(loss), delta: 1e-2},
			[]float64{32, math.Log(0.07)}},
		{"L(D) with E", &objective{form: DataOnly, offset: true, x1: logs(d), y: logs(loss), delta: 1e-3},
			[]float64{25, math.Log(0.3), math.Log(1.2)}},
		{"L(N) with E, mse", &objective{form: ParamsOnly, offset: true, x1: logs(n), y: logs(loss), w: w},
			[]float64{22, math.Log(0.5), math.Log(0.8)}},
	}
	for _, tt := range tests {
		q := tt.o.Dim()
		if q != len(tt.x) {
			t.Fatalf("%s: Dim %d, want %d", tt.name, q, len(tt.x))
		}
		g := make([]float64, q)
		h := make([]float64, q*q)
		v := tt.o.ValueGradHess(tt.x, g, h)
		if v2 := tt.o.Value(tt.x); v2 != v {
			t.Errorf("%s: Value %v != ValueGradHess %v", tt.name, v2, v)
		}
		g2 := make([]float64, q)
		if v3 := tt.o.ValueGrad(tt.x, g2); v3 != v {
			t.Errorf("%s: ValueGrad %v != %v", tt.name, v3, v)
		}
		set := &fd.Settings{Formula: fd.Central, Step: 1e-6}
		ng := fd.Gradient(nil, tt.o.Value, tt.x, set)
		for j := range q {
			if tol := 1e-5 * (1 + math.Abs(ng[j])); math.Abs(g[j]-ng[j]) > tol || g[j] != g2[j] {
				t.Errorf("%s: grad[%d] = %.8g (ValueGrad %.8g), finite differences %.8g", tt.name, j, g[j], g2[j], ng[j])
			}
		}
		// The Hessian against finite differences of the analytic gradient.
		for k := range q {
			gk := func(x []float64) float64 {
				gg := make([]float64, q)
				tt.o.ValueGrad(x, gg)
				return gg[k]
			}
			col := fd.Gradient(nil, gk, tt.x, set)
			for j := range q {
				if tol := 1e-4 * (1 + math.Abs(col[j])); math.Abs(h[j*q+k]-col[j]) > tol {
					t.Errorf("%s: hess[%d,%d] = %.8g, finite differences %.8g", tt.name, j, k, h[j*q+k], col[j])
				}
			}
		}
		if tt.o.delta > 0 {
			// Huber's second derivative jumps at ±δ: a second difference of the value
			// straddles the kinks, so the direct Hessian check needs the smooth loss.
			continue
		}
		hs := mat.NewSymDense(q, nil)
		fd.Hessian(hs, tt.o.Value, tt.x, nil)
		for j := range q {
			for k := range q {
				if math.Abs(hs.At(j, k)-h[j*q+k]) > 1e-2*(1+math.Abs(h[j*q+k])) {
					t.Errorf("%s: hess[%d,%d] = %.6g, fd.Hessian %.6g", tt.name, j, k, h[j*q+k], hs.At(j, k))
				}
			}
		}
	}
}

// ln L̂ of the joint objective is the law's log-loss.
func TestObjectiveMatchesLaw(t *testing.T) {
	n, d, loss := synthRuns(Published, 0, 1)
	o := &objective{form: Joint, x1: logs(n), x2: logs(d), y: logs(loss), delta: 1e-3}
	x := []float64{math.Log(Published.Nc), math.Log(Published.Dc), math.Log(Published.AlphaN), math.Log(Published.AlphaD)}
	if v := o.Value(x); v > 1e-20 {
		t.Errorf("objective at the generating law = %g, want 0", v)
	}
	x[0] += 0.1
	if v := o.Value(x); !(v > 1e-6) {
		t.Errorf("objective off the law = %g, want > 0", v)
	}
}
