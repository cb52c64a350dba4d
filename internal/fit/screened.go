package fit

import (
	"math"

	"github.com/scalefit/scalefit/internal/stats"
)

// ScreenOptions configure Screened. The zero value polishes 16 grid points, then 64 more
// per round while fewer than 3 starts agree, for at most 3 rounds.
type ScreenOptions struct {
	MultiStartOptions
	// Polish is the number of grid points, lowest objective first, polished in the first
	// round; 0 means 16.
	Polish int
	// Widen is the number of further grid points polished in each later round; 0 means 64.
	Widen int
	// Rounds caps the rounds; 0 means 3.
	Rounds int
	// Agree is the number of starts that must reach the best objective (within
	// AtBestRelTol) to stop widening; 0 means 3.
	Agree int
}

// Screened is the global multi-start search of scalefit's law fits: it evaluates the
// objective at every point of a start grid, polishes the most promising ones (lowest
// objective first, plus the extra starts, e.g. data-driven ones) with MultiStart, and widens
// the search to the next grid points while fewer than Agree starts reach the best objective.
// A winner that stopped on a limit is polished again from where it stopped with three times
// the evaluation budget. The result counts every start run (Starts, StartsAtBest,
// Objectives and Finals in the order they ran) and does not depend on Workers.
func Screened(obj Objective, grid, extra [][]float64, opt ScreenOptions) (MultiStartResult, error) {
	polish, widen, rounds, agreeN := opt.Polish, opt.Widen, opt.Rounds, opt.Agree
	if polish <= 0 {
		polish = 16
	}
	if widen <= 0 {
		widen = 64
	}
	if rounds <= 0 {
		rounds = 3
	}
	if agreeN <= 0 {
		agreeN = 3
	}
	tol := opt.AtBestRelTol
	if tol <= 0 {
		tol = 1e-6
	}
	vals := make([]float64, len(grid))
	stats.ParallelFor(len(grid), opt.Workers, func(i int) { vals[i] = obj.Value(grid[i]) })
	order := stats.Order(vals)
	next := 0
	take := func(k int, starts [][]float64) [][]float64 {
		for ; k > 0 && next < len(order); next++ {
			if math.IsInf(vals[order[next]], 1) || math.IsNaN(vals[order[next]]) {
				next = len(order)
				break
			}
			starts = append(starts, grid[order[next]])
			k--
		}
		return starts
	}
	starts := take(polish, append([][]float64(nil), extra...))
	var best, total MultiStartResult
	var firstErr error
	for round := 0; round < rounds && len(starts) > 0; round++ {
		ms, err := MultiStart(obj, starts, opt.MultiStartOptions)
		total.Starts += len(starts)
		total.Evaluations += ms.Evaluations
		total.Objectives = append(total.Objectives, ms.Objectives...)
		total.Finals = append(total.Finals, ms.Finals...)
		total.Evals = append(total.Evals, ms.Evals...)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
		} else if best.X == nil || ms.F < best.F {
			best = ms
		}
		if best.X != nil && agree(total.Objectives, best.F, tol) >= agreeN {
			break
		}
		starts = take(widen, nil)
	}
	if best.X == nil {
		return total, firstErr
	}
	best.Starts, best.Evaluations = total.Starts, total.Evaluations
	best.Objectives, best.Finals, best.Evals = total.Objectives, total.Finals, total.Evals
	best.StartsAtBest = agree(total.Objectives, best.F, tol)
	return Polish(obj, best, opt.MultiStartOptions), nil
}

func agree(objs []float64, best, tol float64) int {
	n := 0
	for _, f := range objs {
		if WithinBest(f, best, tol) {
			n++
		}
	}
	return n
}

// Polish reruns a winner that did not converge from where it stopped, with three times the
// evaluation budget (900 by default), and keeps the result when it is no worse and
// admissible.
func Polish(obj Objective, ms MultiStartResult, opt MultiStartOptions) MultiStartResult {
	if ms.Converged || ms.X == nil {
		return ms
	}
	if opt.FuncEvaluations == 0 {
		opt.FuncEvaluations = 900
	} else {
		opt.FuncEvaluations *= 3
	}
	pol := opt.local(obj, ms.X)
	ms.Evaluations += pol.Evaluations
	if pol.Err == nil && pol.F <= ms.F && (opt.Admissible == nil || opt.Admissible(pol.X)) {
		ms.X, ms.F, ms.Status, ms.Converged = pol.X, pol.F, pol.Status, pol.Converged()
		g := make([]float64, len(pol.X))
		obj.ValueGrad(pol.X, g)
		ms.GradNorm = maxAbs(g)
	}
	return ms
}

// OtherOptima returns up to k final points of ms other than its best, lowest objective
// first, one per distinct objective value (1e-6 relative), finite ones only: the competing
// basins a bootstrap refit should also try.
func OtherOptima(ms MultiStartResult, k int) [][]float64 {
	idx := make([]int, 0, len(ms.Objectives))
	for i, f := range ms.Objectives {
		if !math.IsInf(f, 1) && !math.IsNaN(f) && !WithinBest(f, ms.F, 1e-6) && ms.Finals[i] != nil {
			idx = append(idx, i)
		}
	}
	vals := make([]float64, len(idx))
	for j, i := range idx {
		vals[j] = ms.Objectives[i]
	}
	var out [][]float64
	last := math.Inf(-1)
	for _, j := range stats.Order(vals) {
		if len(out) == k {
			break
		}
		if f := vals[j]; !WithinBest(f, last, 1e-6) {
			out = append(out, ms.Finals[idx[j]])
			last = f
		}
	}
	return out
}
