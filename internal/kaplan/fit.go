package kaplan

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// DefaultDelta is the Huber threshold of Hoffmann et al. 2022 on log-loss residuals.
const DefaultDelta = fit.DefaultDelta

// CodeNegligibleTerm flags a term of L(N,D) under 1% of the bracket for every run.
const CodeNegligibleTerm = "negligible-term"

// FitOptions configure Fit. The zero value fits the joint law L(N, D) with Huber δ = 1e-3
// on log-loss residuals, summed over runs, and no bootstrap.
type FitOptions struct {
	// Form is Joint (the zero value), ParamsOnly or DataOnly.
	Form Form
	// Offset fits an irreducible loss E (nats/token) in the single-variable forms,
	// L = E + (Xc/X)^α. Kaplan et al. fit none; ignored for Joint.
	Offset bool
	// Loss is the robust loss on residuals of ln(loss); the zero value is Huber with
	// δ = 1e-3 (Hoffmann et al.), fit.Loss{Kind: fit.Squared} is least squares.
	Loss fit.Loss
	// Workers is the number of goroutines; 0 means GOMAXPROCS. Results do not depend on it.
	Workers int
	// Bootstrap is the number of resamples K (0: no bootstrap); Seed seeds them
	// (resample k uses PCG(Seed, k)).
	Bootstrap int
	Seed      uint64
	// GradientThreshold stops a local minimisation when the max-abs gradient of the summed
	// objective falls below it; 0 means 1e-10.
	GradientThreshold float64
	// Warm, when not nil, is the free vector X of an earlier fit of the same form (e.g. at
	// the previous cut of a backtest): the search then polishes it and the WarmGrid grid
	// starts with the lowest objective instead of the whole grid.
	Warm []float64
}

// WarmGrid is how many of the best grid starts (by objective value) a warm-started fit
// polishes beside the warm start.
const WarmGrid = 4

// FitResult is a fitted Kaplan form with its diagnostics. N counts parameters as the runs
// do (Kaplan et al. exclude embeddings; say which in your data).
type FitResult struct {
	Form   Form
	Offset bool
	// Law is the fitted joint law (Form Joint); N and D the fitted single-variable laws
	// (ParamsOnly, DataOnly). The others are zero.
	Law Law
	N   NLaw
	D   DLaw
	// X is the free parameter vector in logs (see Form's constants).
	X []float64
	// Objective is Σ_i ρ(ln L_i − ln L̂_i) at the optimum (a sum, not a mean).
	Objective float64
	// Loss is the robust loss the fit minimised (Huber with its δ resolved, or squared).
	Loss fit.Loss
	Runs int
	// Diagnostics: converged, status, gradient norm, starts, starts at the best objective
	// and evaluations.
	fit.Diagnostics
	// RMSE is the root mean square of the residuals ln L − ln L̂; Residuals per run.
	RMSE      float64
	Residuals []float64
	// Warnings are non-fatal problems (non-convergence, a term that never matters, ...).
	Warnings []warn.Warning
	// Draws holds one row of Params values (in ParamNames order) per bootstrap resample
	// that produced a finite fit; nil without bootstrap.
	Draws [][]float64
	// Intervals are 95% percentile intervals over Draws by parameter name, plus the
	// frontier exponents "a" and "b" for the joint law.
	Intervals map[string]stats.Interval
	// BootstrapFailed counts resamples whose refit did not converge.
	BootstrapFailed int
}

// ParamNames lists the fitted constants of the result's form, in the order of Draws rows,
// with the JSON contract's names: Nc, Dc, alpha_N, alpha_D (joint); Nc, alpha_N[, E] for
// L(N); Dc, alpha_D[, E] for L(D).
func (r *FitResult) ParamNames() []string { return paramNames(r.Form, r.Offset) }

func paramNames(f Form, offset bool) []string {
	var ns []string
	switch f {
	case Joint:
		return []string{"Nc", "Dc", "alpha_N", "alpha_D"}
	case ParamsOnly:
		ns = []string{"Nc", "alpha_N"}
	case DataOnly:
		ns = []string{"Dc", "alpha_D"}
	}
	if offset {
		ns = append(ns, "E")
	}
	return ns
}

// Params returns the fitted constants by name (see ParamNames).
func (r *FitResult) Params() map[string]float64 {
	m := map[string]float64{}
	for i, n := range r.ParamNames() {
		m[n] = math.Exp(r.X[i])
	}
	return m
}

// HasFrontier reports whether the result has a compute frontier (the joint law).
func (r *FitResult) HasFrontier() bool { return r.Form == Joint }

// ErrTooFewRuns is returned (wrapped) when there are fewer runs than the form needs.
var ErrTooFewRuns = errors.New("too few runs")

// Fit fits a Kaplan form to runs of n parameters, d training tokens and final loss (nats
// per token): the summed robust loss of log-loss residuals, minimised by Newton's method
// with the analytic Hessian from a grid of starts on a worker pool. d may be nil for
// ParamsOnly, n for DataOnly. The runs are fitted in canonical order (fit.CanonicalOrder
// by params, tokens, loss), so the result does not depend on their order; Residuals
// come back in input order.
func Fit(n, d, loss []float64, opts FitOptions) (*FitResult, error) {
	o, err := newObjective(n, d, loss, opts)
	if err != nil {
		return nil, err
	}
	starts := o.starts()
	if len(opts.Warm) == o.Dim() {
		starts = o.warmStarts(opts.Warm, starts)
	}
	ms, err := fit.MultiStart(o, starts, fit.MultiStartOptions{LocalOptions: fit.LocalOptions{GradientThreshold: opts.GradientThreshold}, Workers: opts.Workers})
	if err != nil {
		return nil, fmt.Errorf("kaplan: %w", err)
	}
	r := &FitResult{Form: o.form, Offset: o.offset, X: ms.X, Objective: ms.F, Loss: o.loss(),
		Runs: len(o.y), Diagnostics: ms.Diagnostics()}
	r.setLaw()
	r.Residuals = make([]float64, len(o.y))
	var g [maxDim]float64
	var h [maxDim * maxDim]float64
	q := o.Dim()
	ss := 0.0
	for i, j := range o.perm {
		res := o.y[i] - o.logPredict(r.X, i, g[:q], h[:q*q], false, false)
		r.Residuals[j] = res // back in input order
		ss += res * res
	}
	r.RMSE = math.Sqrt(ss / float64(len(o.y)))
	if !r.Converged {
		r.Warnings = append(r.Warnings, warn.New(warn.CodeNotConverged, "kaplan %s fit did not converge (%s, max |gradient| %.3g)", r.Form, r.Status, r.GradNorm))
	}
	if o.form == Joint {
		maxN, maxD := o.maxShares(r.X)
		if maxN < 0.01 {
			r.Warnings = append(r.Warnings, warn.New(CodeNegligibleTerm, "kaplan L(N,D): the (Nc/N) term is under 1%% of the bracket for every run, so Nc and alpha_N are barely determined (the runs are data-limited)"))
		}
		if maxD < 0.01 {
			r.Warnings = append(r.Warnings, warn.New(CodeNegligibleTerm, "kaplan L(N,D): the Dc/D term is under 1%% of the bracket for every run, so Dc and alpha_D are barely determined (the runs are parameter-limited)"))
		}
	}
	for i, name := range r.ParamNames() {
		if v := math.Exp(r.X[i]); (name[0] == 'a' && (v < 1e-3 || v > 5)) || (name != "E" && name[0] != 'a' && (v < 1 || v > 1e30)) {
			r.Warnings = append(r.Warnings, warn.New(warn.CodeExtremeParameter, "kaplan %s: %s = %.3g is at an extreme; the form may not suit these runs", r.Form, name, v))
		}
	}
	if opts.Bootstrap > 0 {
		r.bootstrap(o, starts, opts)
	}
	return r, nil
}

func (r *FitResult) setLaw() {
	e := func(i int) float64 { return math.Exp(r.X[i]) }
	switch r.Form {
	case Joint:
		r.Law = Law{Nc: e(0), Dc: e(1), AlphaN: e(2), AlphaD: e(3)}
	case ParamsOnly:
		r.N = NLaw{Nc: e(0), AlphaN: e(1)}
		if r.Offset {
			r.N.E = e(2)
		}
	case DataOnly:
		r.D = DLaw{Dc: e(0), AlphaD: e(1)}
		if r.Offset {
			r.D.E = e(2)
		}
	}
}

func newObjective(n, d, loss []float64, opts FitOptions) (*objective, error) {
	o := &objective{form: opts.Form, offset: opts.Offset && opts.Form != Joint}
	if opts.Loss.Kind != fit.Squared {
		o.delta = opts.Loss.Delta
		if o.delta <= 0 {
			o.delta = DefaultDelta
		}
	}
	var xs []float64
	switch o.form {
	case Joint:
		if len(n) != len(loss) || len(d) != len(loss) {
			return nil, fmt.Errorf("kaplan: %d params, %d tokens and %d losses: want equal lengths", len(n), len(d), len(loss))
		}
	case ParamsOnly:
		xs = n
	case DataOnly:
		xs = d
	default:
		return nil, fmt.Errorf("kaplan: unknown form %d", int(o.form))
	}
	if o.form != Joint && len(xs) != len(loss) {
		return nil, fmt.Errorf("kaplan: %d values and %d losses: want equal lengths", len(xs), len(loss))
	}
	// Validate in input order (errors name the run as given), fit in canonical order:
	// by params, tokens, loss, so that the fit does not depend on the order of the runs.
	for i := range loss {
		vals := []float64{loss[i]}
		if o.form == Joint {
			vals = append(vals, n[i], d[i])
		} else {
			vals = append(vals, xs[i])
		}
		for _, v := range vals {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("kaplan: run %d has %g: want positive finite params, tokens and loss", i, v)
			}
		}
	}
	if o.form == Joint {
		o.perm = fit.CanonicalOrder(len(loss), n, d, loss)
	} else {
		o.perm = fit.CanonicalOrder(len(loss), xs, loss)
	}
	for _, i := range o.perm {
		o.y = append(o.y, math.Log(loss[i]))
		if o.form == Joint {
			o.x1 = append(o.x1, math.Log(n[i]))
			o.x2 = append(o.x2, math.Log(d[i]))
		} else {
			o.x1 = append(o.x1, math.Log(xs[i]))
		}
	}
	if need := o.Dim() + 1; len(o.y) < need {
		return nil, fmt.Errorf("kaplan %s: %d runs: %w (want at least %d)", o.form, len(o.y), ErrTooFewRuns, need)
	}
	if !varies(o.x1) || (o.form == Joint && !varies(o.x2)) {
		return nil, fmt.Errorf("kaplan %s: every run has the same size or the same tokens: the law cannot be fitted", o.form)
	}
	return o, nil
}

func varies(v []float64) bool {
	for _, x := range v {
		if math.Abs(x-v[0]) > 1e-12*math.Max(1, math.Abs(v[0])) {
			return true
		}
	}
	return false
}

func median(v []float64) float64 { return stats.Quantile(v, 0.5) }

// starts is a grid around data-driven levels: for an exponent α the scale is set so the
// power law passes through the median run (ln Xc = median ln X + median ln L / α), then
// shifted by ±3 nats; exponents 0.03, 0.1, 0.3 (and 1 for single-variable forms).
func (o *objective) starts() [][]float64 {
	my := median(o.y)
	mx1 := median(o.x1)
	var out [][]float64
	if o.form == Joint {
		mx2 := median(o.x2)
		for _, aN := range []float64{0.03, 0.1, 0.3} {
			for _, aD := range []float64{0.03, 0.1, 0.3} {
				for _, sN := range []float64{-3, 0, 3} {
					for _, sD := range []float64{-3, 0, 3} {
						// bracket terms ≈ L^(1/αD) each: (Nc/N)^(αN/αD) → ln Nc = ln N + ln L/αN
						out = append(out, []float64{mx1 + my/aN + sN, mx2 + my/aD + sD, math.Log(aN), math.Log(aD)})
					}
				}
			}
		}
		return out
	}
	minY := slices.Min(o.y)
	for _, a := range []float64{0.03, 0.1, 0.3, 1} {
		for _, s := range []float64{-3, 0, 3} {
			if !o.offset {
				out = append(out, []float64{mx1 + my/a + s, math.Log(a)})
				continue
			}
			for _, frac := range []float64{0.1, 0.5, 0.9} {
				e := minY + math.Log(frac) // E = frac · min L
				rest := math.Log(math.Exp(my) - math.Exp(e))
				out = append(out, []float64{mx1 + rest/a + s, math.Log(a), e})
			}
		}
	}
	return out
}

// warmStarts returns the warm start and the WarmGrid starts of grid with the lowest objective.
func (o *objective) warmStarts(warm []float64, grid [][]float64) [][]float64 {
	vals := make([]float64, len(grid))
	for i, x := range grid {
		vals[i] = o.Value(x)
	}
	out := [][]float64{slices.Clone(warm)}
	for _, i := range stats.Order(vals)[:min(WarmGrid, len(grid))] {
		out = append(out, grid[i])
	}
	return out
}

// maxShares returns the largest share, over the runs, of the (Nc/N) term and of the Dc/D
// term in the joint law's bracket.
func (o *objective) maxShares(x []float64) (maxN, maxD float64) {
	p := math.Exp(x[2] - x[3])
	for i := range o.y {
		t1 := p * (x[0] - o.x1[i])
		t2 := x[1] - o.x2[i]
		sN := math.Exp(t1 - lse2(t1, t2))
		maxN, maxD = math.Max(maxN, sN), math.Max(maxD, 1-sN)
	}
	return maxN, maxD
}

// reweight returns the objective with run i counted counts[i] times.
func (o *objective) reweight(counts []int) *objective {
	c := *o
	c.w = make([]float64, len(counts))
	for i, k := range counts {
		c.w[i] = float64(k)
		if o.w != nil {
			c.w[i] *= o.w[i]
		}
	}
	return &c
}

// bootstrap refits resamples of the runs from the full-data optimum and three grid
// starts, each converged tightly (a loose warm start barely moves and collapses the
// intervals), and sets Draws and Intervals.
func (r *FitResult) bootstrap(o *objective, grid [][]float64, opts FitOptions) {
	starts := [][]float64{slices.Clone(r.X)}
	for i := 0; i < len(grid); i += 27 {
		starts = append(starts, grid[i])
	}
	type draw struct {
		x  []float64
		ok bool
	}
	draws := stats.Replicates(opts.Bootstrap, stats.BootstrapOptions{Seed: opts.Seed, Workers: opts.Workers}, func(_ int, rng *rand.Rand) draw {
		ro := o.reweight(stats.Counts(rng, len(o.y)))
		best := fit.LocalResult{F: math.Inf(1)}
		for _, s := range starts {
			if lr := fit.Local(ro, s, fit.LocalOptions{GradientThreshold: opts.GradientThreshold}); lr.F < best.F {
				best = lr
			}
		}
		return draw{best.X, best.Converged()}
	})
	names := r.ParamNames()
	cols := map[string][]float64{}
	for _, d := range draws {
		if !d.ok {
			r.BootstrapFailed++
		}
		if d.x == nil || !allFinite(d.x) {
			continue
		}
		row := make([]float64, len(d.x))
		for j, v := range d.x {
			row[j] = math.Exp(v)
			cols[names[j]] = append(cols[names[j]], row[j])
		}
		if r.Form == Joint {
			l := Law{Nc: row[0], Dc: row[1], AlphaN: row[2], AlphaD: row[3]}
			cols["a"] = append(cols["a"], l.ExponentA())
			cols["b"] = append(cols["b"], l.ExponentB())
		}
		r.Draws = append(r.Draws, row)
	}
	if len(r.Draws) == 0 {
		r.Warnings = append(r.Warnings, warn.New(warn.CodeBootstrapFailures, "kaplan bootstrap: no resample produced a finite fit"))
		return
	}
	r.Intervals = map[string]stats.Interval{}
	for k, v := range cols {
		r.Intervals[k], _ = stats.Central(v, stats.Level95)
	}
	if r.BootstrapFailed > 0 {
		r.Warnings = append(r.Warnings, warn.New(warn.CodeBootstrapFailures, "kaplan bootstrap: %d of %d resamples did not converge", r.BootstrapFailed, opts.Bootstrap))
	}
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
