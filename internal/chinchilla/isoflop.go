package chinchilla

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/interp"
	"gonum.org/v1/gonum/stat"
)

// Point is one observation for the IsoFLOP (Approach 2) and envelope (Approach 1) estimators.
//
// Params is N (parameters), Tokens is D (training tokens seen), FLOPs is the training compute C
// in FLOPs (when 0 it is taken as 6·N·D), Loss is the cross-entropy in nats/token. Budget, when
// > 0, names the IsoFLOP budget (FLOPs) the point belongs to; 0 lets IsoFLOP cluster FLOPs.
// Run identifies the training run a point lies on (for loss curves); empty means the point is
// its own run.
type Point struct {
	Params, Tokens, FLOPs, Loss float64
	Budget                      float64 // IsoFLOP budget in FLOPs; 0 = none (cluster FLOPs)
	Run                         string  // run id; "" = the point is its own run
}

// flops returns the point's compute in FLOPs, 6·N·D when FLOPs is not set.
func (p Point) flops() float64 {
	if p.FLOPs > 0 {
		return p.FLOPs
	}
	return 6 * p.Params * p.Tokens
}

// Stable warning codes of the IsoFLOP and envelope estimators.
const (
	CodeTooFewSizes       = "too-few-sizes"            // budget has < MinSizes distinct N (rejected)
	CodeEdgeOptimum       = "edge-optimum"             // minimum at the smallest or largest sampled N (rejected)
	CodeConcaveProfile    = "concave-profile"          // parabola opens downward (rejected)
	CodeOffCentre         = "off-centre"               // minimum far from the grid's geometric centre (kept)
	CodeFewBudgets        = "few-budgets"              // fewer than 3 accepted budgets
	CodeUnassigned        = "unassigned-runs"          // runs that fell in no budget cluster
	CodeBudgetsSplit      = "budgets-split"            // inferred budgets so close that one was likely cut in two
	CodeBootstrapFailures = warn.CodeBootstrapFailures // some bootstrap replicates could not be fitted
	CodeFewSizesEnvelope  = "few-sizes-on-envelope"    // envelope dominated by <= 2 model sizes
)

// VertexMethod selects how the minimum of an IsoFLOP profile is located.
type VertexMethod string

// Vertex methods. VertexAuto uses Akima with >= IsoFLOPOptions.AkimaMinSizes distinct sizes and a
// parabola otherwise.
const (
	VertexAuto     VertexMethod = "auto"
	VertexAkima    VertexMethod = "akima"
	VertexParabola VertexMethod = "parabola"
)

// IsoFLOPOptions configures IsoFLOP. The zero value is usable; defaults are given per field.
type IsoFLOPOptions struct {
	// Vertex is the minimum finder: "auto" (default), "akima" or "parabola".
	// Akima: gonum interp.AkimaSpline through (ln N, ln L), evaluated on a geometric grid of
	// (n−1)·GridPerSize points between the smallest and largest sampled N (Porian et al. 2024);
	// the grid argmin is the optimum. Parabola: least-squares quadratic of ln L in ln N
	// (Hoffmann et al. 2022 fit loss; fitting ln L is equivalent to first order).
	Vertex VertexMethod
	// BudgetTolerance is the relative half-width of a FLOPs cluster when Point.Budget is 0:
	// sorted runs join a cluster while their FLOPs stay within a factor (1+tol)² of the cluster's
	// smallest run, i.e. within about ±tol of its geometric centre. Default 0.15.
	BudgetTolerance float64
	// MinSizes is the minimum number of distinct N per budget (default 3, at least 3).
	MinSizes int
	// AkimaMinSizes is the number of distinct sizes from which "auto" uses Akima (default 5).
	AkimaMinSizes int
	// GridPerSize is the Akima grid density: (n−1)·GridPerSize points for n sizes (default 25).
	GridPerSize int
	// OffCentreFactor: a kept budget whose N_opt differs from the geometric centre of its
	// sampled sizes by more than this factor gets an "off-centre" warning (default 2).
	OffCentreFactor float64
	// Bootstrap is the number of bootstrap replicates K (default 0: no intervals).
	Bootstrap int
	// Seed seeds the bootstrap (PCG, replicate i uses stream (Seed, i)); results do not depend on
	// Workers.
	Seed uint64
	// Workers bounds bootstrap parallelism (default GOMAXPROCS).
	Workers int
	// Level is the two-sided interval level (default 0.95).
	Level float64
}

func (o IsoFLOPOptions) withDefaults() (IsoFLOPOptions, error) {
	if o.Vertex == "" {
		o.Vertex = VertexAuto
	}
	switch o.Vertex {
	case VertexAuto, VertexAkima, VertexParabola:
	default:
		return o, fmt.Errorf("isoflop: vertex method %q: want auto, akima or parabola", o.Vertex)
	}
	if o.BudgetTolerance <= 0 {
		o.BudgetTolerance = 0.15
	}
	if o.MinSizes < 3 {
		o.MinSizes = 3
	}
	if o.AkimaMinSizes <= 0 {
		o.AkimaMinSizes = 5
	}
	if o.GridPerSize <= 0 {
		o.GridPerSize = 25
	}
	if o.OffCentreFactor <= 1 {
		o.OffCentreFactor = 2
	}
	return o, bootstrapDefaults("isoflop", &o.Workers, &o.Level, o.Bootstrap)
}

// bootstrapDefaults fills the bootstrap settings shared by Approaches 1 and 2: workers
// (0 means GOMAXPROCS), the interval level (default 0.95) and a non-negative resample count.
func bootstrapDefaults(what string, workers *int, level *float64, k int) error {
	if *workers <= 0 {
		*workers = runtime.GOMAXPROCS(0)
	}
	if *level <= 0 || *level >= 1 {
		*level = 0.95
	}
	if k < 0 {
		return fmt.Errorf("%s: bootstrap %d: want >= 0", what, k)
	}
	return nil
}

// BudgetOptimum is one row of the per-budget table of IsoFLOP.
type BudgetOptimum struct {
	FLOPs    float64 // budget C in FLOPs (Point.Budget, or the geometric mean of the cluster)
	Runs     int     // points assigned to the budget
	Sizes    int     // distinct N after keeping the lowest loss per N
	MinN     float64 // smallest sampled N (params)
	MaxN     float64 // largest sampled N (params)
	NOpt     float64 // N at the minimum (params); 0 when no minimum was found
	DOpt     float64 // C/(6·NOpt) (tokens)
	Loss     float64 // loss at the minimum (nats/token)
	Method   VertexMethod
	Accepted bool    // used in the power-law fit
	Reason   string  // diagnostic code of the rejection ("" when accepted)
	Offset   float64 // ln(NOpt / geometric centre of the sampled sizes)
	// LnN and LnLoss are the knots the minimum was located on: ln N ascending (sizes within
	// 1% merged) and ln loss (the lowest per size). Profile draws the curve through them.
	LnN, LnLoss []float64
	// Points are the indices, ascending, of the points (in the slice given to IsoFLOP) that
	// were assigned to the budget: the one assignment that the knots, the minimum and the
	// figures' scatter of the budget's runs all come from.
	Points []int
}

// Profile returns the curve of ln loss (nats/token) against ln N (params) that located the
// budget's minimum: the Akima spline through the knots or their least-squares parabola, as
// Method says. nil when no curve was fitted (fewer than MinSizes sizes).
func (b BudgetOptimum) Profile() func(lnN float64) float64 {
	switch b.Method {
	case VertexAkima:
		return akima(b.LnN, b.LnLoss).Predict
	case VertexParabola:
		c0, c1, c2, mean := stats.Parabola(b.LnN, b.LnLoss)
		return func(x float64) float64 { u := x - mean; return c0 + c1*u + c2*u*u }
	}
	return nil
}

// akima is gonum's Akima spline through (xs, ys), xs strictly increasing.
func akima(xs, ys []float64) *interp.AkimaSpline {
	var as interp.AkimaSpline
	_ = as.Fit(xs, ys) // only fails by panicking on bad input, excluded by the callers
	return &as
}

// IsoFLOPResult is the outcome of IsoFLOP.
//
// The fitted laws are N_opt(C) = K·C^A (params) and D_opt(C) = KD·C^B (tokens), C in FLOPs.
type IsoFLOPResult struct {
	Budgets []BudgetOptimum // sorted by FLOPs
	// PowerLaws: N_opt = K C^A and D_opt = KD C^B fitted through the accepted budgets'
	// minima, with R² and bootstrap intervals (resampling points within budgets).
	PowerLaws
	Unassigned []Point
	Warnings   []warn.Warning
	Options    IsoFLOPOptions // options after defaults
}

// PowerLaws are the compute-optimal power laws N_opt = K·C^A (params) and D_opt = KD·C^B
// (tokens) that Approaches 1 and 2 fit by least squares in log space, C in FLOPs.
type PowerLaws struct {
	A, B  float64 // exponents of N_opt and D_opt in C
	K, KD float64 // prefactors (params per FLOP^A, tokens per FLOP^B)
	R2A   float64 // R² of ln N_opt on ln C
	R2B   float64 // R² of ln D_opt on ln C
	// Bootstrap percentile intervals (zero without a bootstrap). LnK and LnKD are intervals
	// for ln K and ln KD.
	AInt, BInt, LnKInt, LnKDInt stats.Interval
	BootstrapOK                 int // replicates that produced a fit
}

// NOpt returns the fitted compute-optimal parameter count at c FLOPs.
func (p *PowerLaws) NOpt(c float64) float64 { return p.K * math.Pow(c, p.A) }

// DOpt returns the fitted compute-optimal token count at c FLOPs.
func (p *PowerLaws) DOpt(c float64) float64 { return p.KD * math.Pow(c, p.B) }

// Optimal returns N_opt and D_opt at c FLOPs; the power laws predict no loss (NaN).
func (p *PowerLaws) Optimal(c float64) (n, d, loss float64) { return p.NOpt(c), p.DOpt(c), math.NaN() }

// ComputeForParams inverts N_opt = K C^A: the budget at which n parameters are optimal, and
// D_opt there.
func (p *PowerLaws) ComputeForParams(n float64) (c, d float64) {
	c = math.Pow(n/p.K, 1/p.A)
	return c, p.DOpt(c)
}

// Loss is NaN: the power laws are an allocation, not a loss law.
func (p *PowerLaws) Loss(n, d float64) float64 { return math.NaN() }

// Exponents returns A and B.
func (p *PowerLaws) Exponents() (a, b float64) { return p.A, p.B }

// Intervals returns the bootstrap intervals of "a" and "b" (nil without a bootstrap).
func (p *PowerLaws) Intervals() map[string]stats.Interval {
	if p.BootstrapOK == 0 {
		return nil
	}
	return map[string]stats.Interval{"a": p.AInt, "b": p.BInt}
}

// ErrTooFewBudgets is returned (wrapped) when fewer than two budgets survive; the result is
// still returned so the caller can show the per-budget table and reasons.
var ErrTooFewBudgets = errors.New("fewer than 2 accepted budgets")

// canonicalPoints returns pts in canonical order (by params, tokens, loss, FLOPs as
// given, budget, run id; fit.CanonicalOrder's rule) and perm, perm[i] the input index of
// sorted[i]. Approaches 1 and 2 work on the sorted points, so that clustering, ties,
// bootstrap resamples and results do not depend on the order of the rows and files.
func canonicalPoints(pts []Point) (sorted []Point, perm []int) {
	perm = make([]int, len(pts))
	params := make([]float64, len(pts))
	for i := range pts {
		params[i] = pts[i].Params
	}
	fit.SortByKey(perm, params, func(a, b int) int { // points equal in every field are interchangeable
		p, q := &pts[a], &pts[b]
		return cmp.Or(cmp.Compare(p.Tokens, q.Tokens), cmp.Compare(p.Loss, q.Loss),
			cmp.Compare(p.FLOPs, q.FLOPs), cmp.Compare(p.Budget, q.Budget), strings.Compare(p.Run, q.Run))
	})
	return fit.Gather(pts, perm), perm
}

// budgetGroup is the raw input of one budget.
type budgetGroup struct {
	flops float64
	pts   []Point
	idx   []int // pts[k] is the idx[k]-th point given to IsoFLOP
}

// IsoFLOP runs Chinchilla Approach 2: group points into compute budgets, locate the loss
// minimum over ln N per budget, and fit ln N_opt = ln K + A ln C and ln D_opt = ln KD + B ln C by
// ordinary least squares over the accepted budgets, with optional bootstrap intervals that
// resample points within budgets and refit the whole pipeline. The points are taken in
// canonical order (canonicalPoints), so the result does not depend on their order.
func IsoFLOP(pts []Point, opts IsoFLOPOptions) (*IsoFLOPResult, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	for i, p := range pts {
		if !(p.Params > 0) || !(p.Loss > 0) || !(p.flops() > 0) || math.IsInf(p.Loss, 0) {
			return nil, fmt.Errorf("isoflop: point %d: params %g, loss %g, flops %g: want positive finite values", i, p.Params, p.Loss, p.flops())
		}
	}
	pts, perm := canonicalPoints(pts)
	groups, unassigned := groupBudgets(pts, o.BudgetTolerance)
	res := &IsoFLOPResult{Unassigned: unassigned, Options: o}
	if len(unassigned) > 0 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeUnassigned, Msg: fmt.Sprintf("%d run(s) fall in no budget (within ±%.0f%% of another run's FLOPs) and were not used", len(unassigned), 100*o.BudgetTolerance)})
	}
	if w, ok := splitBudgets(groups, pts, o.BudgetTolerance); ok {
		res.Warnings = append(res.Warnings, w)
	}
	res.Budgets = make([]BudgetOptimum, len(groups))
	// each budget's points by their index as given, ascending: one pass over the input
	// order (no sort)
	budgetOf := make([]int32, len(pts))
	for i := range budgetOf {
		budgetOf[i] = -1
	}
	for i, g := range groups {
		res.Budgets[i] = budgetOptimum(g, o)
		res.Budgets[i].Points = make([]int, 0, len(g.idx))
		for _, j := range g.idx {
			budgetOf[perm[j]] = int32(i)
		}
	}
	for in, b := range budgetOf {
		if b >= 0 {
			res.Budgets[b].Points = append(res.Budgets[b].Points, in)
		}
	}
	// One warning per rejection code, listing its budgets (a sweep with many sparse budgets
	// would otherwise bury the other warnings).
	var offc, few, edge, concave []string
	for _, b := range res.Budgets {
		switch {
		case !b.Accepted && b.Reason == CodeTooFewSizes:
			few = append(few, fmt.Sprintf("%.3g FLOPs has %d", b.FLOPs, b.Sizes))
		case !b.Accepted && b.Reason == CodeEdgeOptimum:
			edge = append(edge, fmt.Sprintf("%.3g FLOPs (sizes %.3g–%.3g)", b.FLOPs, b.MinN, b.MaxN))
		case !b.Accepted && b.Reason == CodeConcaveProfile:
			concave = append(concave, fmt.Sprintf("%.3g FLOPs", b.FLOPs))
		case b.Accepted && math.Abs(b.Offset) > math.Log(o.OffCentreFactor):
			offc = append(offc, fmt.Sprintf("%.3g (%.2fx)", b.FLOPs, math.Exp(b.Offset)))
		}
	}
	if len(few) > 0 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeTooFewSizes, Msg: fmt.Sprintf(
			"%d budget(s) with fewer than %d distinct sizes rejected: budget %s", len(few), o.MinSizes, strings.Join(few, ", budget "))})
	}
	if len(edge) > 0 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeEdgeOptimum, Msg: fmt.Sprintf(
			"%d budget(s) with the minimum at the edge of their sampled sizes rejected: budget %s", len(edge), strings.Join(edge, ", budget "))})
	}
	if len(concave) > 0 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeConcaveProfile, Msg: fmt.Sprintf(
			"%d budget(s) whose parabola of ln loss in ln N opens downward rejected: budget %s", len(concave), strings.Join(concave, ", budget "))})
	}
	if len(offc) > 0 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeOffCentre, Msg: fmt.Sprintf(
			"N_opt differs from its grid's geometric centre by more than %gx at budget(s) %v; for parabola vertices with alpha != beta a constant offset leaves a unbiased but shifts N_opt (the intercept) and an offset drifting with C biases a (Akima minima are much less sensitive; centre the grids on the optimum)",
			o.OffCentreFactor, offc)})
	}
	fit, ok := fitBudgets(res.Budgets)
	nacc := 0
	for _, b := range res.Budgets {
		if b.Accepted {
			nacc++
		}
	}
	if !ok {
		return res, fmt.Errorf("isoflop: %d of %d budgets accepted: %w", nacc, len(res.Budgets), ErrTooFewBudgets)
	}
	res.A, res.B, res.K, res.KD, res.R2A, res.R2B = fit.a, fit.b, math.Exp(fit.lnK), math.Exp(fit.lnKD), fit.r2a, fit.r2b
	if nacc < 3 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeFewBudgets, Msg: fmt.Sprintf("only %d budgets accepted: the exponent rests on %d points (R² %.4f is meaningless)", nacc, nacc, fit.r2a)})
	}
	if o.Bootstrap > 0 {
		reps := bootstrapFits(o.Bootstrap, stats.BootstrapOptions{Seed: o.Seed, Workers: o.Workers}, func(rng *rand.Rand) (powerFit, bool) {
			rs := make([]BudgetOptimum, len(groups))
			for j, g := range groups {
				s := budgetGroup{flops: g.flops, pts: make([]Point, len(g.pts))}
				for k := range s.pts {
					s.pts[k] = g.pts[rng.IntN(len(g.pts))]
				}
				rs[j] = budgetOptimum(s, o)
			}
			return fitBudgets(rs)
		})
		res.BootstrapOK = len(reps)
		if len(reps) < o.Bootstrap {
			res.Warnings = append(res.Warnings, warn.Warning{Code: CodeBootstrapFailures, Msg: fmt.Sprintf("%d of %d bootstrap replicates had fewer than 2 accepted budgets and were skipped", o.Bootstrap-len(reps), o.Bootstrap)})
		}
		res.PowerLaws.intervals(reps, o.Level)
	}
	return res, nil
}

// groupBudgets assigns points to budgets: by Point.Budget when set, otherwise by clustering
// ln FLOPs greedily in sorted order. Clusters of a single point are returned as unassigned.
func groupBudgets(pts []Point, tol float64) ([]budgetGroup, []Point) {
	byBudget := map[float64]*budgetGroup{}
	var free []int
	count := map[float64]int{} // sized once: a sweep's budgets hold many points each
	for i := range pts {
		if b := pts[i].Budget; b > 0 {
			count[b]++
		}
	}
	for i := range pts {
		p := &pts[i]
		if p.Budget > 0 {
			g := byBudget[p.Budget]
			if g == nil {
				c := count[p.Budget]
				g = &budgetGroup{flops: p.Budget, pts: make([]Point, 0, c), idx: make([]int, 0, c)}
				byBudget[p.Budget] = g
			}
			g.pts, g.idx = append(g.pts, *p), append(g.idx, i)
		} else {
			free = append(free, i)
		}
	}
	var groups []budgetGroup
	for _, g := range byBudget {
		groups = append(groups, *g)
	}
	var unassigned []Point
	sort.SliceStable(free, func(i, j int) bool { return pts[free[i]].flops() < pts[free[j]].flops() })
	width := 2 * math.Log1p(tol)
	for i := 0; i < len(free); {
		j := i + 1
		start := math.Log(pts[free[i]].flops())
		for j < len(free) && math.Log(pts[free[j]].flops())-start <= width {
			j++
		}
		if j-i == 1 {
			unassigned = append(unassigned, pts[free[i]])
		} else {
			var s float64
			g := budgetGroup{idx: free[i:j]}
			for _, k := range g.idx {
				s += math.Log(pts[k].flops())
				g.pts = append(g.pts, pts[k])
			}
			g.flops = math.Exp(s / float64(j-i))
			groups = append(groups, g)
		}
		i = j
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].flops < groups[j].flops })
	return groups, unassigned
}

// splitBudgets warns when budgets inferred by clustering FLOPs (points without a Budget) sit
// so close together that one sweep budget was likely cut in two by the ±tol window: two
// neighbouring clusters whose centres are within (1+tol)^3 of each other (their runs' FLOPs
// interleave within about twice the window). It names the pairs and asks for a budget column.
func splitBudgets(groups []budgetGroup, pts []Point, tol float64) (warn.Warning, bool) {
	var inferred []budgetGroup
	for _, g := range groups {
		if len(g.idx) > 0 && pts[g.idx[0]].Budget == 0 {
			inferred = append(inferred, g)
		}
	}
	near := math.Pow(1+tol, 3)
	var pairs []string
	n := 0
	for i := 1; i < len(inferred); i++ {
		a, b := inferred[i-1], inferred[i]
		if b.flops/a.flops < near {
			n++
			if len(pairs) < 5 {
				pairs = append(pairs, fmt.Sprintf("%.3g (%d runs) and %.3g (%d runs)", a.flops, len(a.pts), b.flops, len(b.pts)))
			}
		}
	}
	if n == 0 {
		return warn.Warning{}, false
	}
	more := ""
	if n > len(pairs) {
		more = fmt.Sprintf(" and %d more", n-len(pairs))
	}
	return warn.New(CodeBudgetsSplit, "%d budgets were inferred by clustering FLOPs within ±%.0f%% (no budget column), and %d pairs of them lie within %.2fx of each other, as one budget cut in two would: %s%s; give the sweep's budgets in a budget column (--budget-col) or widen --budget-tolerance",
		len(inferred), 100*tol, n, near, strings.Join(pairs, ", "), more), true
}

// sameSize is the gap in ln N below which two sizes count as one (1%).
const sameSize = 0.01

// budgetOptimum finds the loss minimum over ln N of one budget.
func budgetOptimum(g budgetGroup, o IsoFLOPOptions) BudgetOptimum {
	b := BudgetOptimum{FLOPs: g.flops, Runs: len(g.pts)}
	// Lowest loss per distinct N. (The points given to IsoFLOP come in canonical order,
	// by params first; a bootstrap resample does not.)
	pts := g.pts
	byParams := func(a, b Point) int { return cmp.Compare(a.Params, b.Params) }
	if !slices.IsSortedFunc(pts, byParams) {
		pts = slices.Clone(pts)
		slices.SortFunc(pts, byParams)
	}
	xs := make([]float64, 0, len(pts))
	ys := make([]float64, 0, len(pts))
	for _, p := range pts {
		x := math.Log(p.Params)
		// Sizes within 1% are one size (digitised or rounded counts jitter): keep the lowest
		// loss. Near-coincident knots would make the Akima spline overshoot wildly.
		if n := len(xs); n > 0 && x-xs[n-1] < sameSize {
			ys[n-1] = math.Min(ys[n-1], math.Log(p.Loss))
			continue
		}
		xs = append(xs, x)
		ys = append(ys, math.Log(p.Loss))
	}
	b.Sizes = len(xs)
	b.LnN, b.LnLoss = xs, ys
	b.MinN, b.MaxN = math.Exp(xs[0]), math.Exp(xs[len(xs)-1])
	if b.Sizes < o.MinSizes {
		b.Reason = CodeTooFewSizes
		return b
	}
	method := o.Vertex
	if method == VertexAuto {
		method = VertexParabola
		if b.Sizes >= o.AkimaMinSizes {
			method = VertexAkima
		}
	}
	b.Method = method
	var x, y float64
	switch method {
	case VertexAkima:
		as := akima(xs, ys)
		m := (len(xs) - 1) * o.GridPerSize
		lo, hi := xs[0], xs[len(xs)-1]
		best := -1
		for i := 0; i < m; i++ {
			xi := lo + (hi-lo)*float64(i)/float64(m-1)
			if i == m-1 {
				xi = hi
			}
			yi := as.Predict(xi)
			if best < 0 || yi < y {
				best, x, y = i, xi, yi
			}
		}
		if best == 0 || best == m-1 {
			b.Reason = CodeEdgeOptimum
			return b
		}
		// A spline minimum far below every sampled loss is an overshoot between noisy knots,
		// not a minimum the data show: fall back to the parabola.
		if ymin, ymax := floats.Min(ys), floats.Max(ys); y < ymin-(ymax-ymin) {
			method = VertexParabola
			b.Method = method
		} else {
			break
		}
		fallthrough
	default:
		c0, c1, c2, mean := stats.Parabola(xs, ys)
		if !(c2 > 0) {
			b.Reason = CodeConcaveProfile
			return b
		}
		u := -c1 / (2 * c2)
		x = mean + u
		y = c0 + c1*u + c2*u*u
		if x <= xs[0] || x >= xs[len(xs)-1] {
			b.Reason = CodeEdgeOptimum
			return b
		}
	}
	b.NOpt = math.Exp(x)
	b.DOpt = g.flops / (6 * b.NOpt)
	b.Loss = math.Exp(y)
	b.Offset = x - (xs[0]+xs[len(xs)-1])/2
	b.Accepted = true
	return b
}

// powerFit holds ln N_opt = lnK + a ln C and ln D_opt = lnKD + b ln C.
type powerFit struct {
	a, b, lnK, lnKD, r2a, r2b float64
}

// fitBudgets regresses the accepted budget optima; ok is false with fewer than 2 budgets
// (or a single distinct budget FLOPs).
func fitBudgets(bs []BudgetOptimum) (powerFit, bool) {
	var x, yn, yd []float64
	for _, b := range bs {
		if b.Accepted {
			x = append(x, math.Log(b.FLOPs))
			yn = append(yn, math.Log(b.NOpt))
			yd = append(yd, math.Log(b.DOpt))
		}
	}
	return logLogFit(x, yn, yd)
}

// logLogFit is ordinary least squares of yn and yd on x; ok is false when x has < 2 distinct values.
func logLogFit(x, yn, yd []float64) (powerFit, bool) {
	if len(x) < 2 {
		return powerFit{}, false
	}
	distinct := false
	for _, v := range x[1:] {
		if v != x[0] {
			distinct = true
			break
		}
	}
	if !distinct {
		return powerFit{}, false
	}
	var f powerFit
	f.lnK, f.a = stat.LinearRegression(x, yn, nil, false)
	f.lnKD, f.b = stat.LinearRegression(x, yd, nil, false)
	f.r2a = stat.RSquared(x, yn, nil, f.lnK, f.a)
	f.r2b = stat.RSquared(x, yd, nil, f.lnKD, f.b)
	return f, true
}

// bootstrapFits runs k replicates on the shared seeded engine and returns the successful
// fits in replicate order, so the output does not depend on the number of workers.
func bootstrapFits(k int, opt stats.BootstrapOptions, rep func(rng *rand.Rand) (powerFit, bool)) []powerFit {
	type r struct {
		f  powerFit
		ok bool
	}
	all := stats.Replicates(k, opt, func(_ int, rng *rand.Rand) r { f, ok := rep(rng); return r{f, ok} })
	var out []powerFit
	for _, x := range all {
		if x.ok {
			out = append(out, x.f)
		}
	}
	return out
}

// intervals sets the percentile intervals of a, b, ln K and ln KD over the replicate fits
// (none with fewer than two).
func (p *PowerLaws) intervals(reps []powerFit, level float64) {
	if len(reps) < 2 {
		return
	}
	p.AInt, _ = stats.CentralOf(reps, level, func(f powerFit) float64 { return f.a })
	p.BInt, _ = stats.CentralOf(reps, level, func(f powerFit) float64 { return f.b })
	p.LnKInt, _ = stats.CentralOf(reps, level, func(f powerFit) float64 { return f.lnK })
	p.LnKDInt, _ = stats.CentralOf(reps, level, func(f powerFit) float64 { return f.lnKD })
}
