// Package stats is scalefit's one statistics core: the numpy-style percentile, the interval
// type every package reports, the seeded bootstrap engine that Approaches 1, 2 and 3 and the
// Kaplan fit resample with, the least-squares parabola of the IsoFLOP profiles, and the one
// 1-D minimiser (Brent's method, behind a grid scan) that planning and reconciling use.
//
// It depends on nothing else in scalefit, so every fitting and planning package can use it.
package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Level95 is the coverage of the intervals scalefit reports.
const Level95 = 0.95

// Interval is a closed interval [Lo, Hi], e.g. a percentile bootstrap interval in the units
// of the quantity it bounds.
type Interval struct{ Lo, Hi float64 }

// Contains reports whether x lies in [Lo, Hi].
func (iv Interval) Contains(x float64) bool { return x >= iv.Lo && x <= iv.Hi }

// Pair returns the interval as [lo, hi], the form fit.json stores.
func (iv Interval) Pair() [2]float64 { return [2]float64{iv.Lo, iv.Hi} }

// QuantileSorted returns the q-quantile (0 ≤ q ≤ 1, clamped) of s, sorted ascending, with
// numpy's default 'linear' definition (Hyndman & Fan type 7, as Epoch's bootstrap used):
// h = (n−1)q, s[⌊h⌋] + (h−⌊h⌋)(s[⌊h⌋+1] − s[⌊h⌋]). NaN for empty s.
func QuantileSorted(s []float64, q float64) float64 {
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	h := math.Min(math.Max(q, 0), 1) * float64(n-1)
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return s[n-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// Quantile is QuantileSorted for values in any order; v is not modified.
func Quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return QuantileSorted(s, q)
}

// Central returns the central interval at level (e.g. 0.95: the 2.5th and 97.5th
// percentiles, numpy 'linear') of the finite values of v; ok is false when none is finite.
// v is not modified.
func Central(v []float64, level float64) (iv Interval, ok bool) {
	s := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return Interval{}, false
	}
	slices.Sort(s)
	tail := (1 - level) / 2
	return Interval{QuantileSorted(s, tail), QuantileSorted(s, 1-tail)}, true
}

// CentralOf returns Central(level) of q over items: the interval of a quantity derived
// from each bootstrap draw (non-finite values are dropped).
func CentralOf[T any](items []T, level float64, q func(T) float64) (Interval, bool) {
	v := make([]float64, len(items))
	for i, it := range items {
		v[i] = q(it)
	}
	return Central(v, level)
}

// Parabola fits y ≈ c0 + c1·u + c2·u², u = x − mean(x), by least squares (QR, gonum/mat);
// centring keeps the fit well conditioned. With fewer than three distinct x, or a singular
// system, c0, c1 and c2 are NaN.
func Parabola(xs, ys []float64) (c0, c1, c2, mean float64) {
	mean = stat.Mean(xs, nil)
	n := len(xs)
	if n < 3 {
		return math.NaN(), math.NaN(), math.NaN(), mean
	}
	a := mat.NewDense(n, 3, nil)
	for i, x := range xs {
		u := x - mean
		a.Set(i, 0, 1)
		a.Set(i, 1, u)
		a.Set(i, 2, u*u)
	}
	var c mat.VecDense
	if err := c.SolveVec(a, mat.NewVecDense(n, slices.Clone(ys))); err != nil {
		return math.NaN(), math.NaN(), math.NaN(), mean
	}
	return c.AtVec(0), c.AtVec(1), c.AtVec(2), mean
}

// CompareNaNLast orders float64 values ascending with NaN after every number (and equal to
// NaN), for slices.SortStableFunc: an objective that failed to evaluate sorts last.
func CompareNaNLast(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Order returns the indices of v sorted by ascending value (CompareNaNLast), ties in index
// order: Order(v)[0] is the index of the smallest value, e.g. the best of a grid of starts.
func Order(v []float64) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return CompareNaNLast(v[a], v[b]) })
	return idx
}

// CentralInf is the central interval at level (numpy 'linear', as Central) of v, allowing
// infinite values: an end that falls on or next to an infinite value is that infinity (a
// bootstrap of a multiplier that is infinite for some draws). NaN ends for empty v; v is
// not modified.
func CentralInf(v []float64, level float64) Interval {
	if len(v) == 0 {
		return Interval{Lo: math.NaN(), Hi: math.NaN()}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	at := func(p float64) float64 {
		h := float64(len(s)-1) * p
		lo := int(math.Floor(h))
		if lo >= len(s)-1 {
			return s[len(s)-1]
		}
		f := h - float64(lo)
		if math.IsInf(s[lo], 0) || math.IsInf(s[lo+1], 0) {
			if f == 0 {
				return s[lo]
			}
			if math.IsInf(s[lo], -1) {
				return s[lo]
			}
			return s[lo+1]
		}
		return s[lo] + f*(s[lo+1]-s[lo])
	}
	a := (1 - level) / 2
	return Interval{Lo: at(a), Hi: at(1 - a)}
}
