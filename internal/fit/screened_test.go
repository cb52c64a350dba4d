package fit

import (
	"math"
	"testing"
)

// wells is f(x, y) = (x² − 1)² + 0.3x + (y − 2)²: two basins, the global minimum near
// x = −1.04 and a local one near x = 0.96, both at y = 2.
type wells struct{}

func (wells) Dim() int { return 2 }
func (w wells) Value(x []float64) float64 {
	return (x[0]*x[0]-1)*(x[0]*x[0]-1) + 0.3*x[0] + (x[1]-2)*(x[1]-2)
}
func (w wells) ValueGrad(x, g []float64) float64 {
	g[0] = 4*x[0]*(x[0]*x[0]-1) + 0.3
	g[1] = 2 * (x[1] - 2)
	return w.Value(x)
}
func (w wells) ValueGradHess(x, g, h []float64) float64 {
	h[0], h[1], h[2], h[3] = 12*x[0]*x[0]-4, 0, 0, 2
	return w.ValueGrad(x, g)
}

func TestScreenedFindsTheGlobalBasin(t *testing.T) {
	var grid [][]float64
	for _, x := range []float64{3, 2, 1.5, 1, 0.5, 0.2, -0.2, -0.5, -1, -1.5, -2, -3} {
		for _, y := range []float64{-5, 0, 5} {
			grid = append(grid, []float64{x, y})
		}
	}
	for _, workers := range []int{1, 3} {
		ms, err := Screened(wells{}, grid, [][]float64{{1, 2}}, ScreenOptions{MultiStartOptions: MultiStartOptions{Workers: workers}, Polish: 4, Widen: 4})
		if err != nil {
			t.Fatal(err)
		}
		if !ms.Converged || ms.X[0] > -1 || math.Abs(ms.X[1]-2) > 1e-8 {
			t.Errorf("workers %d: %+v: want the global minimum near (-1.04, 2), converged", workers, ms)
		}
		if ms.StartsAtBest < 3 || ms.Starts < ms.StartsAtBest || len(ms.Objectives) != ms.Starts {
			t.Errorf("workers %d: %d of %d starts at the best, %d objectives: want >= 3 agreeing and one objective per start", workers, ms.StartsAtBest, ms.Starts, len(ms.Objectives))
		}
		other := OtherOptima(ms, 2)
		if len(other) != 1 || other[0][0] < 0.9 {
			t.Errorf("workers %d: other optima %v: want the local one near x = 0.96", workers, other)
		}
	}
}

// A Minimizer replaces Local for every start.
func TestMultiStartMinimizer(t *testing.T) {
	calls := 0
	ms, err := MultiStart(wells{}, [][]float64{{0.5, 0}, {-0.5, 0}}, MultiStartOptions{Workers: 1,
		Minimizer: func(obj Objective, x0 []float64, o LocalOptions) LocalResult {
			calls++
			return Local(obj, x0, o)
		}})
	if err != nil || calls != 2 || ms.X[0] > -1 {
		t.Errorf("calls %d, best %v, err %v: want both starts through the minimiser and the global minimum", calls, ms.X, err)
	}
}
