package plan

import (
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"gonum.org/v1/gonum/stat"
)

// Band is the gate `scalefit check` puts around a law's prediction of a run's loss: a
// relative Tolerance (|actual − predicted|/predicted ≤ Tolerance), or, with K > 0, K
// standard deviations σ of ln L̂, where σ combines in quadrature the spread of the
// prediction over the bootstrap Draws and the fit's residual scale RMSE (log-loss).
type Band struct {
	Tolerance float64
	K         float64
	RMSE      float64
	Draws     []chinchilla.Law
}

// At returns, for a run of n parameters and d tokens with predicted and actual loss
// (nats/token): σ (0 for a tolerance band), the band's relative half-width, and whether the
// run lies beyond it (either side).
func (b Band) At(n, d, predicted, actual float64) (sigma, halfWidth float64, beyond bool) {
	return b.AtSpread(LogSpread(b.Draws, n, d), predicted, actual)
}

// AtSpread is At with the spread of ln L̂ over the draws given (for laws whose draws are not
// b.Draws, e.g. a data-constrained fit's).
func (b Band) AtSpread(spread, predicted, actual float64) (sigma, halfWidth float64, beyond bool) {
	if b.K > 0 {
		sigma = math.Hypot(spread, b.RMSE)
		return sigma, math.Exp(b.K*sigma) - 1, !(math.Abs(math.Log(actual/predicted)) <= b.K*sigma)
	}
	return 0, b.Tolerance, !(math.Abs((actual-predicted)/predicted) <= b.Tolerance)
}

// LogSpread is the standard deviation of ln L̂(n, d) over the draws (0 with fewer than two
// usable draws).
func LogSpread(draws []chinchilla.Law, n, d float64) float64 {
	x := make([]float64, 0, len(draws))
	for _, l := range draws {
		if p := l.Loss(n, d); p > 0 && !math.IsInf(p, 0) {
			x = append(x, math.Log(p))
		}
	}
	if len(x) < 2 {
		return 0
	}
	return stat.StdDev(x, nil)
}
