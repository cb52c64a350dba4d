// Package reconcile explains why Kaplan et al. (2020) and Hoffmann et al. (2022) found
// different compute-optimal exponents: it reads a law in another parameter-counting
// convention over a stated compute range (Pearce & Song 2024), and it replays Porian et al.
// (2024)'s chain of corrections that moves the exponent from Kaplan's to Chinchilla's.
//
// Conventions: "6n" counts every parameter N_total and C = 6·N_total·D (Hoffmann et al.);
// "kaplan" counts non-embedding parameters N_E and C_E = 6·N_E·D (Kaplan et al.'s C ≈ 6N).
// Pearce & Song fit N_total = N_E + 47,491·N_E^(1/3) to Chinchilla's model configurations
// (vocabulary 32k); the local exponent of N_opt against C is the least-squares slope of
// ln N_opt on ln C over log-spaced budgets of the range. Compute is in FLOPs, parameters
// and tokens are counts.
package reconcile

import (
	"errors"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/stats"
	"gonum.org/v1/gonum/stat"
)

// Convention is a way of counting N and C for a law.
type Convention string

// The two conventions of the reconciliation.
const (
	// Total counts every parameter, with C = 6·N_total·D (Hoffmann et al. 2022).
	Total Convention = "6n"
	// Kaplan counts non-embedding parameters, with C = 6·N_E·D (Kaplan et al. 2020).
	Kaplan Convention = "kaplan"
)

// Conventions lists the conventions in table order.
var Conventions = []Convention{Total, Kaplan}

// Pearce & Song's (2024) relation between total and non-embedding parameters of the
// Chinchilla model family, N_total = N_E + EmbeddingCoef·N_E^(1/3).
const EmbeddingCoef = 47491

// Pearce & Song's range of non-embedding compute over which Kaplan et al. fitted (FLOPs):
// 10^12.95 to 10^20.7.
var (
	KaplanRangeLo = math.Pow(10, 12.95)
	KaplanRangeHi = math.Pow(10, 20.7)
)

// TotalFromNonEmbedding returns N_total = N_E + 47,491·N_E^(1/3) (Pearce & Song 2024).
func TotalFromNonEmbedding(nE float64) float64 { return nE + EmbeddingCoef*math.Cbrt(nE) }

// NonEmbeddingFromTotal inverts TotalFromNonEmbedding: the N_E whose total is nT (nT > 0).
// With y = N_E^(1/3) it solves y³ + 47,491·y = nT by Newton's method from the right of the
// root (the cubic is convex there, so the iterates decrease monotonically to it).
func NonEmbeddingFromTotal(nT float64) float64 {
	if !(nT > 0) {
		return math.NaN()
	}
	y := math.Cbrt(nT)
	for i := 0; i < 100; i++ {
		f := y*y*y + EmbeddingCoef*y - nT
		step := f / (3*y*y + EmbeddingCoef)
		y -= step
		if math.Abs(step) <= 1e-15*y {
			break
		}
	}
	return y * y * y
}

// Law is what the reconciliation needs of a scaling law, in the law's own convention.
type Law struct {
	Name string
	// Own is the convention the law's N counts in (Kaplan for Kaplan et al.'s laws, Total for
	// Chinchilla's and its refits).
	Own Convention
	// Loss is the law's loss L(N, D) in its own convention, or nil for an allocation rule.
	Loss func(n, d float64) float64
	// Optimal is the law's compute-optimal N and D at C FLOPs in its own convention.
	Optimal func(c float64) (n, d float64)
	// A is the law's own exponent of N_opt ∝ C^a.
	A float64
}

// Method says how a reading was obtained.
type Method string

// Methods. Reoptimised minimises the law's loss over N at each budget counted in the target
// convention (Pearce & Song's procedure); Relabelled, for allocation rules without a loss
// law, recounts the law's own optimal models in the target convention; Own is the law's own
// frontier, in its own convention.
const (
	Reoptimised Method = "re-optimised"
	Relabelled  Method = "relabelled"
	Own         Method = "own"
)

// Reading is a law read in one convention over a compute range.
type Reading struct {
	Law        string
	Convention Convention
	Lo, Hi     float64 // compute range in FLOPs, counted in Convention
	// Local is the least-squares slope of ln N_opt on ln C over Points log-spaced budgets in
	// [Lo, Hi], with N and C counted in Convention.
	Local  float64
	A      float64 // the law's own exponent
	Method Method
	Points int
	// NLo, NHi are N_opt (counted in Convention) at Lo and Hi.
	NLo, NHi float64
}

// DefaultPoints is the number of log-spaced budgets of a reading.
const DefaultPoints = 101

// Read reads law l in convention conv over [lo, hi] FLOPs (counted in conv) with points
// log-spaced budgets (DefaultPoints when < 3).
func Read(l Law, conv Convention, lo, hi float64, points int) (Reading, error) {
	if points < 3 {
		points = DefaultPoints
	}
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return Reading{}, fmt.Errorf("reconcile: compute range [%g, %g]: want 0 < lo < hi", lo, hi)
	}
	if conv != Total && conv != Kaplan {
		return Reading{}, fmt.Errorf("reconcile: convention %q: want 6n or kaplan", conv)
	}
	if l.Optimal == nil {
		return Reading{}, errors.New("reconcile: law " + l.Name + " has no allocation")
	}
	r := Reading{Law: l.Name, Convention: conv, Lo: lo, Hi: hi, A: l.A, Points: points}
	// toOwn maps an N counted in conv to the law's own count; fromOwn the other way.
	toOwn, fromOwn := func(n float64) float64 { return n }, func(n float64) float64 { return n }
	switch {
	case conv == l.Own:
		r.Method = Own
	case conv == Kaplan:
		toOwn, fromOwn = TotalFromNonEmbedding, NonEmbeddingFromTotal
	default:
		toOwn, fromOwn = NonEmbeddingFromTotal, TotalFromNonEmbedding
	}
	if r.Method == "" {
		r.Method = Relabelled
		if l.Loss != nil {
			r.Method = Reoptimised
		}
	}
	xs := make([]float64, points)
	ys := make([]float64, points)
	for i := range xs {
		c := math.Exp(math.Log(lo) + float64(i)/float64(points-1)*math.Log(hi/lo))
		var n float64
		switch r.Method {
		case Own:
			n, _ = l.Optimal(c)
		case Reoptimised:
			n = argminN(func(n float64) float64 { return l.Loss(toOwn(n), c/(6*n)) }, c)
		default:
			n = relabel(l.Optimal, fromOwn, c)
		}
		if !(n > 0) || math.IsInf(n, 0) {
			return Reading{}, fmt.Errorf("reconcile: %s in %s at %g FLOPs: no optimum", l.Name, conv, c)
		}
		xs[i], ys[i] = math.Log(c), math.Log(n)
	}
	_, r.Local = stat.LinearRegression(xs, ys, nil, false)
	r.NLo, r.NHi = math.Exp(ys[0]), math.Exp(ys[points-1])
	return r, nil
}

// argminN minimises loss(n) over n in [1, c/6] (at least one parameter and one token) in
// ln n: stats.MinimizeGrid's scan of 401 points, then Brent's method beside the best one.
func argminN(loss func(n float64) float64, c float64) float64 {
	lo, hi := 0.0, math.Log(c/6)
	if hi <= lo {
		return math.NaN()
	}
	x, _ := stats.MinimizeGrid(func(x float64) float64 { return loss(math.Exp(x)) }, lo, hi, 400)
	return math.Exp(x)
}

// relabel finds the law's own optimal model whose compute, recounted with fromOwn (N) and
// C = 6·N·D, is c, and returns its recounted N. The recounted compute grows with the law's
// own compute, so a bisection in ln C finds it.
func relabel(opt func(c float64) (n, d float64), fromOwn func(float64) float64, c float64) float64 {
	recount := func(lnC float64) (float64, float64) {
		n, d := opt(math.Exp(lnC))
		m := fromOwn(n)
		return 6 * m * d, m
	}
	lo, hi := math.Log(c)-30, math.Log(c)+30
	for i := 0; i < 200 && hi-lo > 1e-12; i++ {
		mid := (lo + hi) / 2
		if cc, _ := recount(mid); cc < c {
			lo = mid
		} else {
			hi = mid
		}
	}
	_, m := recount((lo + hi) / 2)
	return m
}

// FromBuiltin adapts a built-in published law: Kaplan et al.'s laws count non-embedding
// parameters, the others every parameter.
func FromBuiltin(l *laws.Law) Law {
	a, _ := l.Exponents()
	out := Law{Name: l.Name, Own: Total, A: a}
	if l.NonEmbedding {
		out.Own = Kaplan
	}
	switch {
	case l.Chinchilla != nil:
		out.Loss = l.Chinchilla.Loss
	case l.Kaplan != nil:
		out.Loss = l.Kaplan.Loss
	}
	out.Optimal = func(c float64) (n, d float64) {
		n, d, _ = l.Optimal(c)
		return n, d
	}
	return out
}

// FromChinchilla adapts a fitted Chinchilla-form law whose N counts every parameter.
func FromChinchilla(name string, l chinchilla.Law) Law {
	return Law{Name: name, Own: Total, A: l.ExponentA(), Loss: l.Loss,
		Optimal: func(c float64) (n, d float64) { return l.NOpt(c), l.DOpt(c) }}
}
