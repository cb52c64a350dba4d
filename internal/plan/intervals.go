package plan

import (
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/stats"
)

// AllocationIntervals holds 95% intervals of an allocation's N, D and loss.
type AllocationIntervals struct {
	Params, Tokens, Loss stats.Interval
}

// OptimalIntervals returns 95% intervals over the draws of N_opt, D_opt and the optimal
// loss at c FLOPs; ok is false without draws.
func OptimalIntervals(draws []chinchilla.Law, c float64) (AllocationIntervals, bool) {
	var r AllocationIntervals
	var ok [3]bool
	r.Params, ok[0] = stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 { return l.NOpt(c) })
	r.Tokens, ok[1] = stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 { return l.DOpt(c) })
	r.Loss, ok[2] = stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 { _, _, x := l.Optimal(c); return x })
	return r, ok[0] && ok[1] && ok[2]
}

// ForParamsIntervals returns 95% intervals over the draws of the budget at which n
// parameters are compute-optimal, the tokens there, and the loss.
func ForParamsIntervals(draws []chinchilla.Law, n float64) (flops, tokens, loss stats.Interval, ok bool) {
	var k [3]bool
	flops, k[0] = stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 { c, _ := l.ComputeForParams(n); return c })
	tokens, k[1] = stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 { _, d := l.ComputeForParams(n); return d })
	loss, k[2] = stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 { _, d := l.ComputeForParams(n); return l.Loss(n, d) })
	return flops, tokens, loss, k[0] && k[1] && k[2]
}

// LossInterval returns the 95% interval over the draws of the loss of n parameters trained
// on d tokens.
func LossInterval(draws []chinchilla.Law, n, d float64) (stats.Interval, bool) {
	return stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 { return l.Loss(n, d) })
}

// ComputeForLossInterval returns the 95% interval over the draws of the least compute that
// reaches the target loss (draws whose E is at or above the target are left out).
func ComputeForLossInterval(draws []chinchilla.Law, target float64) (stats.Interval, bool) {
	return stats.CentralOf(draws, stats.Level95, func(l chinchilla.Law) float64 {
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
	dl := make([]DataLaw, len(draws))
	for i, l := range draws {
		dl[i] = DataLaw{Law: l, RDStar: rdStar, RNStar: rnStar}
	}
	return ConstrainedIntervalsOf(dl, c, u)
}

// ConstrainedIntervalsOf returns 95% intervals over draws of data-constrained laws (each
// with its own R_D*, R_N*, as a data-constrained fit's bootstrap gives them) of the
// optimum's N, D and loss at c FLOPs with u unique tokens.
func ConstrainedIntervalsOf(draws []DataLaw, c, u float64) (AllocationIntervals, bool) {
	var ns, ds, ls []float64
	for _, l := range draws {
		r, err := l.Optimal(c, u)
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
func InferenceIntervals(draws []chinchilla.Law, target, inferenceTokens float64) (params, tokens, flops stats.Interval, ok bool) {
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
	var r AllocationIntervals
	r.Params, _ = stats.Central(a, stats.Level95)
	r.Tokens, _ = stats.Central(b, stats.Level95)
	r.Loss, _ = stats.Central(c, stats.Level95)
	return r, true
}
