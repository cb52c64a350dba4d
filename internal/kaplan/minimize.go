package kaplan

// A minimal multi-start Newton minimiser for the Kaplan objective (at most 4 parameters).
// It stands in for internal/fit (MultiStart, Bootstrap) until that package is committed;
// the objective already has internal/fit's Objective method set, so switching is local to
// fit.go.

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// DefaultDelta is the Huber threshold of Hoffmann et al. 2022 on log-loss residuals.
const DefaultDelta = 1e-3

const (
	defaultGradTol = 1e-10 // max-abs gradient of the summed objective
	maxEvals       = 300   // passes over the data per start
	maxStep        = 4     // max-abs change of x per Newton step, in log units
)

// localResult is the outcome of one local minimisation.
type localResult struct {
	X         []float64
	F         float64 // +Inf when the start failed
	Converged bool    // stopped on the gradient threshold
	Status    string  // "GradientThreshold", "FunctionConvergence", "FunctionEvaluationLimit" or "Failure"
	Evals     int
}

// newton minimises o from x0 by Newton's method on the analytic Hessian, shifted by τI
// until it is positive definite (Nocedal & Wright Alg. 3.3), with a capped step and an
// Armijo backtracking line search.
func newton(o *objective, x0 []float64, gradTol float64) localResult {
	if gradTol <= 0 {
		gradTol = defaultGradTol
	}
	q := o.Dim()
	x := slices.Clone(x0)
	xt := make([]float64, q)
	g, gt := make([]float64, q), make([]float64, q)
	h, ht := make([]float64, q*q), make([]float64, q*q)
	d := make([]float64, q)
	f := o.ValueGradHess(x, g, h)
	res := localResult{Evals: 1}
	done := func(status string) localResult {
		res.X, res.F, res.Status = x, f, status
		res.Converged = status == "GradientThreshold"
		if math.IsNaN(f) || math.IsInf(f, 0) {
			res.F = math.Inf(1)
		}
		return res
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return done("Failure")
	}
	for {
		gmax := 0.0
		for _, v := range g {
			gmax = math.Max(gmax, math.Abs(v))
		}
		if gmax < gradTol {
			return done("GradientThreshold")
		}
		if res.Evals >= maxEvals {
			return done("FunctionEvaluationLimit")
		}
		if !solveShifted(d, h, g, q) {
			for i := range d {
				d[i] = -g[i]
			}
		}
		slope := 0.0
		for i := range d {
			slope += g[i] * d[i]
		}
		if !(slope < 0) {
			slope = 0
			for i := range d {
				d[i] = -g[i]
				slope -= g[i] * g[i]
			}
		}
		dmax := 0.0
		for _, v := range d {
			dmax = math.Max(dmax, math.Abs(v))
		}
		if dmax > maxStep {
			for i := range d {
				d[i] *= maxStep / dmax
			}
			slope *= maxStep / dmax
		}
		accepted := false
		for step := 1.0; step > 1e-12; step *= 0.5 {
			for i := range x {
				xt[i] = x[i] + step*d[i]
			}
			ft := o.ValueGradHess(xt, gt, ht)
			res.Evals++
			if !math.IsNaN(ft) && ft <= f+1e-4*step*slope {
				x, xt, g, gt, h, ht, f = xt, x, gt, g, ht, h, ft
				accepted = true
				break
			}
			if res.Evals >= maxEvals {
				return done("FunctionEvaluationLimit")
			}
		}
		if !accepted {
			return done("FunctionConvergence")
		}
	}
}

// solveShifted solves (H + τI) d = −g by Cholesky with the smallest τ of 0, β, 10β, ...
// that makes the matrix positive definite.
func solveShifted(d, h, g []float64, q int) bool {
	l := make([]float64, q*q)
	maxDiag := 0.0
	for i := range q {
		maxDiag = math.Max(maxDiag, math.Abs(h[i*q+i]))
	}
	beta := 1e-8 * math.Max(maxDiag, 1e-300)
	for tau := 0.0; tau < 1e300; tau = math.Max(10*tau, beta) {
		if cholesky(l, h, tau, q) {
			for i := range q { // L y = −g
				s := -g[i]
				for k := range i {
					s -= l[i*q+k] * d[k]
				}
				d[i] = s / l[i*q+i]
			}
			for i := q - 1; i >= 0; i-- { // Lᵀ d = y
				s := d[i]
				for k := i + 1; k < q; k++ {
					s -= l[k*q+i] * d[k]
				}
				d[i] = s / l[i*q+i]
			}
			return true
		}
	}
	return false
}

func cholesky(l, h []float64, tau float64, q int) bool {
	for i := range q {
		for j := 0; j <= i; j++ {
			s := h[i*q+j]
			if i == j {
				s += tau
			}
			for k := range j {
				s -= l[i*q+k] * l[j*q+k]
			}
			if i == j {
				if !(s > 0) {
					return false
				}
				l[i*q+i] = math.Sqrt(s)
			} else {
				l[i*q+j] = s / l[j*q+j]
			}
		}
	}
	return true
}

// multiResult is the best of several local minimisations.
type multiResult struct {
	X                                 []float64
	F                                 float64
	Converged                         bool
	Status                            string
	GradNorm                          float64
	Starts, StartsAtBest, Evaluations int
}

// multiStart runs newton from every start on a worker pool and keeps the lowest objective
// (preferring a converged start among exact ties), reducing in start order so the result
// does not depend on the pool size.
func multiStart(o *objective, starts [][]float64, gradTol float64, workers int) (multiResult, error) {
	res := make([]localResult, len(starts))
	parallelFor(len(starts), workers, func(i int) { res[i] = newton(o, starts[i], gradTol) })
	out := multiResult{F: math.Inf(1), Starts: len(starts)}
	best := -1
	for i, r := range res {
		out.Evaluations += r.Evals
		if r.F < out.F {
			out.F, best = r.F, i
		}
	}
	if best < 0 {
		return out, errors.New("every start failed (objective not finite)")
	}
	for _, r := range res {
		if r.F <= out.F+1e-6*math.Abs(out.F) {
			out.StartsAtBest++
		}
	}
	// Starts that tie with the best to rounding reached the same optimum: report a
	// converged one among them, if any, rather than one stopped by the evaluation cap.
	if !res[best].Converged {
		for i, r := range res {
			if r.Converged && r.F <= out.F+1e-12*math.Abs(out.F) {
				best = i
				break
			}
		}
	}
	w := res[best]
	out.X, out.F, out.Converged, out.Status = w.X, w.F, w.Converged, w.Status
	g := make([]float64, len(w.X))
	o.ValueGrad(w.X, g)
	for _, v := range g {
		out.GradNorm = math.Max(out.GradNorm, math.Abs(v))
	}
	return out, nil
}

// parallelFor calls fn(i) for i in [0, n) on workers goroutines (0 means GOMAXPROCS).
func parallelFor(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// bootstrapCounts is how many times each of n runs appears in resample k: n draws with
// replacement from PCG(seed, k), independent of which goroutine draws them.
func bootstrapCounts(seed uint64, k, n int) []int {
	r := rand.New(rand.NewPCG(seed, uint64(k)))
	c := make([]int, n)
	for range n {
		c[r.IntN(n)]++
	}
	return c
}

// percentile is numpy's default 'linear' percentile (0 ≤ p ≤ 100) of v; NaN when empty.
func percentile(v []float64, p float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	h := float64(len(s)-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}
