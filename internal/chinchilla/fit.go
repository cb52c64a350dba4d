package chinchilla

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Parameter indices of θ = (a, b, e, α, β) with A = e^a, B = e^b, E = e^e: the
// parametrisation Fit minimises over (A, B, E > 0 by construction), shared by every fit of
// a law of Chinchilla's form (internal/tasks' step 1).
const (
	ThA = iota
	ThB
	ThE
	ThAlpha
	ThBeta
	ThDim
)

// Starts modes of FitOptions.Starts.
const (
	// StartsDefault screens Hoffmann's 4,500-point grid by objective value, polishes the
	// most promising distinct starts plus data-driven ones, and widens the search when
	// the best starts disagree. It reaches the full grid's optimum on every dataset in
	// testdata/ (TestFitDefaultMatchesFullGrid).
	StartsDefault = "default"
	// StartsFull runs a local minimisation from every point of Hoffmann et al.'s grid:
	// α, β ∈ {0, .5, …, 2}, e ∈ {−1, −.5, …, 1}, a, b ∈ {0, 5, …, 25} (4,500 starts),
	// each with a budget of 100 evaluations and a stall test (see fullGridEvals); the
	// winner is polished to the full tolerance.
	StartsFull = "full"
)

// FitOptions configure Fit (Approach 3). The zero value is the Epoch/Hoffmann recipe:
// Huber δ = 1e-3 on log-loss residuals, summed over runs; default search; no bootstrap.
type FitOptions struct {
	// Loss is the robust loss on residuals of ln(loss); zero value Huber δ = 1e-3.
	Loss fit.Loss
	// Starts is "default" (or "") for the screened search, or "full" for all 4,500
	// grid starts.
	Starts string
	// Fix holds parameters kept at a fixed value, by name: "E" (nats/token), "A", "B"
	// (positive), "alpha", "beta" (case-insensitive). Nil fixes nothing.
	Fix map[string]float64
	// TieExponents fits a single exponent α = β (as Muennighoff et al. 2023 do).
	TieExponents bool
	// Workers is the number of goroutines; 0 means GOMAXPROCS. Results do not depend on it.
	Workers int
	// Bootstrap is the number of resamples K (0: no bootstrap). Epoch used 4,000.
	Bootstrap int
	// Seed seeds the bootstrap; resample k uses PCG(Seed, k).
	Seed uint64
	// Progress, if non-nil, is called with (done, total) as bootstrap resamples finish,
	// from worker goroutines (it must be safe for concurrent use).
	Progress func(done, total int)
	// Local overrides the local minimiser settings (zero value: Newton, gradient
	// threshold 1e-10 on the summed objective).
	Local fit.LocalOptions
	// Warm, when not nil, is θ = (ln A, ln B, ln E, α, β) of an earlier fit of similar runs
	// (e.g. the previous cut of a backtest): the search first polishes it with the four best
	// data-driven starts and stops when three of the five reach the best objective; else it
	// runs the default search with the warm start added, keeping the best of its rounds
	// instead of running the full grid.
	Warm []float64

	bootGuard float64 // tests: override bootGuardFactor
}

// FitResult is a fitted Chinchilla law with its diagnostics.
type FitResult struct {
	Law Law
	// Theta is (a, b, e, α, β) = (ln A, ln B, ln E, α, β).
	Theta [5]float64
	// Objective is Σ_i ρ(ln L_i − ln L̂_i) at the optimum (a sum, not a mean).
	Objective float64
	// Loss is the robust loss used.
	Loss fit.Loss
	// Runs is the number of runs fitted; Free the number of free parameters.
	Runs, Free int
	// Diagnostics: converged, status, gradient norm, starts, starts at the best objective
	// (counted against the best start before a winner that had not converged was
	// polished) and evaluations.
	fit.Diagnostics
	// Rcond is the reciprocal condition number λ_min/λ_max of the objective's Hessian at
	// the optimum (free parameters of θ); FlatWidth the distance along the flattest
	// direction within which the objective stays within 1e-6 (relative) of the best. A
	// converged fit with Rcond below 1e-9 is reported as not converged (StatusFlatOptimum).
	Rcond, FlatWidth float64
	// RMSE is the root mean square of the log-loss residuals ln L − ln L̂.
	RMSE float64
	// Residuals are ln L_i − ln L̂_i per run, in input order (dimensionless: 0.01 is a 1%
	// error in the loss).
	Residuals []float64
	// Warnings are non-fatal problems (non-convergence, parameters at extremes, ...).
	Warnings []warn.Warning

	// Draws holds one [E, A, B, alpha, beta] row per bootstrap resample, in resample
	// order (nil without bootstrap); E in nats/token. A resample whose refit gave a
	// non-finite law is left out (none on the datasets in testdata/).
	Draws [][5]float64
	// Intervals are 95% percentile intervals (numpy 'linear' percentiles 2.5 and 97.5)
	// over Draws for "E", "A", "B", "alpha", "beta", and the frontier exponents "a"
	// (N_opt ∝ C^a) and "b" (D_opt ∝ C^b).
	Intervals map[string]stats.Interval
	// BootstrapFailed counts resamples whose refit did not stop on the gradient
	// threshold (kept in Draws when finite; a warning says how many).
	BootstrapFailed int
	// BootstrapEvaluations counts the passes over (resampled) data of all refits.
	BootstrapEvaluations int

	bootSwitched int // resamples where the guard start found a lower optimum
}

// DrawLaws returns the law of every bootstrap draw.
func (r *FitResult) DrawLaws() []Law {
	out := make([]Law, len(r.Draws))
	for i, d := range r.Draws {
		out[i] = Law{E: d[0], A: d[1], B: d[2], Alpha: d[3], Beta: d[4]}
	}
	return out
}

// IntervalOf returns the central percentile interval at level (e.g. 0.95) of a derived
// quantity over the bootstrap draws, e.g. func(l Law) float64 { return l.NOpt(1e24) }.
// Non-finite values are dropped. ok is false without draws.
func (r *FitResult) IntervalOf(level float64, q func(Law) float64) (iv stats.Interval, ok bool) {
	return stats.CentralOf(r.DrawLaws(), level, q)
}

// Terms returns the terms of ln L = LSE(a − α ln N, b − β ln D, e), the objective's model of
// ln loss over θ (lnN, lnD: ln parameters and ln tokens per run), for fit.NewLSE.
func Terms(lnN, lnD []float64) (n, d, e fit.Term) {
	return fit.Term{Intercept: ThA, Slope: ThAlpha, X: lnN},
		fit.Term{Intercept: ThB, Slope: ThBeta, X: lnD},
		fit.Term{Intercept: ThE, Slope: -1}
}

// LawFromTheta converts θ = (a, b, e, α, β) to a Law.
func LawFromTheta(th []float64) Law {
	return Law{E: math.Exp(th[ThE]), A: math.Exp(th[ThA]), B: math.Exp(th[ThB]), Alpha: th[ThAlpha], Beta: th[ThBeta]}
}

// ErrTooFewRuns is returned (wrapped) when fewer than 5 usable runs remain.
var ErrTooFewRuns = errors.New("too few runs")

// a3Problem is the validated data, in canonical row order, and the parametrisation of
// one fit.
type a3Problem struct {
	lnN, lnD, y []float64
	// perm[i] is the input index of canonical row i (fit.CanonicalOrder by params,
	// tokens, loss): every fit, subsample and bootstrap resample works in that order,
	// so none depends on the order of the rows given.
	perm []int
	m    fit.Mapping
	obj  *fit.LSE
}

func newA3Problem(n, d, loss []float64, opts FitOptions) (*a3Problem, error) {
	if len(n) != len(d) || len(n) != len(loss) {
		return nil, fmt.Errorf("chinchilla: %d params, %d tokens and %d losses: want equal lengths", len(n), len(d), len(loss))
	}
	switch opts.Starts {
	case "", StartsDefault, StartsFull:
	default:
		return nil, fmt.Errorf("chinchilla: starts %q: want %q or %q", opts.Starts, StartsDefault, StartsFull)
	}
	if opts.Bootstrap < 0 {
		return nil, fmt.Errorf("chinchilla: bootstrap %d: want 0 (none) or a positive number of resamples", opts.Bootstrap)
	}
	for i := range n {
		for _, v := range [3]float64{n[i], d[i], loss[i]} {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("chinchilla: run %d: params %g, tokens %g, loss %g: want positive finite numbers", i, n[i], d[i], loss[i])
			}
		}
	}
	p := &a3Problem{perm: fit.CanonicalOrder(len(n), n, d, loss)}
	p.lnN, p.lnD, p.y = fit.Gather(n, p.perm), fit.Gather(d, p.perm), fit.Gather(loss, p.perm)
	for _, v := range [3][]float64{p.lnN, p.lnD, p.y} {
		fit.Log(v, v) // in place
	}
	m, err := a3Mapping(opts)
	if err != nil {
		return nil, err
	}
	p.m = m
	if len(n) < 5 {
		return nil, fmt.Errorf("chinchilla: %d runs: %w (want at least 5 for 5 parameters)", len(n), ErrTooFewRuns)
	}
	if !varies(p.y) {
		return nil, fmt.Errorf("chinchilla: every run has the same loss %g: nothing scales with N or D, so there is no law to fit", loss[0])
	}
	if !varies(p.lnN) && confounded(m, ThA, ThAlpha, ThBeta) > 1 {
		return nil, errors.New("chinchilla: every run has the same parameter count N: A/N^alpha is a constant that trades off with E (fix alpha and A, or vary N)")
	}
	if !varies(p.lnD) && confounded(m, ThB, ThBeta, ThAlpha) > 1 {
		return nil, errors.New("chinchilla: every run has the same token count D: B/D^beta is a constant that trades off with E (fix beta and B, or vary D)")
	}
	tN, tD, tE := Terms(p.lnN, p.lnD)
	p.obj, err = fit.NewLSE(p.y, []fit.Term{tN, tD, tE}, ThDim, opts.Loss, m)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// confounded counts the free parameters among E, a term's coefficient and its exponent
// (an exponent tied to the other term's counts as pinned by that term). When the term's
// variable does not vary, the term is a constant and only one of them can be estimated.
func confounded(m fit.Mapping, coef, exp, other int) int {
	n := 0
	if m.Src[ThE] >= 0 {
		n++
	}
	if m.Src[coef] >= 0 {
		n++
	}
	if m.Src[exp] >= 0 && m.Src[exp] != m.Src[other] {
		n++
	}
	return n
}

func varies(v []float64) bool {
	for _, x := range v {
		if math.Abs(x-v[0]) > 1e-12*math.Max(1, math.Abs(v[0])) {
			return true
		}
	}
	return false
}

// a3Mapping builds the free-to-θ mapping from Fix and TieExponents.
func a3Mapping(opts FitOptions) (fit.Mapping, error) {
	fixed := [ThDim]bool{}
	vals := make([]float64, ThDim)
	for k, v := range opts.Fix {
		var j int
		switch strings.ToLower(k) {
		case "e":
			j = ThE
		case "a":
			j = ThA
		case "b":
			j = ThB
		case "alpha":
			j = ThAlpha
		case "beta":
			j = ThBeta
		default:
			return fit.Mapping{}, fmt.Errorf("chinchilla: cannot fix %q: want E, A, B, alpha or beta", k)
		}
		if fixed[j] {
			return fit.Mapping{}, fmt.Errorf("chinchilla: %s fixed twice: give each parameter once", k)
		}
		switch j {
		case ThE, ThA, ThB:
			if !(v > 0) || math.IsInf(v, 0) {
				return fit.Mapping{}, fmt.Errorf("chinchilla: fixed %s = %g: want a positive number", k, v)
			}
			vals[j] = math.Log(v)
		default:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fit.Mapping{}, fmt.Errorf("chinchilla: fixed %s = %g: want a finite number", k, v)
			}
			vals[j] = v
		}
		fixed[j] = true
	}
	if opts.TieExponents && fixed[ThAlpha] != fixed[ThBeta] {
		// tying with one fixed fixes both
		if fixed[ThAlpha] {
			vals[ThBeta], fixed[ThBeta] = vals[ThAlpha], true
		} else {
			vals[ThAlpha], fixed[ThAlpha] = vals[ThBeta], true
		}
	}
	if opts.TieExponents && fixed[ThAlpha] && vals[ThAlpha] != vals[ThBeta] {
		return fit.Mapping{}, errors.New("chinchilla: --tie-exponents with different fixed alpha and beta")
	}
	m := fit.Mapping{Src: make([]int, ThDim), Fixed: vals}
	q := 0
	for j := range ThDim {
		switch {
		case fixed[j]:
			m.Src[j] = -1
		case j == ThBeta && opts.TieExponents:
			m.Src[j] = m.Src[ThAlpha]
		default:
			m.Src[j] = q
			q++
		}
	}
	if q == 0 {
		return fit.Mapping{}, errors.New("chinchilla: every parameter is fixed: nothing to fit")
	}
	return m, nil
}

// HoffmannGrid returns the 4,500 starts of Hoffmann et al. as full θ vectors, in Epoch's
// order (α, β, e, a, b nested outermost to innermost).
func HoffmannGrid() [][ThDim]float64 {
	var out [][ThDim]float64
	for ia := 0; ia < 5; ia++ {
		for ib := 0; ib < 5; ib++ {
			for ie := 0; ie < 5; ie++ {
				for ja := 0; ja < 6; ja++ {
					for jb := 0; jb < 6; jb++ {
						var th [ThDim]float64
						th[ThAlpha], th[ThBeta] = 0.5*float64(ia), 0.5*float64(ib)
						th[ThE] = -1 + 0.5*float64(ie)
						th[ThA], th[ThB] = 5*float64(ja), 5*float64(jb)
						out = append(out, th)
					}
				}
			}
		}
	}
	return out
}

// reduceStarts maps full-θ starts to distinct free vectors (fixed parameters ignored, tied
// exponents taken from α), keeping the first occurrence.
func reduceStarts(m fit.Mapping, full [][ThDim]float64) [][]float64 {
	q := m.Free()
	seen := make(map[[ThDim]float64]bool, len(full))
	out := make([][]float64, 0, len(full))
	flat := make([]float64, len(full)*q)
	for i, th := range full {
		x := flat[i*q : (i+1)*q : (i+1)*q]
		m.Reduce(x, th[:])
		var key [ThDim]float64
		copy(key[:], x)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, x)
	}
	return out
}

// Fit fits L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, Approach 3) to runs with
// n parameters, d training tokens and final loss (nats/token), minimising the summed
// robust loss of ln L − ln L̂ over θ = (ln A, ln B, ln E, α, β). Losses that do not vary
// are an error: nothing scales. The runs are fitted in canonical order (fit.CanonicalOrder
// by params, tokens, loss), so the result, bootstrap draws included, does not depend on
// the order they are given in; Residuals come back in input order.
func Fit(n, d, loss []float64, opts FitOptions) (*FitResult, error) {
	p, err := newA3Problem(n, d, loss, opts)
	if err != nil {
		return nil, err
	}
	if opts.Local.GradientThreshold == 0 && opts.Local.Method == fit.Newton && len(n) > 1000 {
		// Rounding noise in a summed gradient grows with the number of runs: keep the
		// absolute threshold reachable for very large run sets.
		opts.Local.GradientThreshold = fit.DefaultGradientThreshold * float64(len(n)) / 1000
	}
	ms, err := a3Search(p, opts)
	if err != nil {
		return nil, err
	}
	r := p.result(ms, opts)
	p.checkFlat(r, ms.X)
	r.Warnings = append(r.Warnings, p.designWarnings()...)
	if opts.Bootstrap > 0 {
		if err := p.bootstrap(r, ms, opts); err != nil {
			return nil, err
		}
	}
	r.Warnings = append(r.Warnings, a3Warnings(r)...)
	return r, nil
}

// flatRcond is the reciprocal condition number of the objective's Hessian (over the free
// parameters of θ) below which a fit that stopped on the gradient threshold is not counted
// as converged. Chosen on a development set: the converged fits of Epoch's runs, the 15
// Porian et al. settings, testdata/synthetic.csv and versus_synthetic.csv have rcond
// 2.9e-8 to 7.7e-7; the threshold is 30x below the lowest. On other data: the 6 Gadre et
// al. fits (3 corpora x 2 losses) have 3.1e-8 to 3.6e-7 (TestFlatOptimum); plateau-synthetic, a
// law that cannot describe its runs, 1.1e-10.
const flatRcond = 1e-9

// StatusFlatOptimum is the status of a fit whose best start stopped on the gradient
// threshold at a flat optimum (Hessian reciprocal condition number below 1e-9).
const StatusFlatOptimum = "FlatOptimum"

// checkFlat marks a converged fit as not converged when its optimum is flat: with the
// Hessian's smallest eigenvalue λ_min that far below its largest, parameters a distance
// δ = sqrt(2·1e-6·|f|/λ_min) apart along the flattest direction fit within 1e-6 of the
// best objective (the tolerance of starts_at_best), so the objective does not determine
// them; which point the search reports depends on its path (on plateau-synthetic, 8 of
// 20 orders of the rows reported convergence before fits sorted their rows). r.Flat
// records λ_min/λ_max and δ.
func (p *a3Problem) checkFlat(r *FitResult, x []float64) {
	q := p.obj.Dim()
	g, h := make([]float64, q), make([]float64, q*q)
	p.obj.ValueGradHess(x, g, h)
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(q, h), false) {
		return
	}
	ev := es.Values(nil) // ascending
	lo, hi := ev[0], ev[q-1]
	if !(hi > 0) {
		return
	}
	r.Rcond = lo / hi
	if lo > 0 {
		r.FlatWidth = math.Sqrt(2e-6 * math.Abs(r.Objective) / lo)
	} else {
		r.FlatWidth = math.Inf(1)
	}
	if r.Converged && !(r.Rcond >= flatRcond) {
		r.Converged, r.Status = false, StatusFlatOptimum
	}
}

func (p *a3Problem) result(ms fit.MultiStartResult, opts FitOptions) *FitResult {
	th := p.obj.FullParams(ms.X)
	r := &FitResult{Law: LawFromTheta(th), Objective: ms.F, Loss: opts.Loss, Runs: len(p.y), Free: p.obj.Dim(),
		Diagnostics: ms.Diagnostics()}
	copy(r.Theta[:], th)
	res := make([]float64, len(p.y))
	p.obj.Residuals(res, ms.X)
	r.RMSE = fit.RMSE(res)                 // summed in canonical order
	r.Residuals = fit.Scatter(res, p.perm) // in input order
	return r
}

// designWarnings flags run sets that cannot identify the law's parameters.
func (p *a3Problem) designWarnings() []warn.Warning {
	var w []warn.Warning
	span := func(v []float64) float64 { return math.Exp(slices.Max(v) - slices.Min(v)) }
	if sn := span(p.lnN); sn < 4 && confounded(p.m, ThA, ThAlpha, ThBeta) > 1 {
		w = append(w, warn.New(CodeNarrowSpan, "N spans only %.3gx (%.3g to %.3g params): alpha and A are poorly identified", sn, math.Exp(slices.Min(p.lnN)), math.Exp(slices.Max(p.lnN))))
	}
	if sd := span(p.lnD); sd < 4 && confounded(p.m, ThB, ThBeta, ThAlpha) > 1 {
		w = append(w, warn.New(CodeNarrowSpan, "D spans only %.3gx (%.3g to %.3g tokens): beta and B are poorly identified", sd, math.Exp(slices.Min(p.lnD)), math.Exp(slices.Max(p.lnD))))
	}
	if p.m.Src[ThE] < 0 && p.m.Fixed[ThE] >= slices.Min(p.y) {
		w = append(w, warn.New(CodeFixedEAboveLoss, "E is fixed at %.4g nats/token, at or above the lowest loss in the runs (%.4g): no law of this form can fit them", math.Exp(p.m.Fixed[ThE]), math.Exp(slices.Min(p.y))))
	}
	if c := correlation(p.lnN, p.lnD); math.Abs(c) > 0.995 {
		w = append(w, warn.New(CodeCollinear, "ln N and ln D are almost collinear (correlation %.4f; e.g. the same tokens per param for every run): the N and D terms cannot be told apart, alpha and beta may be swapped", c))
	}
	return w
}

func correlation(x, y []float64) float64 {
	if stat.Variance(x, nil) == 0 || stat.Variance(y, nil) == 0 {
		return 0
	}
	return stat.Correlation(x, y, nil)
}

// Stable warning codes of the Approach-3 fit (README's warning catalogue).
const (
	CodeNotConverged     = "not-converged"      // the best start stopped on a limit
	CodeFragileOptimum   = "fragile-optimum"    // fewer than 2 starts reached the best objective
	CodeExtremeParameter = "extreme-parameter"  // alpha/beta negative, near 0 or above 2.5; E tiny
	CodeNarrowSpan       = "narrow-span"        // N or D spans less than 4x
	CodeFixedEAboveLoss  = "fixed-e-above-loss" // --fix E at or above the lowest loss
	CodeCollinear        = "collinear"          // ln N and ln D almost collinear
	CodeWideInterval     = "wide-interval"      // an exponent's 95% interval is wider than itself
)

// a3Warnings lists problems with a fit that the caller should see.
func a3Warnings(r *FitResult) []warn.Warning {
	var w []warn.Warning
	switch {
	case r.Status == StatusFlatOptimum:
		w = append(w, warn.New(CodeNotConverged, "the fit did not converge to a determined optimum: the objective is flat along one direction (Hessian reciprocal condition number %.2g, below %g), so parameters %.2g apart along it (in ln A, ln B, ln E, alpha, beta) fit within 1e-6 of the best; the law may not describe these runs", r.Rcond, flatRcond, r.FlatWidth))
	case !r.Converged:
		w = append(w, warn.New(CodeNotConverged, "the best start did not converge (status %s, gradient %.3g)", r.Status, r.GradNorm))
	}
	if r.Starts > 1 && r.StartsAtBest < 2 {
		w = append(w, warn.New(CodeFragileOptimum, "only %d of %d starts reached the best objective: the optimum may be fragile", r.StartsAtBest, r.Starts))
	}
	for _, e := range []struct {
		name string
		v    float64
	}{{"alpha", r.Law.Alpha}, {"beta", r.Law.Beta}} {
		if e.v < 0 {
			w = append(w, warn.New(CodeExtremeParameter, "%s = %.3g is negative: the fitted loss rises with %s, so the law does not describe these runs", e.name, e.v, map[string]string{"alpha": "N", "beta": "D"}[e.name]))
		} else if e.v < 0.05 {
			w = append(w, warn.New(CodeExtremeParameter, "%s = %.3g is near 0: that term is nearly constant and trades off with E", e.name, e.v))
		} else if e.v > 2.5 {
			w = append(w, warn.New(CodeExtremeParameter, "%s = %.3g is above 2.5: implausibly steep, check the data", e.name, e.v))
		}
	}
	if r.Law.E < 0.05 {
		w = append(w, warn.New(CodeExtremeParameter, "E = %.3g nats/token is tiny: the irreducible loss is not identified by these runs", r.Law.E))
	}
	for _, k := range []string{"alpha", "beta"} {
		if iv, ok := r.Intervals[k]; ok {
			v := r.Law.Alpha
			if k == "beta" {
				v = r.Law.Beta
			}
			if iv.Hi-iv.Lo > v {
				w = append(w, warn.New(CodeWideInterval, "the 95%% interval of %s (%.3g, %.3g) is wider than %s itself: the exponent is poorly determined", k, iv.Lo, iv.Hi, k))
			}
		}
	}
	if r.BootstrapFailed > 0 {
		w = append(w, warn.New(CodeBootstrapFailures, "%d of %d bootstrap refits did not converge", r.BootstrapFailed, len(r.Draws)))
	}
	return w
}
