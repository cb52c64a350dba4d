package chinchilla

import (
	"errors"
	"math"
	"slices"
	"sort"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
)

var (
	errInadmissible = errors.New("chinchilla: the optimum lies outside the admissible region")
	errRefineFailed = errors.New("chinchilla: no optimum of the subsample refined to a finite fit on every run")
)

// Default search sizes (measured in BENCHMARKS.md / TestFitDefaultMatchesFullGrid).
const (
	screenPolish   = 16 // best grid starts by objective value polished in the first round
	screenWiden    = 64 // polished in the second round when the first disagrees
	minAgreeStarts = 3  // starts that must reach the best objective to stop
	warmDataStarts = 4  // data-driven starts polished beside a warm start
)

// Large run sets (issue 31): the search for starts runs on a subsample, the chosen starts
// are refined on every run.
const (
	// SubsampleAbove is the number of runs above which Fit searches its starts (the
	// screened grid and the polished starts, or the full grid) on a subsample of
	// SubsampleRows runs and refines the best RefineOptima distinct optima it finds on
	// every run. The subsample is every (n/SubsampleRows)-th run of the canonical order
	// (by params, then tokens: stratified by size and, within a size, by tokens), each
	// weighted n/SubsampleRows, so it does not depend on the order of the runs.
	SubsampleAbove = 8192
	SubsampleRows  = 1024
	RefineOptima   = 3
)

// a3Search finds the optimum of p's objective according to opts.Starts.
func a3Search(p *a3Problem, opts FitOptions) (fit.MultiStartResult, error) {
	if len(p.y) > SubsampleAbove {
		return p.searchSubsampled(opts)
	}
	mo := fit.MultiStartOptions{LocalOptions: opts.Local, Workers: opts.Workers, Admissible: p.admissible}
	grid := reduceStarts(p.m, HoffmannGrid())
	if opts.Starts == StartsFull {
		return p.fullGrid(grid, opts)
	}
	if len(opts.Warm) == ThDim {
		// a warm start and the best data-driven starts first: when enough of them agree the
		// grid is not screened at all
		x := make([]float64, p.m.Free())
		p.m.Reduce(x, opts.Warm)
		if p.admissible(x) {
			ms, err := fit.MultiStart(p.obj, append([][]float64{x}, p.bestDataStarts(warmDataStarts)...), mo)
			if err == nil && ms.StartsAtBest >= minAgreeStarts {
				return p.polish(ms, opts), nil
			}
		}
	}
	order := p.screen(grid, opts.Workers)
	starts := p.dataStarts()
	if len(opts.Warm) == ThDim {
		x := make([]float64, p.m.Free())
		p.m.Reduce(x, opts.Warm)
		if p.admissible(x) {
			starts = append([][]float64{x}, starts...)
		}
	}
	next := 0
	take := func(k int) {
		for ; k > 0 && next < len(order); next++ {
			starts = append(starts, grid[order[next]])
			k--
		}
	}
	take(screenPolish)
	total := fit.MultiStartResult{}
	var best fit.MultiStartResult
	var ran [][]float64
	for round := 0; ; round++ {
		ms, err := fit.MultiStart(p.obj, starts, mo)
		if err != nil && round == 0 {
			return ms, err
		}
		ran = append(ran, starts...)
		total.Evaluations += ms.Evaluations
		total.Objectives = append(total.Objectives, ms.Objectives...)
		total.Finals = append(total.Finals, ms.Finals...)
		if err == nil && (best.X == nil || ms.F < best.F) {
			best = ms
		}
		if agree(total.Objectives, best.F) >= minAgreeStarts || next >= len(order) {
			break
		}
		if round == 1 && opts.Warm != nil {
			break // a warm-started refit trusts its rounds' best
		}
		if round == 1 {
			// the screened starts keep disagreeing: run the whole grid
			full, err := p.fullGrid(grid, opts)
			if err != nil {
				return full, err
			}
			full.Evaluations += total.Evaluations
			if best.F < full.F {
				// keep the better earlier optimum but the full grid's counts
				full.X, full.F, full.Status, full.Converged, full.GradNorm = best.X, best.F, best.Status, best.Converged, best.GradNorm
			}
			return full, nil
		}
		starts = nil
		take(screenWiden)
	}
	best.Starts = len(ran)
	best.Evaluations = total.Evaluations
	best.Objectives = total.Objectives
	best.Finals = total.Finals
	best.StartsAtBest = agree(total.Objectives, best.F)
	return p.polish(best, opts), nil
}

// Per-start budget of the full grid unless FitOptions.Local says otherwise: starts
// stranded on plateaus (a term switched off by α or β ≈ 0, or E above every loss)
// crawl for hundreds of evaluations without getting anywhere, so the grid stops a start
// after 100 evaluations or when 10 iterations gained less than 1e-4 (relative), much as
// scipy's L-BFGS-B stops on ftol; the winner is then polished to the full tolerance.
// Measured on Epoch's data (TestExploreFullSettings): 2.9 s CPU and 1,225 starts at the
// optimum, against 3.2 s and 1,346 with a budget of 150, and 4.6 s and 1,670 with the
// default local budget (300 evaluations, stall 1e-6). scipy reaches it from 352.
const (
	fullGridEvals = 100
	fullGridStall = 1e-4
)

// fullGrid runs every start of grid and polishes the winner.
func (p *a3Problem) fullGrid(grid [][]float64, opts FitOptions) (fit.MultiStartResult, error) {
	lo := opts.Local
	if lo.FuncEvaluations == 0 {
		lo.FuncEvaluations = fullGridEvals
	}
	if lo.StallRelTol == 0 {
		lo.StallRelTol = fullGridStall
	}
	ms, err := fit.MultiStart(p.obj, grid, fit.MultiStartOptions{LocalOptions: lo, Workers: opts.Workers, Admissible: p.admissible})
	if err != nil {
		return ms, err
	}
	return p.polish(ms, opts), nil
}

// polish reruns a winner that did not converge from where it stopped, with three times
// the evaluation budget, and keeps the result when it is no worse.
func (p *a3Problem) polish(ms fit.MultiStartResult, opts FitOptions) fit.MultiStartResult {
	if ms.Converged || ms.X == nil {
		return ms
	}
	lo := opts.Local
	if lo.FuncEvaluations == 0 {
		lo.FuncEvaluations = 900
	} else {
		lo.FuncEvaluations *= 3
	}
	pol := fit.Local(p.obj, ms.X, lo)
	ms.Evaluations += pol.Evaluations
	if pol.Err == nil && pol.F <= ms.F && p.admissible(pol.X) {
		ms.X, ms.F, ms.Status, ms.Converged = pol.X, pol.F, pol.Status, pol.Converged()
		g := make([]float64, len(pol.X))
		p.obj.ValueGrad(pol.X, g)
		ms.GradNorm = 0
		for _, v := range g {
			ms.GradNorm = math.Max(ms.GradNorm, math.Abs(v))
		}
	}
	return ms
}

// otherOptima returns up to k local optima of ms other than its best, lowest objective
// first, one per distinct objective value (1e-6 relative), admissible ones only.
func (p *a3Problem) otherOptima(ms fit.MultiStartResult, k int) [][]float64 {
	idx := make([]int, 0, len(ms.Objectives))
	for i, f := range ms.Objectives {
		if !math.IsInf(f, 1) && !fit.WithinBest(f, ms.F, 1e-6) && ms.Finals[i] != nil && p.admissible(ms.Finals[i]) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return ms.Objectives[idx[a]] < ms.Objectives[idx[b]] })
	var out [][]float64
	last := math.Inf(-1)
	for _, i := range idx {
		if len(out) == k {
			break
		}
		if f := ms.Objectives[i]; !fit.WithinBest(f, last, 1e-6) {
			out = append(out, ms.Finals[i])
			last = f
		}
	}
	return out
}

// screen returns the indices of grid sorted by ascending objective value (ties and NaN
// by grid order, NaN last).
func (p *a3Problem) screen(grid [][]float64, workers int) []int {
	vals := make([]float64, len(grid))
	p.obj.ValueMany(vals, grid, workers)
	return stats.Order(vals)
}

// screenedGrid returns the k grid starts with the lowest objective on the full data.
func (p *a3Problem) screenedGrid(k int) [][]float64 {
	grid := reduceStarts(p.m, HoffmannGrid())
	order := p.screen(grid, 1)
	var out [][]float64
	for _, i := range order[:min(k, len(order))] {
		out = append(out, grid[i])
	}
	return out
}

// admissible rejects optima whose law overflows: A, B or E outside (1e-300, 1e300)
// (|ln| > 690) or a non-finite exponent. Such starts drift along a direction the data
// cannot pin down (e.g. a narrow N range lets alpha and ln A grow together).
func (p *a3Problem) admissible(x []float64) bool {
	var th [ThDim]float64
	p.m.Full(th[:], x)
	for _, v := range th {
		if math.IsNaN(v) || math.Abs(v) > 690 {
			return false
		}
	}
	return true
}

func agree(objs []float64, best float64) int {
	n := 0
	for _, f := range objs {
		if fit.WithinBest(f, best, 1e-6) {
			n++
		}
	}
	return n
}

// bestDataStarts returns the k data-driven starts with the lowest objective.
func (p *a3Problem) bestDataStarts(k int) [][]float64 {
	ds := p.dataStarts()
	v := make([]float64, len(ds))
	for i, x := range ds {
		v[i] = p.obj.Value(x)
	}
	idx := stats.Order(v)
	var out [][]float64
	for _, i := range idx[:min(k, len(idx))] {
		out = append(out, ds[i])
	}
	return out
}

// dataStarts returns data-driven starts: E just below the smallest loss and, for a few
// exponent pairs, A and B from a least-squares fit of L − E = A N^−α + B D^−β (A, B
// floored at a small positive value).
func (p *a3Problem) dataStarts() [][]float64 {
	minY := slices.Min(p.y)
	var full [][ThDim]float64
	exps := []float64{0.2, 0.35, 0.6}
	for _, eFrac := range []float64{0.9, 0.6} {
		e := math.Log(eFrac) + minY
		for _, al := range exps {
			for _, be := range exps {
				// 2x2 normal equations for A, B on residual loss
				var s11, s12, s22, r1, r2 float64
				for i := range p.y {
					u := math.Exp(-al * p.lnN[i])
					v := math.Exp(-be * p.lnD[i])
					z := math.Exp(p.y[i]) - math.Exp(e)
					s11 += u * u
					s12 += u * v
					s22 += v * v
					r1 += u * z
					r2 += v * z
				}
				det := s11*s22 - s12*s12
				a, b := 1.0, 1.0
				if det > 0 {
					a = (r1*s22 - r2*s12) / det
					b = (r2*s11 - r1*s12) / det
				}
				var th [ThDim]float64
				th[ThA] = math.Log(math.Max(a, 1e-3))
				th[ThB] = math.Log(math.Max(b, 1e-3))
				th[ThE], th[ThAlpha], th[ThBeta] = e, al, be
				full = append(full, th)
			}
		}
	}
	// fixed parameters keep their values: the mapping drops them
	return reduceStarts(p.m, full)
}

// subsample returns the problem restricted to m runs spread evenly over the canonical
// order (the middle run of each of m equal slices), each weighted n/m.
func (p *a3Problem) subsample(m int) *a3Problem {
	n := len(p.y)
	q := &a3Problem{m: p.m, lnN: make([]float64, m), lnD: make([]float64, m), y: make([]float64, m)}
	for k := range m {
		i := (2*k + 1) * n / (2 * m)
		q.lnN[k], q.lnD[k], q.y[k] = p.lnN[i], p.lnD[i], p.y[i]
	}
	tN, tD, tE := Terms(q.lnN, q.lnD)
	obj, err := fit.NewLSE(q.y, []fit.Term{tN, tD, tE}, ThDim, p.obj.Loss(), p.m)
	if err != nil {
		panic(err) // the same terms and mapping as p's, which were valid
	}
	q.obj = obj.Scale(float64(n) / float64(m))
	return q
}

// competitive reports whether the subsample cannot rule out that optimum x fits every
// run better than best: its subsample objective exceeds best's by less than 3 standard
// errors of that difference under resampling of the subsample's runs (the difference is a
// sum over runs, so its standard error is the runs' scaled sd times sqrt(m)). f is x's
// subsample objective.
func (q *a3Problem) competitive(best, x []float64) (f float64, ok bool) {
	m := len(q.y)
	pb, px := make([]float64, m), make([]float64, m)
	q.obj.LogPredict(pb, q.obj.FullParams(best))
	q.obj.LogPredict(px, q.obj.FullParams(x))
	loss := q.obj.Loss()
	var sum, sum2 float64
	for i, y := range q.y {
		d := loss.Value(y-px[i]) - loss.Value(y-pb[i])
		sum += d
		sum2 += d * d
	}
	mean := sum / float64(m)
	sd := math.Sqrt(math.Max(sum2/float64(m)-mean*mean, 0))
	// (every run of the subsample has the same weight, which cancels)
	return q.obj.Value(x), sum < 3*sd*math.Sqrt(float64(m))
}

// searchSubsampled runs the search of opts.Starts on a subsample of SubsampleRows runs,
// then refines its best optimum and the next distinct ones (RefineOptima in all) on
// every run, and keeps the lowest. Starts counts the subsample's local runs and the
// refinements; StartsAtBest the subsample's starts that reached the optimum the winner was
// refined from; Evaluations the passes over the subsample and over the runs.
func (p *a3Problem) searchSubsampled(opts FitOptions) (fit.MultiStartResult, error) {
	sub := p.subsample(SubsampleRows)
	ms, err := a3Search(sub, opts)
	if err != nil {
		return ms, err
	}
	cands := [][]float64{ms.X}
	candF := []float64{ms.F}
	for _, x := range sub.otherOptima(ms, RefineOptima-1) {
		if f, ok := sub.competitive(ms.X, x); ok {
			cands, candF = append(cands, x), append(candF, f)
		}
	}
	ref := make([]fit.LocalResult, len(cands))
	stats.ParallelFor(len(cands), opts.Workers, func(i int) {
		ref[i] = fit.Local(p.obj, cands[i], opts.Local)
		if ref[i].Err == nil && !p.admissible(ref[i].X) {
			ref[i].F, ref[i].Err = math.Inf(1), errInadmissible
		}
	})
	out := fit.MultiStartResult{Best: -1, F: math.Inf(1), Starts: ms.Starts + len(cands), Evaluations: ms.Evaluations}
	for i, r := range ref {
		out.Evaluations += r.Evaluations
		out.Objectives = append(out.Objectives, r.F)
		out.Evals = append(out.Evals, r.Evaluations)
		out.Finals = append(out.Finals, r.X)
		if r.F < out.F {
			out.F, out.Best = r.F, i
		}
	}
	if out.Best < 0 {
		// no refinement stayed finite and admissible: keep the subsample's optimum's
		// refinement as is, which says why
		return out, errRefineFailed
	}
	w := ref[out.Best]
	out.X, out.Status, out.Converged = slices.Clone(w.X), w.Status, w.Converged()
	g := make([]float64, len(out.X))
	p.obj.ValueGrad(out.X, g)
	for _, v := range g {
		out.GradNorm = math.Max(out.GradNorm, math.Abs(v))
	}
	for _, f := range ms.Objectives {
		if math.Abs(f-candF[out.Best]) <= 1e-6*math.Abs(candF[out.Best])+1e-12 {
			out.StartsAtBest++
		}
	}
	return p.polish(out, opts), nil
}
