package plan

import (
	"fmt"
	"math"
	"sort"

	"github.com/scalefit/scalefit/internal/chinchilla"
)

// Interval is a [Lo, Hi] percentile interval.
type Interval struct{ Lo, Hi float64 }

// Level95 is the coverage of the intervals scalefit reports.
const Level95 = 0.95

// LawsFromRows converts bootstrap rows [E, A, B, alpha, beta] (as fit.json stores them) to
// laws; a row of another length or with a non-finite or non-positive entry is an error
// naming the row.
func LawsFromRows(rows [][]float64) ([]chinchilla.Law, error) {
	out := make([]chinchilla.Law, 0, len(rows))
	for i, r := range rows {
		if len(r) != 5 {
			return nil, fmt.Errorf("bootstrap row %d has %d values: want 5 (E, A, B, alpha, beta)", i+1, len(r))
		}
		for _, v := range r {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("bootstrap row %d: %v: want positive finite E, A, B, alpha, beta", i+1, r)
			}
		}
		out = append(out, chinchilla.Law{E: r[0], A: r[1], B: r[2], Alpha: r[3], Beta: r[4]})
	}
	return out, nil
}

// Percentile returns the p-th quantile (0 ≤ p ≤ 1) of sorted by linear interpolation between
// order statistics (numpy's default "linear" method).
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := p * float64(n-1)
	i := int(math.Floor(h))
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// IntervalOf returns the central percentile interval at level (e.g. 0.95) of q over the
// draws, dropping non-finite values; ok is false when no finite value remains.
func IntervalOf(draws []chinchilla.Law, level float64, q func(chinchilla.Law) float64) (iv Interval, ok bool) {
	v := make([]float64, 0, len(draws))
	for _, l := range draws {
		if x := q(l); !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Interval{}, false
	}
	sort.Float64s(v)
	tail := (1 - level) / 2
	return Interval{Percentile(v, tail), Percentile(v, 1-tail)}, true
}

// AllocationIntervals holds 95% intervals of an allocation's N, D and loss.
type AllocationIntervals struct {
	Params, Tokens, Loss Interval
}

// OptimalIntervals returns 95% intervals over the draws of N_opt, D_opt and the optimal
// loss at c FLOPs; ok is false without draws.
func OptimalIntervals(draws []chinchilla.Law, c float64) (AllocationIntervals, bool) {
	var r AllocationIntervals
	var ok [3]bool
	r.Params, ok[0] = IntervalOf(draws, Level95, func(l chinchilla.Law) float64 { return l.NOpt(c) })
	r.Tokens, ok[1] = IntervalOf(draws, Level95, func(l chinchilla.Law) float64 { return l.DOpt(c) })
	r.Loss, ok[2] = IntervalOf(draws, Level95, func(l chinchilla.Law) float64 { _, _, x := l.Optimal(c); return x })
	return r, ok[0] && ok[1] && ok[2]
}

// ForParamsIntervals returns 95% intervals over the draws of the budget at which n
// parameters are compute-optimal, the tokens there, and the loss.
func ForParamsIntervals(draws []chinchilla.Law, n float64) (flops, tokens, loss Interval, ok bool) {
	var k [3]bool
	flops, k[0] = IntervalOf(draws, Level95, func(l chinchilla.Law) float64 { c, _ := l.ComputeForParams(n); return c })
	tokens, k[1] = IntervalOf(draws, Level95, func(l chinchilla.Law) float64 { _, d := l.ComputeForParams(n); return d })
	loss, k[2] = IntervalOf(draws, Level95, func(l chinchilla.Law) float64 { _, d := l.ComputeForParams(n); return l.Loss(n, d) })
	return flops, tokens, loss, k[0] && k[1] && k[2]
}

// LossInterval returns the 95% interval over the draws of the loss of n parameters trained
// on d tokens.
func LossInterval(draws []chinchilla.Law, n, d float64) (Interval, bool) {
	return IntervalOf(draws, Level95, func(l chinchilla.Law) float64 { return l.Loss(n, d) })
}

// ComputeForLossInterval returns the 95% interval over the draws of the least compute that
// reaches the target loss (draws whose E is at or above the target are left out).
func ComputeForLossInterval(draws []chinchilla.Law, target float64) (Interval, bool) {
	return IntervalOf(draws, Level95, func(l chinchilla.Law) float64 {
		a, err := ComputeForLoss(l, target)
		if err != nil {
			return math.NaN()
		}
		return a.FLOPs
	})
}

// ConstrainedIntervals returns 95% intervals over the draws of the data-constrained
// optimum's N, D and loss at c FLOPs with u unique tokens, each draw keeping R_D*, R_N*.
func ConstrainedIntervals(draws []chinchilla.Law, rdStar, rnStar, c, u float64) (AllocationIntervals, bool) {
	var ns, ds, ls []float64
	for _, l := range draws {
		r, err := DataLaw{Law: l, RDStar: rdStar, RNStar: rnStar}.Optimal(c, u)
		if err != nil {
			continue
		}
		ns, ds, ls = append(ns, r.Params), append(ds, r.Tokens), append(ls, r.Loss)
	}
	return intervalsOf(ns, ds, ls)
}

// InferenceIntervals returns 95% intervals over the draws of the inference-aware model's N,
// D and training FLOPs for a target loss and inference load (draws that cannot reach the
// target are left out).
func InferenceIntervals(draws []chinchilla.Law, target, inferenceTokens float64) (params, tokens, flops Interval, ok bool) {
	var ns, ds, cs []float64
	for _, l := range draws {
		r, err := InferenceOptimal(l, target, inferenceTokens)
		if err != nil {
			continue
		}
		ns, ds, cs = append(ns, r.Params), append(ds, r.Tokens), append(cs, r.FLOPs)
	}
	iv, ok := intervalsOf(ns, ds, cs)
	return iv.Params, iv.Tokens, iv.Loss, ok
}

// intervalsOf returns the 95% percentile intervals of three samples.
func intervalsOf(a, b, c []float64) (AllocationIntervals, bool) {
	if len(a) == 0 {
		return AllocationIntervals{}, false
	}
	iv := func(v []float64) Interval {
		s := append([]float64(nil), v...)
		sort.Float64s(s)
		return Interval{Percentile(s, 0.025), Percentile(s, 0.975)}
	}
	return AllocationIntervals{Params: iv(a), Tokens: iv(b), Loss: iv(c)}, true
}
