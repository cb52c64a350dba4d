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

// RelativeError is scalefit's one sign convention for how far a run lies from a law:
// (actual − predicted)/predicted, for losses in nats/token. Positive means the run is worse
// (higher loss) than the law predicts; every table, JSON field "relative_error", CSV row,
// figure and the check gate use it.
func RelativeError(predicted, actual float64) float64 {
	return (actual - predicted) / predicted
}

// RelativeErrors returns RelativeError (actual − predicted)/predicted per run.
func RelativeErrors(predicted, actual []float64) []float64 {
	out := make([]float64, len(actual))
	for i := range actual {
		out[i] = RelativeError(predicted[i], actual[i])
	}
	return out
}

// MeanAbsRelError returns the mean of |actual − predicted|/predicted (NaN for no runs):
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
