package fit_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/fit"
)

// rosen is Rosenbrock's function (minimum 0 at (1, 1)) with its gradient and Hessian.
type rosen struct{}

func (rosen) Dim() int { return 2 }
func (r rosen) Value(x []float64) float64 {
	return (1-x[0])*(1-x[0]) + 100*(x[1]-x[0]*x[0])*(x[1]-x[0]*x[0])
}
func (r rosen) ValueGrad(x, g []float64) float64 {
	g[0] = -2*(1-x[0]) - 400*x[0]*(x[1]-x[0]*x[0])
	g[1] = 200 * (x[1] - x[0]*x[0])
	return r.Value(x)
}
func (r rosen) ValueGradHess(x, g, h []float64) float64 {
	h[0] = 2 - 400*(x[1]-3*x[0]*x[0])
	h[1], h[2] = -400*x[0], -400*x[0]
	h[3] = 200
	return r.ValueGrad(x, g)
}

// MultiStart runs a local minimisation (damped Newton by default) from each start and keeps
// the best, reporting how many starts agree.
func ExampleMultiStart() {
	res, err := fit.MultiStart(rosen{}, [][]float64{{-1.2, 1}, {2, 2}, {0, 0}}, fit.MultiStartOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("x (%.4f, %.4f), converged %v, %d of %d starts at the best\n", res.X[0], res.X[1], res.Converged, res.StartsAtBest, res.Starts)
	// Output:
	// x (1.0000, 1.0000), converged true, 3 of 3 starts at the best
}
