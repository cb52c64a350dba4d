package bpl

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// The analytic gradient and Hessian of the least-squares objective match finite differences.
func TestDerivatives(t *testing.T) {
	vs := []Vertex{{1e17, 3.9}, {1e18, 3.3}, {1e19, 2.9}, {1e20, 2.6}, {1e21, 2.42}, {1e22, 2.3}, {1e23, 2.2}}
	for _, single := range []bool{true, false} {
		p, err := newProblem(vs, Options{Single: single})
		if err != nil {
			t.Fatal(err)
		}
		th := []float64{0.4, -1.1, 0.17, -0.06, 0.3}[:p.Dim()]
		q := p.Dim()
		g := make([]float64, q)
		h := make([]float64, q*q)
		p.ValueGradHess(th, g, h)
		ng := fd.Gradient(nil, p.Value, th, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		for j := range g {
			if math.Abs(g[j]-ng[j]) > 1e-6*math.Max(1, math.Abs(ng[j])) {
				t.Errorf("single %v: gradient %d: %g, finite differences %g", single, j, g[j], ng[j])
			}
		}
		for j := 0; j < q; j++ {
			gp, gm := make([]float64, q), make([]float64, q)
			tp := append([]float64(nil), th...)
			tp[j] += 1e-6
			p.ValueGrad(tp, gp)
			tp[j] -= 2e-6
			p.ValueGrad(tp, gm)
			for i := 0; i < q; i++ {
				num := (gp[i] - gm[i]) / 2e-6
				if math.Abs(h[i*q+j]-num) > 1e-5*math.Max(1, math.Abs(num)) {
					t.Errorf("single %v: hessian %d,%d: %g, finite differences %g", single, i, j, h[i*q+j], num)
				}
			}
		}
	}
}
