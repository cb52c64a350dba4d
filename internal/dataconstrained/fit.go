package dataconstrained

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Recipes of Options.Recipe.
const (
	// RecipeJoint fits E, A, B, alpha, beta, R_D* and R_N* together.
	RecipeJoint = "joint"
	// RecipeTwoStage is the paper's recipe: the base law is fixed (fitted elsewhere:
	// Muennighoff et al. fitted it to Chinchilla's C4 points) and only R_D*, R_N* are fitted.
	RecipeTwoStage = "muennighoff2023"
)

// Run is one training run: N parameters, D training tokens drawn from U unique tokens, and
// its final loss (nats/token).
type Run struct {
	Params, Tokens, Unique, Loss float64
	Name                         string // how warnings name the run (its id or file:line), "" for "run i"
}

// Options configure Fit. The zero value is the joint recipe with Huber δ = 1e-3 on log-loss
// residuals (Approach 3's), no bootstrap.
type Options struct {
	// Recipe is RecipeJoint ("" too) or RecipeTwoStage.
	Recipe string
	// Base is the fixed base law of RecipeTwoStage; the zero Law means muennighoff2023's C4
	// constants.
	Base chinchilla.Law
	// Loss is the robust loss on residuals of ln(loss).
	Loss fit.Loss
	// Bootstrap resamples (0: none), their Seed (resample k draws from PCG(Seed, k)),
	// Workers (0: GOMAXPROCS; results do not depend on it) and Progress (called as resamples
	// finish, from any goroutine).
	Bootstrap int
	Seed      uint64
	Workers   int
	Progress  func(done, total int)
	// Local overrides the local minimiser (zero value: Newton, gradient threshold 1e-10).
	Local fit.LocalOptions
}

// Identification says whether the runs pin a repetition constant down.
type Identification struct {
	// AtBound is "upper" or "lower" when the fitted constant ran to within a factor 2 of
	// MaxStar or MinStar, else "".
	AtBound string
	// LR holds the profile statistics toward the lower and upper bound: the rise of the
	// objective when the constant is held at that bound and the rest refitted, scaled as a
	// likelihood-ratio statistic (see lrStat); +Inf when not computed.
	LR [2]float64
	// Flat is true on a side whose LR is below FlatLR: the runs cannot tell the fitted
	// value from that bound.
	Flat [2]bool
}

// Identified reports whether the constant is bounded on both sides.
func (id Identification) Identified() bool { return id.AtBound == "" && !id.Flat[0] && !id.Flat[1] }

// FlatLR is the profile threshold: a constant whose objective, with the constant held at a
// bound and the rest refitted, rises by a likelihood-ratio statistic below χ²₁'s 95% point
// is not identified on that side (its interval end is unbounded). The statistic scales the
// Huber objective as a Laplace likelihood (lrStat). Checked on the synthetic development
// sweeps of TestFlatProfileCalibration and on datablations (docs/data-running-out.md).
const FlatLR = 3.841458820694124

// Result is a fitted data-constrained law with its diagnostics.
type Result struct {
	Law    Law
	Recipe string
	// Objective is Σ ρ(ln L − ln L̂) at the optimum (a sum over runs).
	Objective float64
	fit.Diagnostics
	Runs int
	// Residuals are ln L − ln L̂ per run, in input order; RMSE their root mean square and
	// Sigma their robust scale (1.4826 × median |residual|).
	Residuals   []float64
	RMSE, Sigma float64
	// Excess counts the runs with more parameters than the compute-optimal N for their
	// unique data (N > N_opt(U) on the fitted law): the runs that inform R_N*.
	Excess int
	// Epochs are D/U over the runs: min and max (U taken as min(U, D)).
	Epochs [2]float64
	// Ident says whether R_D* and R_N* are identified (keys ParamRDStar, ParamRNStar).
	Ident map[string]Identification
	// Draws holds one row per bootstrap resample, columns as ParamNames (nil without).
	Draws [][]float64
	// Intervals are 95% percentile intervals by parameter name over Draws; an end the runs
	// do not bound (the constant reaches its bound in the draws, or its profile is flat on
	// that side) is ±Inf. Fixed constants (the base law of RecipeTwoStage) have none.
	Intervals map[string]stats.Interval
	// BootstrapFailed counts resamples whose refit did not converge.
	BootstrapFailed int
	// Overfit names (by index into the input) the runs whose loss rises with more epochs at
	// the same N and U; Plateau those within PlateauFrac of the highest loss when they are
	// many (see checks.go).
	Overfit []OverfitRun
	Plateau []int
	// Warnings are non-fatal findings (each with a catalogued code).
	Warnings []warn.Warning
}

// problem is the validated runs and the parametrisation of one fit.
type problem struct {
	runs  []Run
	order []int // canonical order: rows[k] is runs[order[k]]
	r     *rows
	m     fit.Mapping
	obj   *objective
	opts  Options
}

// ErrTooFewRuns is returned (wrapped) when fewer runs than free constants remain.
var ErrTooFewRuns = errors.New("too few runs")

// Fit fits the data-constrained law to rs. Runs with D < U never repeat (U is taken as D).
// Every value must be positive and finite (the family's input layer names the bad line).
func Fit(rs []Run, opts Options) (*Result, error) {
	p, err := newProblem(rs, opts)
	if err != nil {
		return nil, err
	}
	ms, err := p.search()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	res := p.result(ms)
	p.identify(res, ms)
	if opts.Bootstrap > 0 {
		p.bootstrap(res, ms)
	}
	p.checks(res)
	return res, nil
}

func newProblem(rs []Run, opts Options) (*problem, error) {
	switch opts.Recipe {
	case "":
		opts.Recipe = RecipeJoint
	case RecipeJoint, RecipeTwoStage:
	default:
		return nil, fmt.Errorf("%s: recipe %q: want %s or %s", Name, opts.Recipe, RecipeJoint, RecipeTwoStage)
	}
	if opts.Bootstrap < 0 {
		return nil, fmt.Errorf("%s: bootstrap %d: want 0 or more resamples", Name, opts.Bootstrap)
	}
	for i, r := range rs {
		for _, v := range [4]float64{r.Params, r.Tokens, r.Unique, r.Loss} {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s: run %d: params %g, tokens %g, unique tokens %g, loss %g: want positive finite numbers", Name, i+1, r.Params, r.Tokens, r.Unique, r.Loss)
			}
		}
	}
	p := &problem{runs: rs, opts: opts}
	p.order = canonical(rs)
	p.r = &rows{}
	for _, i := range p.order {
		r := rs[i]
		u := math.Min(r.Unique, r.Tokens)
		p.r.lnN, p.r.n = append(p.r.lnN, math.Log(r.Params)), append(p.r.n, r.Params)
		p.r.lnU, p.r.u = append(p.r.lnU, math.Log(u)), append(p.r.u, u)
		p.r.rd = append(p.r.rd, math.Max(r.Tokens/u-1, 0))
		p.r.y = append(p.r.y, math.Log(r.Loss))
		p.r.w = append(p.r.w, 1)
	}
	p.m = fit.Identity(thDim)
	if opts.Recipe == RecipeTwoStage {
		base := opts.Base
		if base == (chinchilla.Law{}) {
			c4, err := laws.Lookup("muennighoff2023")
			if err != nil {
				return nil, err
			}
			base = *c4.Chinchilla
		}
		for _, v := range [5]float64{base.E, base.A, base.B, base.Alpha, base.Beta} {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s: base law E %g, A %g, B %g, alpha %g, beta %g: want positive finite constants", Name, base.E, base.A, base.B, base.Alpha, base.Beta)
			}
		}
		p.m = fit.Mapping{Src: []int{-1, -1, -1, -1, -1, 0, 1},
			Fixed: []float64{math.Log(base.A), math.Log(base.B), math.Log(base.E), base.Alpha, base.Beta, 0, 0}}
	}
	if free := p.m.Free(); len(rs) < free {
		return nil, fmt.Errorf("%s: %d runs: %w (want at least %d for %d constants)", Name, len(rs), ErrTooFewRuns, free, free)
	}
	p.obj = newObjective(p.r, opts.Loss, p.m)
	return p, nil
}

// canonical returns the indices of rs sorted by params, tokens, unique tokens and loss, so
// that a fit never depends on the order of the rows.
func canonical(rs []Run) []int {
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := rs[idx[a]], rs[idx[b]]
		for _, c := range [4][2]float64{{x.Params, y.Params}, {x.Tokens, y.Tokens}, {x.Unique, y.Unique}, {x.Loss, y.Loss}} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return false
	})
	return idx
}

func (p *problem) multiOptions() fit.MultiStartOptions {
	return fit.MultiStartOptions{LocalOptions: p.opts.Local, Workers: p.opts.Workers, Admissible: p.admissible,
		Minimizer: func(obj fit.Objective, x0 []float64, lo fit.LocalOptions) fit.LocalResult {
			return local(obj.(*objective), x0, lo)
		}}
}

// admissible rejects optima whose law overflows or whose exponents are absurd (above 10).
func (p *problem) admissible(x []float64) bool {
	th := p.obj.theta(x)
	pt := newPoint(th)
	return pt.ok && th[thAlpha] <= 10 && th[thBeta] <= 10
}

// search runs the screened multi-start of fit.Screened over the recipe's start grid.
func (p *problem) search() (fit.MultiStartResult, error) {
	so := fit.ScreenOptions{MultiStartOptions: p.multiOptions()}
	if p.opts.Recipe == RecipeTwoStage {
		so.Polish, so.Widen = 8, 16
	}
	return fit.Screened(p.obj, p.grid(), nil, so)
}

// grid returns the start grid in free coordinates. Joint: for exponents α, β, an irreducible
// loss E below the lowest loss and R_D* on small grids, A and B come from a least-squares fit
// of L − E = A N^−α + B D'^−β (relative errors; floored at 1e-3), each start then taken with
// every R_N* of the grid: 2,304 starts, screened by objective value. Two-stage: R_D* × R_N*
// on a 9 × 9 grid.
func (p *problem) grid() [][]float64 {
	gridExponents := [...]float64{0.1, 0.2, 0.35, 0.55, 0.8, 1.2}
	gridEFrac := [...]float64{0.3, 0.6, 0.85, 0.97}
	gridStars := [...]float64{2, 15, 100, 3000}
	gridStars2 := [...]float64{0.5, 1.5, 5, 15, 50, 150, 500, 2000, 8000}
	q := p.m.Free()
	var out [][]float64
	add := func(th [thDim]float64) {
		x := make([]float64, q)
		p.m.Reduce(x, th[:])
		out = append(out, x)
	}
	if p.opts.Recipe == RecipeTwoStage {
		for _, rd := range gridStars2 {
			for _, rn := range gridStars2 {
				var th [thDim]float64
				th[thRD], th[thRN] = zOf(rd), zOf(rn)
				add(th)
			}
		}
		return out
	}
	r := p.r
	minL := math.Inf(1)
	for _, y := range r.y {
		minL = math.Min(minL, math.Exp(y))
	}
	xs, ys := make([]float64, r.len()), make([]float64, r.len())
	for _, al := range gridExponents {
		for i := range xs {
			xs[i] = math.Exp(-al * r.lnN[i])
		}
		for _, be := range gridExponents {
			for _, rd := range gridStars {
				for i := range ys {
					dp := r.u[i]
					if r.rd[i] > 0 {
						dp = r.u[i] * (1 + rd*(1-math.Exp(-r.rd[i]/rd)))
					}
					ys[i] = math.Exp(-be * math.Log(dp))
				}
				for _, ef := range gridEFrac {
					e := ef * minL
					a, b := lsAB(xs, ys, r.y, e)
					for _, rn := range gridStars {
						var th [thDim]float64
						th[thA], th[thB], th[thE] = math.Log(a), math.Log(b), math.Log(e)
						th[thAlpha], th[thBeta] = al, be
						th[thRD], th[thRN] = zOf(rd), zOf(rn)
						add(th)
					}
				}
			}
		}
	}
	return out
}

// lsAB solves the weighted least squares L_i − E ≈ A x_i + B y_i with weights 1/L_i² (relative
// errors), flooring A and B at 1e-3.
func lsAB(xs, ys, lnL []float64, e float64) (a, b float64) {
	var s11, s12, s22, r1, r2 float64
	for i := range xs {
		l := math.Exp(lnL[i])
		w := 1 / (l * l)
		z := l - e
		s11 += w * xs[i] * xs[i]
		s12 += w * xs[i] * ys[i]
		s22 += w * ys[i] * ys[i]
		r1 += w * xs[i] * z
		r2 += w * ys[i] * z
	}
	a, b = 1, 1
	if det := s11*s22 - s12*s12; det > 0 {
		a = (r1*s22 - r2*s12) / det
		b = (r2*s11 - r1*s12) / det
	}
	return math.Max(a, 1e-3), math.Max(b, 1e-3)
}

// result builds the Result of the search's best point.
func (p *problem) result(ms fit.MultiStartResult) *Result {
	th := p.obj.theta(ms.X)
	res := &Result{Law: lawOf(th), Recipe: p.opts.Recipe, Objective: ms.F, Diagnostics: ms.Diagnostics(), Runs: len(p.runs)}
	if p.opts.Recipe == RecipeTwoStage {
		// the base law exactly as given (θ holds its logarithms)
		base := p.opts.Base
		if base == (chinchilla.Law{}) {
			c4, _ := laws.Lookup("muennighoff2023")
			base = *c4.Chinchilla
		}
		res.Law.Law = base
	}
	pt := newPoint(th)
	res.Residuals = make([]float64, len(p.runs))
	abs := make([]float64, len(p.runs))
	res.Epochs = [2]float64{math.Inf(1), 0}
	for k, i := range p.order {
		r := p.r
		res.Residuals[i] = r.y[k] - pt.logLoss(r.lnN[k], r.n[k], r.lnU[k], r.u[k], r.rd[k])
		abs[k] = math.Abs(res.Residuals[i])
		if pt.excess(r.lnN[k], r.lnU[k]) {
			res.Excess++
		}
		ep := r.rd[k] + 1
		res.Epochs[0], res.Epochs[1] = math.Min(res.Epochs[0], ep), math.Max(res.Epochs[1], ep)
	}
	res.RMSE = fit.RMSE(res.Residuals)
	res.Sigma = 1.4826 * stats.Quantile(abs, 0.5)
	return res
}

// free returns the θ indices of the repetition constants the recipe fits.
func (p *problem) stars() []int {
	var out []int
	for _, j := range []int{thRD, thRN} {
		if p.m.Src[j] >= 0 {
			out = append(out, j)
		}
	}
	return out
}

// lrStat scales a rise dF of the summed objective f over n runs as a likelihood-ratio
// statistic. For Huber with a small δ, ρ(r) ≈ δ|r| − δ²/2, the objective of a Laplace
// likelihood whose scale is estimated by the mean |r|: 2nΔF/(F + nδ²/2). For squared error,
// the Gaussian n ln(1 + ΔF/F).
func lrStat(loss fit.Loss, f, df, n float64) float64 {
	if df <= 0 {
		return 0
	}
	if loss.Kind == fit.Squared {
		return n * math.Log1p(df/math.Max(f, 1e-300))
	}
	d := loss.Delta
	if d <= 0 {
		d = fit.DefaultDelta
	}
	return 2 * n * df / (f + n*d*d/2)
}

// identify fills res.Ident: for each fitted repetition constant, whether it ran to a bound,
// and the profile toward each bound (the constant held there, the rest refitted from the
// optimum and the search's best other optima).
func (p *problem) identify(res *Result, ms fit.MultiStartResult) {
	res.Ident = map[string]Identification{}
	others := fit.OtherOptima(ms, 3)
	n := float64(p.r.len())
	for _, j := range p.stars() {
		star, _ := starOf(p.obj.theta(ms.X)[j])
		var id Identification
		switch {
		case star >= MaxStar/2:
			id.AtBound = "upper"
		case star <= 2*MinStar:
			id.AtBound = "lower"
		}
		for side, z := range [2]float64{-zFixedAt, zFixedAt} {
			f := p.profile(j, z, append([][]float64{ms.X}, others...))
			id.LR[side] = lrStat(p.opts.Loss, ms.F, f-ms.F, n)
			id.Flat[side] = id.LR[side] < FlatLR
		}
		res.Ident[thetaName(j)] = id
	}
}

// profile returns the best objective with θ[j] held at z, refitted from starts (free
// coordinates of the unconstrained problem).
func (p *problem) profile(j int, z float64, starts [][]float64) float64 {
	obj := p.obj.fixing([]int{j}, []float64{z})
	mo := p.multiOptions()
	mo.Admissible = func(x []float64) bool {
		th := obj.theta(x)
		pt := newPoint(th)
		return pt.ok && th[thAlpha] <= 10 && th[thBeta] <= 10
	}
	var xs [][]float64
	for _, x := range starts {
		xs = append(xs, convert(p.obj, obj, x))
	}
	r, err := fit.MultiStart(obj, xs, mo)
	if err != nil {
		return math.Inf(1)
	}
	return fit.Polish(obj, r, mo).F
}

// bootstrap refits K resamples of the runs (resample k from PCG(Seed, k)), each from the
// full-data optimum converged tightly and, so that a bad basin cannot capture it, also from
// the best of the search's other optima when that one starts lower; it fills Draws,
// Intervals and BootstrapFailed.
func (p *problem) bootstrap(res *Result, ms fit.MultiStartResult) {
	type draw struct {
		th [thDim]float64
		ok bool
	}
	cands := fit.OtherOptima(ms, 3)
	n := p.r.len()
	out := stats.Replicates(p.opts.Bootstrap, stats.BootstrapOptions{Seed: p.opts.Seed, Workers: p.opts.Workers, Progress: p.opts.Progress},
		func(_ int, rng *rand.Rand) draw {
			obj := p.obj.with(p.r.reweight(stats.Counts(rng, n)))
			best := local(obj, ms.X, p.opts.Local)
			bi, bv := -1, math.Inf(1)
			for i, c := range cands {
				if v := obj.Value(c); v < bv {
					bi, bv = i, v
				}
			}
			if bi >= 0 && (bv < best.F || !best.Converged()) {
				lr := local(obj, cands[bi], p.opts.Local)
				if lr.F < best.F-1e-9*math.Abs(best.F) || (!best.Converged() && lr.Converged()) {
					best = lr
				}
			}
			if !best.Converged() && best.Err == nil {
				lo := p.opts.Local
				lo.FuncEvaluations = 3 * max(lo.FuncEvaluations, 300)
				lo.StallRelTol = -1 // a slow stretch across Huber kinks is not the end
				if pol := local(obj, best.X, lo); pol.Err == nil && pol.F <= best.F {
					best = pol
				}
			}
			return draw{th: obj.theta(best.X), ok: best.Converged() && p.admissible(best.X)}
		})
	names := ParamNames()
	cols := map[string][]float64{}
	for _, d := range out {
		if !d.ok {
			res.BootstrapFailed++
		}
		l := lawOf(d.th)
		if p.opts.Recipe == RecipeTwoStage {
			l.Law = res.Law.Law
		}
		pm := l.Params()
		row := make([]float64, len(names))
		good := true
		for k, name := range names {
			row[k] = pm[name]
			good = good && finite(row[k])
		}
		if !good {
			continue
		}
		res.Draws = append(res.Draws, row)
		for k, name := range names {
			cols[name] = append(cols[name], row[k])
		}
	}
	res.Intervals = map[string]stats.Interval{}
	for j := range thDim {
		if p.m.Src[j] < 0 {
			continue
		}
		name := thetaName(j)
		iv, ok := stats.Central(cols[name], stats.Level95)
		if !ok {
			continue
		}
		if id, isStar := res.Ident[name]; isStar {
			if iv.Hi >= MaxStar/2 || id.Flat[1] || id.AtBound == "upper" {
				iv.Hi = math.Inf(1)
			}
			if iv.Lo <= 2*MinStar || id.Flat[0] || id.AtBound == "lower" {
				iv.Lo = math.Inf(-1)
			}
		}
		res.Intervals[name] = iv
	}
}
