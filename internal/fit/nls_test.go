package fit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// decay is y = a·exp(−b x) + c with residuals in y: a model that is not a log-sum-exp.
type decay struct{ x, y []float64 }

func (m *decay) Len() int { return len(m.x) }
func (m *decay) Dim() int { return 3 }
func (m *decay) Residual(i int, th, jac []float64) float64 {
	e := math.Exp(-th[1] * m.x[i])
	if jac != nil {
		jac[0], jac[1], jac[2] = -e, th[0]*m.x[i]*e, -1
	}
	return m.y[i] - (th[0]*e + th[2])
}

func TestNLSRecoversAndAgreesWithFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := &decay{}
	for i := range 200 {
		x := float64(i) / 20
		m.x = append(m.x, x)
		m.y = append(m.y, 2*math.Exp(-0.7*x)+0.5+0.001*rng.NormFloat64())
	}
	for _, loss := range []Loss{{}, {Kind: Squared}} {
		obj := &NLS{Model: m, Loss: loss}
		th := []float64{1.5, 0.4, 0.3}
		g, h := make([]float64, 3), make([]float64, 9)
		obj.ValueGradHess(th, g, h)
		for j := range th {
			d := 1e-6
			up, dn := append([]float64(nil), th...), append([]float64(nil), th...)
			up[j] += d
			dn[j] -= d
			if fd := (obj.Value(up) - obj.Value(dn)) / (2 * d); math.Abs(fd-g[j]) > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("%v: gradient %d: %g, finite difference %g", loss, j, g[j], fd)
			}
		}
		ms, err := MultiStart(obj, [][]float64{{1, 1, 0}, {3, 0.2, 1}}, MultiStartOptions{})
		if err != nil || !ms.Converged {
			t.Fatalf("%v: %v, converged %v (%s)", loss, err, ms.Converged, ms.Status)
		}
		for j, want := range []float64{2, 0.7, 0.5} {
			if math.Abs(ms.X[j]-want) > 0.01 {
				t.Errorf("%v: θ%d = %g, want %g", loss, j, ms.X[j], want)
			}
		}
		refits := Refits(m, loss, DistinctOptima(ms, 2), 50, RefitOptions{Seed: 3})
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range refits {
			if !r.Converged {
				t.Errorf("%v: a refit did not converge", loss)
			}
			lo, hi = math.Min(lo, r.X[1]), math.Max(hi, r.X[1])
		}
		if !(lo < 0.7 && 0.7 < hi) || hi-lo > 0.05 {
			t.Errorf("%v: refits of b span [%g, %g]: want a narrow range around 0.7", loss, lo, hi)
		}
	}
}

func TestLeastSquares(t *testing.T) {
	// y = 1 + 2x exactly.
	y := []float64{1, 3, 5, 7}
	beta, sse, ok := LeastSquares(4, 2, func(i int, r []float64) { r[0], r[1] = 1, float64(i) }, y)
	if !ok || math.Abs(beta[0]-1) > 1e-12 || math.Abs(beta[1]-2) > 1e-12 || sse > 1e-20 {
		t.Errorf("beta %v sse %g ok %v", beta, sse, ok)
	}
	if _, _, ok := LeastSquares(4, 2, func(i int, r []float64) { r[0], r[1] = 1, 1 }, y); ok {
		t.Error("collinear regressors solved")
	}
}
