package fit

import (
	"math"
	"slices"
)

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

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of v with numpy's default
// 'linear' definition (Hyndman & Fan type 7, as Epoch's bootstrap used):
// h = (n−1)p/100, x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) on the sorted values.
// v is not modified. NaN for empty v.
func Percentile(v []float64, p float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return PercentileSorted(s, p)
}

// PercentileSorted is Percentile for values already sorted ascending.
func PercentileSorted(s []float64, p float64) float64 {
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * math.Min(math.Max(p, 0), 100) / 100
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return s[n-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// PercentileInterval returns the central interval at level (e.g. 0.95 → percentiles 2.5
// and 97.5, numpy 'linear' definition) of v.
func PercentileInterval(v []float64, level float64) (lo, hi float64) {
	s := slices.Clone(v)
	slices.Sort(s)
	a := 50 * (1 - level)
	return PercentileSorted(s, a), PercentileSorted(s, 100-a)
}
