package dataconstrained

import (
	"math"
	"testing"

	"github.com/scalefit/scalefit/internal/fit"
)

// The analytic gradient and Hessian agree with central differences of the value and of the
// gradient, at points where runs have excess parameters and repeat their data.
func TestObjectiveDerivatives(t *testing.T) {
	rs := sweep(c4(), 0.01, 3)
	p, err := newProblem(rs, Options{Loss: fit.Loss{Kind: fit.Squared}})
	if err != nil {
		t.Fatal(err)
	}
	alt := c4()
	alt.RDStar, alt.RNStar = 3, 300
	for _, l := range []Law{c4(), alt} {
		th := l.theta()
		th[thAlpha], th[thBeta], th[thA] = 0.31, 0.4, th[thA]-0.3
		x := th[:]
		q := len(x)
		g := make([]float64, q)
		h := make([]float64, q*q)
		p.obj.ValueGradHess(x, g, h)
		for k := range q {
			step := 1e-5 * math.Max(1, math.Abs(x[k]))
			xp := append([]float64(nil), x...)
			xm := append([]float64(nil), x...)
			xp[k] += step
			xm[k] -= step
			num := (p.obj.Value(xp) - p.obj.Value(xm)) / (2 * step)
			if math.Abs(num-g[k]) > 1e-5*math.Max(1, math.Abs(g[k])) {
				t.Errorf("d/d%s: analytic %.8g, numeric %.8g", thetaName(k), g[k], num)
			}
			gp, gm := make([]float64, q), make([]float64, q)
			p.obj.ValueGrad(xp, gp)
			p.obj.ValueGrad(xm, gm)
			for j := range q {
				num := (gp[j] - gm[j]) / (2 * step)
				if a := h[j*q+k]; math.Abs(num-a) > 1e-4*math.Max(1, math.Abs(a)) {
					t.Errorf("d²/d%s d%s: analytic %.8g, numeric %.8g", thetaName(j), thetaName(k), a, num)
				}
			}
		}
	}
}
