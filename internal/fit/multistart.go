package fit

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/stats"
)

// MultiStartOptions configure MultiStart. The zero value is usable.
type MultiStartOptions struct {
	LocalOptions
	// Workers is the number of goroutines; 0 means runtime.GOMAXPROCS(0). The result does
	// not depend on it.
	Workers int
	// Admissible, if non-nil, rejects final points (e.g. parameters whose exponentials
	// overflow): a rejected start counts as failed (objective +Inf) and cannot win.
	Admissible func(x []float64) bool
	// AtBestRelTol is the relative gap to the best objective within which a start counts
	// as reaching the best (starts_at_best); 0 means 1e-6.
	AtBestRelTol float64
	// Minimizer, if non-nil, replaces Local for each start (e.g. a family's local search
	// that holds bound-constrained parameters at their bounds); it must be safe for
	// concurrent use.
	Minimizer func(obj Objective, x0 []float64, opt LocalOptions) LocalResult
}

// local runs the options' Minimizer, or Local.
func (o MultiStartOptions) local(obj Objective, x0 []float64) LocalResult {
	if o.Minimizer != nil {
		return o.Minimizer(obj, x0, o.LocalOptions)
	}
	return Local(obj, x0, o.LocalOptions)
}

// MultiStartResult is the best of several local minimisations.
type MultiStartResult struct {
	X            []float64 // best free parameters
	F            float64   // best objective
	Best         int       // index of the winning start (lowest index among ties)
	Starts       int       // number of starts run
	StartsAtBest int       // starts ending within AtBestRelTol (relative) of F
	// Status is the winner's gonum status; Converged is true when it stopped on the
	// gradient threshold; GradNorm is the max-abs gradient at X.
	Status      Status
	Converged   bool
	GradNorm    float64
	Evaluations int         // total over all starts
	Objectives  []float64   // final objective per start, in start order (+Inf on failure)
	Evals       []int       // evaluations per start, in start order
	Finals      [][]float64 // final point per start, in start order
}

// MultiStart runs Local from every start on a pool of workers and keeps the lowest
// objective, reducing in start order so the result is independent of the pool size.
func MultiStart(obj Objective, starts [][]float64, opt MultiStartOptions) (MultiStartResult, error) {
	if len(starts) == 0 {
		return MultiStartResult{}, errors.New("fit: no starting points")
	}
	res := make([]LocalResult, len(starts))
	stats.ParallelFor(len(starts), opt.Workers, func(i int) {
		res[i] = opt.local(obj, starts[i])
		if opt.Admissible != nil && res[i].Err == nil && !opt.Admissible(res[i].X) {
			res[i].F = math.Inf(1)
			res[i].Err = errInadmissible
		}
	})
	return reduceStarts(obj, res, opt.AtBestRelTol)
}

// WithinBest reports whether objective f counts as reaching the best objective: within
// rel·|best| plus an absolute 1e-12 (for fits so exact that best is ~0, where a purely
// relative test would separate starts by rounding noise).
func WithinBest(f, best, rel float64) bool {
	return f <= best+rel*math.Abs(best)+1e-12
}

var errInadmissible = errors.New("fit: the optimum lies outside the admissible region")

func reduceStarts(obj Objective, res []LocalResult, tol float64) (MultiStartResult, error) {
	if tol <= 0 {
		tol = 1e-6
	}
	out := MultiStartResult{Best: -1, F: math.Inf(1), Starts: len(res), Objectives: make([]float64, len(res)), Evals: make([]int, len(res)), Finals: make([][]float64, len(res))}
	for i, r := range res {
		out.Evaluations += r.Evaluations
		out.Evals[i] = r.Evaluations
		out.Finals[i] = r.X
		out.Objectives[i] = r.F
		if r.F < out.F {
			out.F, out.Best = r.F, i
		}
	}
	if out.Best < 0 {
		err := res[0].Err
		if err == nil {
			err = errors.New("no finite objective")
		}
		return out, fmt.Errorf("fit: every start failed: %w", err)
	}
	for _, f := range out.Objectives {
		if WithinBest(f, out.F, tol) {
			out.StartsAtBest++
		}
	}
	w := res[out.Best]
	out.X = slices.Clone(w.X)
	out.Status = w.Status
	g := make([]float64, len(out.X))
	obj.ValueGrad(out.X, g)
	out.GradNorm = maxAbs(g)
	out.Converged = w.Converged()
	return out, nil
}

// Diagnostics say how a multi-start fit ended; law fits embed them so every family reports
// convergence the same way.
type Diagnostics struct {
	// Converged: the winning start stopped on the gradient threshold; Status is its
	// stopping status (gonum's names); GradNorm its max-abs gradient (free coordinates).
	Converged bool
	Status    string
	GradNorm  float64
	// Starts is the number of local minimisations run; StartsAtBest how many ended within
	// 1e-6 (relative) of the best objective; Evaluations the passes over the data.
	Starts, StartsAtBest, Evaluations int
}

// Diagnostics returns the convergence diagnostics of a multi-start result.
func (r MultiStartResult) Diagnostics() Diagnostics {
	return Diagnostics{Converged: r.Converged, Status: r.Status.String(), GradNorm: r.GradNorm,
		Starts: r.Starts, StartsAtBest: r.StartsAtBest, Evaluations: r.Evaluations}
}
