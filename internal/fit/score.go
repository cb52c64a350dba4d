package fit

import "math"

// RMSE returns the root mean square of residuals (for log-loss residuals: the typical
// relative error of the fit). NaN for no residuals.
func RMSE(residuals []float64) float64 {
	if len(residuals) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, r := range residuals {
		s += r * r
	}
	return math.Sqrt(s / float64(len(residuals)))
}

// RelativeErrors returns (predicted − actual)/actual per run, for losses in nats/token.
func RelativeErrors(predicted, actual []float64) []float64 {
	out := make([]float64, len(actual))
	for i := range actual {
		out[i] = (predicted[i] - actual[i]) / actual[i]
	}
	return out
}

// MeanAbsRelError returns the mean of |predicted − actual|/actual (NaN for no runs):
// the holdout score of a law extrapolated to runs it was not fitted on.
func MeanAbsRelError(predicted, actual []float64) float64 {
	if len(actual) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, e := range RelativeErrors(predicted, actual) {
		s += math.Abs(e)
	}
	return s / float64(len(actual))
}
